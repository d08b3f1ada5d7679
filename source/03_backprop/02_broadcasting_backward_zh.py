r"""
# 反向传播中的广播与归约

为什么被广播的输入，梯度是一个求和；以及计算它的通用函数 unbroadcast。

把形状为 $(m,)$ 的偏置加到形状为 $(n, m)$ 的一批数据上时，广播让偏置的每个元素被用了 $n$ 次（广播规则见张量一章的[《广播》](../../tensors/broadcasting/)）。
传回来的梯度 $g = \partial L / \partial y$ 与偏置形状不同，那么损失 $L$ 对偏置的梯度是什么？
把加法写成 $y_{ij} = a_{ij} + b_j$。第 $j$ 列的每个 $y_{ij}$ 都以斜率 1 依赖 $b_j$，所以链式法则把整列加起来：
$$ \frac{\partial L}{\partial b_j} = \sum_i \frac{\partial L}{\partial y_{ij}} \frac{\partial y_{ij}}{\partial b_j} = \sum_i g_{ij} $$
一般地说，广播沿着被拉伸的维度复制张量，而“复制”的反向传播就是“求和”：每个副本都把自己那份梯度交还给同一个原件。张量被用了两次时，``.grad`` 也是按这条规则累加的（见[自动求导基础](../../autograd/autograd_basics/)）：每次使用都加上自己的一份。
是求和而不是求平均，因为每个副本都以完整的权重出现在 $L$ 中（见 `test_grad_bias_is_a_sum_over_the_batch`）。于是梯度要在以下维度上求和：
- 广播在形状前面补出来的维度；
- 原形状中大小为 1、而结果中不为 1 的维度，求和后仍保留为大小 1。
"""
import traceback
from types import SimpleNamespace

import torch
from torch.autograd import Function, gradcheck, gradgradcheck

# 与逐元素函数一篇相同的容差：相对误差 $10^{-6}$ 也逃不过。本页同样如此：项目的变异检查（``tests/test_mutants.py``）把这里返回的每个梯度都放大 $1 + 10^{-6}$ 倍，这些测试全部拒绝。
TIGHT = dict(eps=1e-6, atol=1e-9, rtol=1e-7)


def unbroadcast(grad, shape):
    r"""
    **反广播 unbroadcast**：
        把广播结果的梯度 ``grad`` 归约为形状为 ``shape`` 的输入的梯度：在八对形状上与 autograd 一致（`test_unbroadcast_matches_autograd`），也与手算的结果一致（`test_unbroadcast_sums_and_keeps_size_one`）。
    """
    # 广播在前面补出的维度：沿它们的每个切片都是输入的一个副本，把这些维度求和消去。
    extra = grad.dim() - len(shape)
    if extra > 0:
        grad = grad.sum(dim=tuple(range(extra)))
    # 从大小 1 拉伸出来的维度：用 ``keepdim=True`` 沿它们求和，结果的形状恰好是 ``shape``。
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(dim=stretched, keepdim=True)
    return grad


class BroadcastAdd(Function):
    r"""
    **带广播的加法**：
        $y = a + b$ 对两个输入的斜率都是 1，所以各自得到 $g$ 本身，再归约到自己的形状；不需要梯度的输入得到 ``None``（见 `test_inputs_without_grad_get_none`）：
        $$ \frac{\partial L}{\partial a} = \operatorname{unbroadcast}(g, a \text{ 的形状}), \qquad \frac{\partial L}{\partial b} = \operatorname{unbroadcast}(g, b \text{ 的形状}) $$
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
    **带广播的乘法**：
        $y = a \odot b$：对 $a$ 的斜率是 $b$，反之亦然。先在广播后的形状上相乘，再归约（见 `test_gradcheck_broadcast_add_and_mul`）：
        $$ \frac{\partial L}{\partial a} = \operatorname{unbroadcast}(g \odot b, a \text{ 的形状}), \qquad \frac{\partial L}{\partial b} = \operatorname{unbroadcast}(g \odot a, b \text{ 的形状}) $$
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


# 可以互相广播的形状对：缺一个维度、任一侧有大小为 1 的维度、两侧同时拉伸、标量，以及大小为 0 的维度。
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
    **检查**：
        对每一对形状，在随机的 $g$ 下，autograd 求出的 $a + b$ 与 $a \odot b$ 的梯度，正是 ``unbroadcast`` 对 $g$、$g \odot b$、$g \odot a$ 归约的结果。
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
    **检查**：
        手算一个全 1 的梯度：形状 $(3, 1)$ 的列广播到 $(2, 3, 4)$，每个元素被用了 $2 \times 4 = 8$ 次，所以梯度的每个元素都是 8，形状仍是 $(3, 1)$。
    """
    ones = torch.ones(2, 3, 4, dtype=torch.float64)
    assert torch.equal(unbroadcast(ones, (3, 1)), torch.full((3, 1), 8.0, dtype=torch.float64))
    assert torch.equal(unbroadcast(ones, (4,)), torch.full((4,), 6.0, dtype=torch.float64))
    assert torch.equal(unbroadcast(ones, ()), torch.tensor(24.0, dtype=torch.float64))
    assert unbroadcast(ones, (2, 3, 4)) is ones


