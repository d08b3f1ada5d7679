"""
# 广播：不同形状的张量如何一起运算

当逐元素运算遇到两个形状不同的张量时，PyTorch 并不复制数据来让形状一致，而是对它们进行广播。
本文档给出广播的规则，手动实现这一规则，并与 ``torch.broadcast_shapes`` 的结果对照检验。
两个形状从最后一维开始向前逐维比较：

- 缺少的维度按大小为 1 处理；
- 两个大小相等，或其中一个为 1 时，二者兼容；
- 凡是一方大小为 1 的维度，结果取另一方的大小。

<link https://pytorch.org/docs/stable/notes/broadcasting.html link>
"""
import traceback

import torch


def broadcast_shape(a, b):
    """
    **概述**：
        按上面的规则，计算形状为 ``a`` 和 ``b`` 的两个张量广播后的形状。
        形状不兼容时抛出 ``ValueError``，就像 PyTorch 此时抛出 ``RuntimeError`` 一样。
    """
    # 在较短的形状左侧补 1：缺少的维度按大小为 1 处理。
    length = max(len(a), len(b))
    a = (1,) * (length - len(a)) + tuple(a)
    b = (1,) * (length - len(b)) + tuple(b)
    result = []
    for size_a, size_b in zip(a, b):
        if size_a != size_b and 1 not in (size_a, size_b):
            raise ValueError(f"shapes {a} and {b} do not broadcast: {size_a} against {size_b}")
        # 大小为 1 的维度拉伸为另一方的大小，即使那是 0：并不是较大的一方胜出。
        result.append(size_b if size_a == 1 else size_a)
    return tuple(result)


def test_matches_torch_broadcast_shapes():
    """
    **检查**：
        手动实现的规则与 PyTorch 算出的形状一致，包括标量的空形状和大小为 0 的维度。
    """
    cases = [((3, 1), (1, 4)), ((5, 3, 1), (3, 4)), ((2, 1), ()), ((0,), (1,)), ((4, 1, 2), (1, 3, 1)),
             ((4,), (2, 3, 4))]
    for a, b in cases:
        assert broadcast_shape(a, b) == tuple(torch.broadcast_shapes(a, b)), (a, b)


def test_incompatible_shapes_are_refused_like_torch():
    """
    **检查**：
        同一位置上的大小 3 和 4 既不相等也不为 1：手动规则和 PyTorch 都拒绝这样的形状。
    """
    for refuses, error in ((broadcast_shape, ValueError), (torch.broadcast_shapes, RuntimeError)):
        try:
            refuses((2, 3), (4,))
        except error:
            continue
        raise AssertionError(f"{refuses.__name__} accepted shapes (2, 3) and (4,)")


def test_broadcasting_does_not_copy():
    """
    **检查**：
        一列加一行得到一整张表，但被拉伸的那一行只存储一次：
        ``expand`` 把它表示为一个视图，在新增维度上的步长为 0。
        ``torch.broadcast_tensors`` 给出的也是这样步长为 0 的视图：
        列和行都拉伸成表的形状，没有复制。
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
    **测试拒绝的错误版本**：
        初学者运用这条规则时常犯的两个错误。
        每个错误版本都替换掉正确的代码，再交给为它指定的测试运行，那个测试必须失败；它在本次构建中给出的信息打印在这个测试的代码下方。
    """

    def rejection(test, **replaced):
        """``replaced`` 替换本页的同名对象时，``test`` 失败给出的信息。"""
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

    # 1. 取较大的那个大小：只在大小为 0 的维度遇到大小为 1 的维度时出错，那时结果是 0。
    def larger_wins(a, b):
        length = max(len(a), len(b))
        a = (1,) * (length - len(a)) + tuple(a)
        b = (1,) * (length - len(b)) + tuple(b)
        for size_a, size_b in zip(a, b):
            if size_a != size_b and 1 not in (size_a, size_b):
                raise ValueError(f"shapes {a} and {b} do not broadcast")
        return tuple(max(size_a, size_b) for size_a, size_b in zip(a, b))

    print("1.", rejection(test_matches_torch_broadcast_shapes, broadcast_shape=larger_wins))

    # 2. 在较短形状的右侧补 1：形状是从最后一维开始比较的，而不是从第一维。
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
    # 直接运行本文件（``python 01_broadcasting_zh.py``）时，它把自己交给 pytest：pytest 执行上面所有的 ``test_`` 函数，
    # 打印一行汇总，有测试失败就以非零状态退出。
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
