r"""
# Broadcasting and reductions in the backward pass

Why the gradient of a broadcast input is a sum, and a general unbroadcast that computes it.

When a bias of shape $(m,)$ is added to a batch of shape $(n, m)$, broadcasting uses each bias entry $n$ times (see [the broadcasting rule](../../tensors/broadcasting/) in the tensors chapter).
What is the gradient of the loss $L$ with respect to the bias, whose shape is not the shape of the gradient $g = \partial L / \partial y$ that arrives?
Write the sum as $y_{ij} = a_{ij} + b_j$. Every $y_{ij}$ in column $j$ depends on $b_j$ with slope 1, so the chain rule adds up the whole column:
$$ \frac{\partial L}{\partial b_j} = \sum_i \frac{\partial L}{\partial y_{ij}} \frac{\partial y_{ij}}{\partial b_j} = \sum_i g_{ij} $$
In general, broadcasting copies a tensor along the dimensions it stretches, and the backward pass of a copy is a sum: each copy passes its own share of the gradient back to the one original. It is the rule by which ``.grad`` accumulates where a tensor is used twice ([autograd basics](../../autograd/autograd_basics/)): every use adds its share.
A sum, not a mean: every copy appears in $L$ with its full weight (`test_grad_bias_is_a_sum_over_the_batch`). The gradient is then summed over
- the leading dimensions that broadcasting added in front of the shape, and
- the dimensions where the shape has size 1 and the result does not, keeping them as size 1.
"""
import traceback
from types import SimpleNamespace

import torch
from torch.autograd import Function, gradcheck, gradgradcheck

# The same tolerances as in the elementwise tutorial: they catch a relative error of $10^{-6}$. That holds on this page too: the project's mutation check (``tests/test_mutants.py``) scales each gradient returned here by $1 + 10^{-6}$, and these tests reject every one.
TIGHT = dict(eps=1e-6, atol=1e-9, rtol=1e-7)


def unbroadcast(grad, shape):
    r"""
    **Unbroadcast**:
        Reduces ``grad``, the gradient of a broadcast result, to the gradient of an input of shape ``shape``: autograd agrees on eight pairs of shapes (`test_unbroadcast_matches_autograd`), and so does a count by hand (`test_unbroadcast_sums_and_keeps_size_one`).
    """
    # The dimensions broadcasting added in front: sum them away, since each slice along them is one copy of the input.
    extra = grad.dim() - len(shape)
    if extra > 0:
        grad = grad.sum(dim=tuple(range(extra)))
    # The dimensions that were stretched from size 1: sum along them with ``keepdim=True``, so that the result has exactly ``shape``.
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(dim=stretched, keepdim=True)
    return grad


class BroadcastAdd(Function):
    r"""
    **Addition with broadcasting**:
        $y = a + b$ has slope 1 with respect to both inputs, so each gets $g$ itself, reduced to its shape; an input that needs no gradient gets ``None`` (`test_inputs_without_grad_get_none`):
        $$ \frac{\partial L}{\partial a} = \operatorname{unbroadcast}(g, \text{shape of } a), \qquad \frac{\partial L}{\partial b} = \operatorname{unbroadcast}(g, \text{shape of } b) $$
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a + b

    @staticmethod
    def backward(ctx, grad_output):
        shape_a, shape_b = ctx.shapes
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = unbroadcast(grad_output, shape_a)
        if ctx.needs_input_grad[1]:
            grad_b = unbroadcast(grad_output, shape_b)
        return grad_a, grad_b


class BroadcastMul(Function):
    r"""
    **Multiplication with broadcasting**:
        $y = a \odot b$: the slope with respect to $a$ is $b$ and the other way round. The product is taken at the broadcast shape, then reduced (`test_gradcheck_broadcast_add_and_mul`):
        $$ \frac{\partial L}{\partial a} = \operatorname{unbroadcast}(g \odot b, \text{shape of } a), \qquad \frac{\partial L}{\partial b} = \operatorname{unbroadcast}(g \odot a, \text{shape of } b) $$
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = unbroadcast(grad_output * b, a.shape)
        if ctx.needs_input_grad[1]:
            grad_b = unbroadcast(grad_output * a, b.shape)
        return grad_a, grad_b


# Pairs of shapes that broadcast: a missing dimension, a size-1 dimension on either side, both at once, a scalar, and a dimension of size 0.
SHAPES = [
    ((2, 3), (3,)),
    ((2, 3), (2, 1)),
    ((4, 1, 5), (3, 1)),
    ((1, 3, 1), (2, 1, 4)),
    ((2, 3), ()),
    ((1,), (4, 2, 1)),
    ((0, 3), (1, 3)),
    ((2, 1, 3, 1), (5, 1, 4)),
]


def random_tensor(shape):
    return torch.randn(shape, dtype=torch.float64, requires_grad=True)


def test_unbroadcast_matches_autograd():
    r"""
    **Checks**:
        For every pair of shapes, autograd's gradients of $a + b$ and of $a \odot b$ under a random $g$ are what ``unbroadcast`` makes of $g$ and of $g \odot b$, $g \odot a$.
    """
    torch.manual_seed(0)
    for shape_a, shape_b in SHAPES:
        a, b = random_tensor(shape_a), random_tensor(shape_b)
        g = torch.randn(torch.broadcast_shapes(shape_a, shape_b), dtype=torch.float64)
        grad_a, grad_b = torch.autograd.grad(a + b, (a, b), g)
        assert unbroadcast(g, shape_a).shape == a.shape and unbroadcast(g, shape_b).shape == b.shape
        torch.testing.assert_close(unbroadcast(g, shape_a), grad_a, rtol=1e-14, atol=1e-14)
        torch.testing.assert_close(unbroadcast(g, shape_b), grad_b, rtol=1e-14, atol=1e-14)
        grad_a, grad_b = torch.autograd.grad(a * b, (a, b), g)
        torch.testing.assert_close(unbroadcast(g * b, shape_a), grad_a, rtol=1e-14, atol=1e-14)
        torch.testing.assert_close(unbroadcast(g * a, shape_b), grad_b, rtol=1e-14, atol=1e-14)


