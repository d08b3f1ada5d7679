r"""
# 二阶反向传播：对反向传播求导

二阶导数就是反向传播的导数。PyTorch 把反向传播本身也记录成一张计算图来计算它，所以自定义的 ``Function`` 要么支持这一点，要么明确声明不支持。

``torch.autograd.grad(c, x, create_graph=True)`` 返回的 $\nabla_x c$ 本身也在计算图中：再对它求导，就得到二阶导数。
实践中有两种用法最重要：

- *Hessian–向量积* $H v = \nabla_x \langle \nabla_x c, v \rangle$：用两遍反向传播的代价求出 Hessian 矩阵与一个向量的乘积，而不构造 $H$（见 `test_hessian_vector_product`）；
- *梯度惩罚*：含有梯度的损失，如 WGAN-GP 中的 $P(w) = \lVert \nabla_x f_w(x) \rVert^2$，训练时要对 $w$ 求 $P$ 的导数（见 `test_gradient_penalty`）。

自定义 ``Function`` 的 ``backward`` 和其他代码一样会被求导，所以它必须用可导的运算、作用在 ``forward`` 保存的东西上。在 ``forward`` 里算出再保存的张量，在第二遍中是常量：经过它的二阶导数会悄悄地出错，这正是第三章在交叉熵和层归一化中修正的错误。
PyTorch 文档给出两种修正办法：从保存的输入重新计算（下面的 `Cube`），或者给反向传播加上 ``@once_differentiable`` 标记（`CubeOnce`）。这个标记让经过该函数的第二次 ``backward`` 报错；但它并不能保护所有工具：``torch.autograd.functional.hessian`` 找不到经过它的路径，返回的是零（见 `test_cube_is_twice_differentiable_and_cube_once_says_it_is_not`）。重新计算才是不需要额外记住什么的办法。
"""
import traceback

import pytest
import torch
from torch.autograd import Function, gradgradcheck
from torch.autograd.function import once_differentiable

TIGHT = dict(eps=1e-6, atol=1e-9, rtol=1e-7)


class Cube(Function):
    r"""
    **二阶可导的 $x^3$**：反向传播 $3x^2 g$ 用可导的运算从保存的输入算出，所以它自己的导数 $6x g$ 是对的。
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * grad_output


class CubeOnce(Function):
    r"""
    **只能求一阶导的 $x^3$**：同样的反向传播，加上 ``@once_differentiable`` 标记：经过它的第二次 ``backward`` 会报错，而不是给出错误的结果。
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * grad_output


def test_cube_is_twice_differentiable_and_cube_once_says_it_is_not():
    r"""
    **检查**：
        ``Cube`` 通过 ``gradgradcheck``。经由 $c = \sum_i (x_i^3)^2$，它的一阶导数是 $6x^5$，二阶导数是 $30x^4$。
        ``CubeOnce`` 给出同样的一阶导数；用 ``backward`` 求二阶导数会报错，而 ``torch.autograd.functional.hessian`` 把够不着的部分当作 0，返回全零。
    """
    x = torch.tensor([0.5, -1.5, 2.0], dtype=torch.float64, requires_grad=True)
    assert gradgradcheck(Cube.apply, (x,), **TIGHT)
    for function in Cube, CubeOnce:
        (first,) = torch.autograd.grad((function.apply(x) ** 2).sum(), x, create_graph=True)
        torch.testing.assert_close(first, 6 * x.detach() ** 5, rtol=1e-15, atol=0)
    (second,) = torch.autograd.grad(torch.autograd.grad((Cube.apply(x) ** 2).sum(), x, create_graph=True)[0].sum(), x)
    torch.testing.assert_close(second, 30 * x.detach() ** 4, rtol=1e-15, atol=0)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        first.sum().backward()
    assert not torch.autograd.functional.hessian(lambda t: (CubeOnce.apply(t) ** 2).sum(), x.detach()).any()


# ## Hessian–向量积
# 留在计算图中的梯度与 $v$ 做内积，得到一个标量；它的梯度就是 $H v$，因为对常量 $v$ 有 $\nabla_x \langle \nabla_x c, v \rangle = H v$。
def hessian_vector_product(c, x, v):
    (gradient,) = torch.autograd.grad(c(x), x, create_graph=True)
    (product,) = torch.autograd.grad((gradient * v).sum(), x)
    return product


