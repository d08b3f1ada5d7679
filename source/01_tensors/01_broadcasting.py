"""
# Broadcasting: how tensors of different shapes combine

When an elementwise operation meets two tensors of different shapes, PyTorch does not copy data to make the shapes equal: it broadcasts them.
This page states the rule, writes it out by hand, and checks the hand-written version against ``torch.broadcast_shapes``.
Two shapes are compared from their last dimension backwards:

- a missing dimension counts as size 1;
- two sizes are compatible when they are equal or when one of them is 1;
- the result takes the other size wherever one of them is 1.

<link https://pytorch.org/docs/stable/notes/broadcasting.html link>
"""
import traceback

import torch


def broadcast_shape(a, b):
    """
    **Overview**:
        The shape that tensors of shapes ``a`` and ``b`` broadcast to, by the rule above.
        Raises ``ValueError`` when the shapes are incompatible, as PyTorch raises ``RuntimeError``.
    """
    # Pad the shorter shape with 1s on the left: a missing dimension counts as size 1.
    length = max(len(a), len(b))
    a = (1,) * (length - len(a)) + tuple(a)
    b = (1,) * (length - len(b)) + tuple(b)
    result = []
    for size_a, size_b in zip(a, b):
        if size_a != size_b and 1 not in (size_a, size_b):
            raise ValueError(f"shapes {a} and {b} do not broadcast: {size_a} against {size_b}")
        # A size of 1 stretches to the other size, even to 0: it is not the larger size that wins.
        result.append(size_b if size_a == 1 else size_a)
    return tuple(result)


def test_matches_torch_broadcast_shapes():
    """
    **Overview**:
        The hand-written rule gives the shape PyTorch computes, including the empty shape of a scalar and a size of 0.
    """
    cases = [((3, 1), (1, 4)), ((5, 3, 1), (3, 4)), ((2, 1), ()), ((0,), (1,)), ((4, 1, 2), (1, 3, 1)),
             ((4,), (2, 3, 4))]
    for a, b in cases:
        assert broadcast_shape(a, b) == tuple(torch.broadcast_shapes(a, b)), (a, b)


def test_incompatible_shapes_are_refused_like_torch():
    """
    **Overview**:
        Sizes 3 and 4 in the same position are neither equal nor 1: both the rule and PyTorch refuse them.
    """
    for refuses, error in ((broadcast_shape, ValueError), (torch.broadcast_shapes, RuntimeError)):
        try:
            refuses((2, 3), (4,))
        except error:
            continue
        raise AssertionError(f"{refuses.__name__} accepted shapes (2, 3) and (4,)")


def test_broadcasting_does_not_copy():
    """
    **Overview**:
        A column plus a row gives a whole table, yet the stretched row is stored once:
        ``expand`` shows it as a view whose stride along the new dimension is 0.
        ``torch.broadcast_tensors`` gives the same kind of stride-0 view:
        the column and the row stretched to the table's shape without a copy.
    """
    row = torch.arange(4.0)
    column = torch.arange(3.0).reshape(3, 1)
    table = column + row
    assert torch.equal(table, torch.tensor([[i + j for j in range(4)] for i in range(3)], dtype=torch.float32))
    stretched = row.expand(3, 4)
    assert stretched.stride() == (0, 1)
    assert stretched.data_ptr() == row.data_ptr()
    wide_column, tall_row = torch.broadcast_tensors(column, row)
    assert wide_column.shape == tall_row.shape == table.shape
    assert (wide_column.stride(), tall_row.stride()) == ((1, 0), (0, 1))
    assert (wide_column.data_ptr(), tall_row.data_ptr()) == (column.data_ptr(), row.data_ptr())


def test_wrong_versions_are_rejected():
    r"""
    **Wrong versions the tests reject**:
        Two mistakes a learner makes with the rule.
        Each is put in place of the right code and run against the test named for it, which must fail; the test's message, from this build, is printed below this test's code.
    """

    def rejection(test, **replaced):
        """The message with which ``test`` fails while ``replaced`` stands in for this page's own names."""
        saved = {name: globals()[name] for name in replaced}
        globals().update(replaced)
        try:
            test()
        except Exception as error:
            here = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == test.__code__.co_filename][-1]
            said = str(error).strip().splitlines()
            return f"{test.__name__} rejects it at line {here.lineno}, `{here.line}`: {type(error).__name__}" + (f": {said[0]}" if said else "")
        finally:
            globals().update(saved)
        raise AssertionError(f"{test.__name__} accepted a wrong version")

    # 1. The larger size wins: right except where a dimension of size 0 meets one of size 1, and the result is 0.
    def larger_wins(a, b):
        length = max(len(a), len(b))
        a = (1,) * (length - len(a)) + tuple(a)
        b = (1,) * (length - len(b)) + tuple(b)
        for size_a, size_b in zip(a, b):
            if size_a != size_b and 1 not in (size_a, size_b):
                raise ValueError(f"shapes {a} and {b} do not broadcast")
        return tuple(max(size_a, size_b) for size_a, size_b in zip(a, b))

    print("1.", rejection(test_matches_torch_broadcast_shapes, broadcast_shape=larger_wins))

    # 2. The shorter shape padded on the right: shapes are compared from their last dimension, not their first.
    def pads_on_the_right(a, b):
        length = max(len(a), len(b))
        a = tuple(a) + (1,) * (length - len(a))
        b = tuple(b) + (1,) * (length - len(b))
        for size_a, size_b in zip(a, b):
            if size_a != size_b and 1 not in (size_a, size_b):
                raise ValueError(f"shapes {a} and {b} do not broadcast")
        return tuple(size_b if size_a == 1 else size_a for size_a, size_b in zip(a, b))

    print("2.", rejection(test_matches_torch_broadcast_shapes, broadcast_shape=pads_on_the_right))


if __name__ == "__main__":
    # Run directly (``python 01_broadcasting.py``), the file hands itself to pytest, which runs every ``test_`` function above,
    # prints a summary line and exits non-zero if a test failed.
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