def test_unbroadcast_sums_and_keeps_size_one():
    r"""
    **Checks**:
        By hand, on a gradient of ones: a column $(3, 1)$ broadcast to $(2, 3, 4)$ was used $2 \times 4 = 8$ times per entry, so its gradient is 8 in each entry, and keeps its shape $(3, 1)$.
    """
    ones = torch.ones(2, 3, 4, dtype=torch.float64)
    assert torch.equal(unbroadcast(ones, (3, 1)), torch.full((3, 1), 8.0, dtype=torch.float64))
    assert torch.equal(unbroadcast(ones, (4,)), torch.full((4,), 6.0, dtype=torch.float64))
    assert torch.equal(unbroadcast(ones, ()), torch.tensor(24.0, dtype=torch.float64))
    assert unbroadcast(ones, (2, 3, 4)) is ones


def test_gradcheck_broadcast_add_and_mul():
    """
    **Checks**:
        ``gradcheck`` agrees with both functions' backward passes on shapes that stretch on both sides, and ``gradgradcheck`` with their second derivatives: the backward passes are products and sums, which autograd differentiates in turn.
    """
    torch.manual_seed(0)
    for shape_a, shape_b in ((2, 1, 3), (4, 1)), ((3,), (2, 3)), ((2, 3), ()):
        assert gradcheck(BroadcastAdd.apply, (random_tensor(shape_a), random_tensor(shape_b)), **TIGHT)
        assert gradcheck(BroadcastMul.apply, (random_tensor(shape_a), random_tensor(shape_b)), **TIGHT)
        assert gradgradcheck(BroadcastAdd.apply, (random_tensor(shape_a), random_tensor(shape_b)), **TIGHT)
        assert gradgradcheck(BroadcastMul.apply, (random_tensor(shape_a), random_tensor(shape_b)), **TIGHT)


def test_inputs_without_grad_get_none():
    """
    **Checks**:
        Called directly with a stand-in for PyTorch's context, each backward pass returns ``None`` exactly for the inputs whose ``needs_input_grad`` is False.
    """
    a, b = torch.ones(2, 3, dtype=torch.float64), torch.full((3,), 2.0, dtype=torch.float64)
    for function in BroadcastAdd, BroadcastMul:
        for flags in (True, False), (False, True), (True, True):
            ctx = SimpleNamespace(needs_input_grad=flags)
            ctx.save_for_backward = lambda *tensors: setattr(ctx, "saved_tensors", tensors)
            function.forward(ctx, a, b)
            grads = function.backward(ctx, torch.ones(2, 3, dtype=torch.float64))
            assert [grad is not None for grad in grads] == list(flags)


def test_grad_bias_is_a_sum_over_the_batch():
    """
    **Checks**:
        In a linear layer $y = x W^T + b$ the bias is broadcast over the batch, so its gradient is ``grad_output.sum(0)``, as in the autograd chapter's ``LinearFunction``: autograd agrees, and a mean would be $n$ times too small.
    """
    torch.manual_seed(0)
    x, weight, bias = random_tensor((5, 3)), random_tensor((4, 3)), random_tensor((4,))
    grad_output = torch.randn(5, 4, dtype=torch.float64)
    (grad_bias,) = torch.autograd.grad(torch.nn.functional.linear(x, weight, bias), bias, grad_output)
    torch.testing.assert_close(grad_bias, grad_output.sum(0), rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(unbroadcast(grad_output, bias.shape), grad_bias, rtol=1e-14, atol=1e-14)
    assert not torch.allclose(grad_output.mean(0), grad_bias)


def test_wrong_versions_are_rejected():
    r"""
    **Wrong versions the tests reject**:
        Three mistakes a learner makes with broadcasting.
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

    # 1. A mean where the copies call for a sum: each copy counts in full, so the gradient is $n$ times too small.
    def averages(grad, shape):
        extra = grad.dim() - len(shape)
        if extra > 0:
            grad = grad.mean(dim=tuple(range(extra)))
        stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
        return grad.mean(dim=stretched, keepdim=True) if stretched else grad

    print("1.", rejection(test_grad_bias_is_a_sum_over_the_batch, unbroadcast=averages))

    # 2. ``keepdim`` forgotten: a column of shape $(3, 1)$ gets a gradient of shape $(3,)$.
    def drops_size_one(grad, shape):
        extra = grad.dim() - len(shape)
        if extra > 0:
            grad = grad.sum(dim=tuple(range(extra)))
        stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
        return grad.sum(dim=stretched) if stretched else grad

    print("2.", rejection(test_unbroadcast_sums_and_keeps_size_one, unbroadcast=drops_size_one))

    # 3. The slopes of a product not swapped: $a$ gets $g \odot a$ where it should get $g \odot b$.
    class DoesNotSwap(BroadcastMul):
        @staticmethod
        def backward(ctx, grad_output):
            a, b = ctx.saved_tensors
            return unbroadcast(grad_output * a, a.shape), unbroadcast(grad_output * b, b.shape)

    print("3.", rejection(test_gradcheck_broadcast_add_and_mul, BroadcastMul=DoesNotSwap))


if __name__ == "__main__":
    # Run directly (``python 02_broadcasting_backward.py``), the file hands itself to pytest, which prints a summary line and exits non-zero if a test failed.
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