def cubic_energy(x):
    return Cube.apply(x).sum() + (x[:-1] * x[1:]).sum()


def test_hessian_vector_product():
    r"""
    **检查**：
        对经由 ``Cube`` 计算的 $c(x) = \sum_i x_i^3 + \sum_i x_i x_{i+1}$，这个乘积等于 ``torch.autograd.functional.hvp`` 的结果，等于完整的 Hessian 矩阵乘以 $v$，也等于手算的结果：Hessian 矩阵的对角线是 $6x_i$，紧挨对角线的元素是 1，所以 $(Hv)_i = 6 x_i v_i + v_{i-1} + v_{i+1}$。
    """
    x = torch.tensor([0.5, -1.5, 2.0, 0.3], dtype=torch.float64, requires_grad=True)
    v = torch.tensor([1.0, 0.5, -2.0, 3.0], dtype=torch.float64)
    ours = hessian_vector_product(cubic_energy, x, v)
    _, theirs = torch.autograd.functional.hvp(cubic_energy, x.detach(), v)
    hessian = torch.autograd.functional.hessian(cubic_energy, x.detach())
    torch.testing.assert_close(ours, theirs, rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(ours, hessian @ v, rtol=1e-14, atol=1e-15)
    zero = torch.zeros(1, dtype=torch.float64)
    by_hand = 6 * x.detach() * v + torch.cat([v[1:], zero]) + torch.cat([zero, v[:-1]])
    torch.testing.assert_close(ours, by_hand, rtol=1e-14, atol=1e-15)


# ## 梯度惩罚
# $f_w(x) = \langle w, \tanh x \rangle$ 的梯度是 $\nabla_x f_w = w \odot (1 - \tanh^2 x)$，所以 $P(w) = \sum_i w_i^2 (1 - \tanh^2 x_i)^2$，手算得 $\partial P / \partial w = 2 w \odot (1 - \tanh^2 x)^2$。
def gradient_penalty(w, x):
    x = x.detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad((w * torch.tanh(x)).sum(), x, create_graph=True)
    return (gradient**2).sum()


def test_gradient_penalty():
    r"""
    **检查**：
        经由对 $x$ 的梯度求出的惩罚项对 $w$ 的梯度，与手算结果一致，并通过 ``gradcheck``。
    """
    x = torch.tensor([0.3, -1.1, 0.8], dtype=torch.float64)
    w = torch.tensor([1.5, -0.5, 2.0], dtype=torch.float64, requires_grad=True)
    (ours,) = torch.autograd.grad(gradient_penalty(w, x), w)
    torch.testing.assert_close(ours, 2 * w.detach() * (1 - torch.tanh(x) ** 2) ** 2, rtol=1e-14, atol=1e-15)
    assert torch.autograd.gradcheck(lambda weights: gradient_penalty(weights, x), (w,), **TIGHT)


def test_wrong_versions_are_rejected():
    r"""
    **测试拒绝的错误版本**：
        初学者求二阶导数时常犯的两个错误。
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

    # 1. 在 ``forward`` 里算出斜率 $3x^2$ 并保存：在第二遍中它是常量，二阶导数变成 0，而且不报错。
    class SavesTheSlope(Cube):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(3 * x**2)
            return x**3

        @staticmethod
        def backward(ctx, grad_output):
            (slope,) = ctx.saved_tensors
            return slope * grad_output

    print("1.", rejection(test_cube_is_twice_differentiable_and_cube_once_says_it_is_not, Cube=SavesTheSlope))

    # 2. 忘了 ``create_graph=True``：梯度只是一个普通张量，惩罚项无从求导。
    def penalty_without_the_graph(w, x):
        x = x.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad((w * torch.tanh(x)).sum(), x)
        return (gradient**2).sum()

    print("2.", rejection(test_gradient_penalty, gradient_penalty=penalty_without_the_graph))


if __name__ == "__main__":
    # 直接运行本文件（``python 03_double_backward_zh.py``）时，它把自己交给 pytest：pytest 打印一行汇总，有测试失败就以非零状态退出。
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