def test_gradcheck_broadcast_add_and_mul():
    """
    **检查**：
        在两侧都有拉伸的形状上，``gradcheck`` 认可这两个函数的反向传播，``gradgradcheck`` 也认可它们的二阶导数：反向传播只由乘积和求和组成，autograd 可以对它们再求导。
    """
    torch.manual_seed(0)
    for shape_a, shape_b in ((2, 1, 3), (4, 1)), ((3,), (2, 3)), ((2, 3), ()):
        assert gradcheck(BroadcastAdd.apply, (random_tensor(shape_a), random_tensor(shape_b)), **TIGHT)
        assert gradcheck(BroadcastMul.apply, (random_tensor(shape_a), random_tensor(shape_b)), **TIGHT)
        assert gradgradcheck(BroadcastAdd.apply, (random_tensor(shape_a), random_tensor(shape_b)), **TIGHT)
        assert gradgradcheck(BroadcastMul.apply, (random_tensor(shape_a), random_tensor(shape_b)), **TIGHT)


def test_inputs_without_grad_get_none():
    """
    **检查**：
        用一个替身代替 PyTorch 的上下文直接调用反向传播：``needs_input_grad`` 为 False 的输入得到 ``None``，其余的不是。
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
    **检查**：
        线性层 $y = x W^T + b$ 中偏置沿批次维广播，所以它的梯度是 ``grad_output.sum(0)``，正如自动求导一章的 ``LinearFunction``：autograd 给出同样的结果，而求平均会小 $n$ 倍。
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
    **测试拒绝的错误版本**：
        初学者处理广播时常犯的三个错误。
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

    # 1. 该求和的地方求了平均：每个副本都完整地计入，所以梯度小了 $n$ 倍。
    def averages(grad, shape):
        extra = grad.dim() - len(shape)
        if extra > 0:
            grad = grad.mean(dim=tuple(range(extra)))
        stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
        return grad.mean(dim=stretched, keepdim=True) if stretched else grad

    print("1.", rejection(test_grad_bias_is_a_sum_over_the_batch, unbroadcast=averages))

    # 2. 忘了 ``keepdim``：形状为 $(3, 1)$ 的列得到形状为 $(3,)$ 的梯度。
    def drops_size_one(grad, shape):
        extra = grad.dim() - len(shape)
        if extra > 0:
            grad = grad.sum(dim=tuple(range(extra)))
        stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
        return grad.sum(dim=stretched) if stretched else grad

    print("2.", rejection(test_unbroadcast_sums_and_keeps_size_one, unbroadcast=drops_size_one))

    # 3. 乘积的斜率没有交换：$a$ 得到的是 $g \odot a$，而它应当得到 $g \odot b$。
    class DoesNotSwap(BroadcastMul):
        @staticmethod
        def backward(ctx, grad_output):
            a, b = ctx.saved_tensors
            return unbroadcast(grad_output * a, a.shape), unbroadcast(grad_output * b, b.shape)

    print("3.", rejection(test_gradcheck_broadcast_add_and_mul, BroadcastMul=DoesNotSwap))


if __name__ == "__main__":
    # 直接运行本文件（``python 02_broadcasting_backward_zh.py``）时，它把自己交给 pytest：打印一行汇总，有测试失败就以非零状态退出。
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
