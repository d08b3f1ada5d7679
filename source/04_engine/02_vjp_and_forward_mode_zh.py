r"""
# 向量–雅可比积与前向模式

第三章的每个反向传播都是一个向量–雅可比积；前向模式计算的是另一种乘积，哪种更省，取决于函数的形状。

函数 $f : \mathbb{R}^n \to \mathbb{R}^m$ 有一个 $m \times n$ 的雅可比矩阵 $J$。反向传播接收上游梯度 $u \in \mathbb{R}^m$，返回
$$ u^\top J = \sum_i u_i \frac{\partial f_i}{\partial x} \in \mathbb{R}^n $$
却从不构造 $J$：到目前为止，每个反向传播中的 ``grad_output`` 就是这个 $u$（见 `test_each_backward_is_u_transpose_j`）。
*前向模式*则反过来，让一个方向 $v \in \mathbb{R}^n$ 随着数值一起向前传，返回雅可比–向量积 $J v \in \mathbb{R}^m$。
要得到整个 $J$，反向模式每个输出需要一遍（$u = e_i$ 给出第 $i$ 行），前向模式每个输入需要一遍（$v = e_j$ 给出第 $j$ 列）（见 `test_reverse_mode_costs_a_pass_per_output_forward_mode_a_pass_per_input`）。
损失只有一个输出，却有成百上千万个输入：一遍反向传播就给出它的整个梯度。这就是训练使用反向模式的原因。
"""
import traceback
import warnings

import torch
import torch.nn.functional as F

# 前向模式第一次使用时，会通过 PyTorch 2.13 已弃用的 ``torch.jit.script`` 加载它的规则：18 条警告说的是 PyTorch 自己的代码，而不是本页的。现在先把规则加载好，并屏蔽这些警告。
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    torch.func.jvp(torch.sin, (torch.zeros(1),), (torch.ones(1),))


# 第三章的反向传播，每个都写成点 $x$ 和上游梯度 $u$ 的函数 $u \mapsto u^\top J$。
def sigmoid_vjp(x, u):
    y = torch.sigmoid(x)
    return u * y * (1 - y)


def softmax_vjp(z, u):
    p = torch.softmax(z, dim=-1)
    return p * (u - (u * p).sum(dim=-1, keepdim=True))


def cross_entropy_vjp(z, y, u):
    onehot = F.one_hot(y, z.shape[-1]).to(z.dtype)
    return u * (torch.softmax(z, dim=-1) - onehot) / len(y)


def layer_norm_vjp(x, u, eps=1e-5):
    r = 1 / torch.sqrt(x.var(dim=-1, unbiased=False, keepdim=True) + eps)
    x_hat = (x - x.mean(dim=-1, keepdim=True)) * r
    return r * (u - u.mean(dim=-1, keepdim=True) - x_hat * (u * x_hat).mean(dim=-1, keepdim=True))


def test_each_backward_is_u_transpose_j():
    r"""
    **检查**：
        对每个函数，在随机的点和随机的 $u$ 上，反向传播都等于 $u^\top J$，其中 $J$ 由 ``torch.autograd.functional.jacobian`` 逐个元素构造。
    """
    torch.manual_seed(0)
    x = torch.randn(2, 4, dtype=torch.float64)
    labels = torch.tensor([3, 0])
    cases = [
        (torch.sigmoid, sigmoid_vjp, torch.randn(2, 4, dtype=torch.float64)),
        (lambda z: torch.softmax(z, dim=-1), softmax_vjp, torch.randn(2, 4, dtype=torch.float64)),
        (lambda z: F.layer_norm(z, (4,)), layer_norm_vjp, torch.randn(2, 4, dtype=torch.float64)),
        (lambda z: F.cross_entropy(z, labels), lambda z, u: cross_entropy_vjp(z, labels, u), torch.tensor(-1.5, dtype=torch.float64)),
    ]
    for f, vjp, u in cases:
        jacobian = torch.autograd.functional.jacobian(f, x).reshape(u.numel(), x.numel())
        torch.testing.assert_close(vjp(x, u).reshape(-1), u.reshape(-1) @ jacobian, rtol=1e-12, atol=1e-14)


# ## PyTorch 中的 ``torch.func.vjp`` 与 ``torch.func.jvp``
# ``torch.func.vjp(f, x)`` 运行一次 $f$，交回一个函数 $u \mapsto u^\top J$，可以对许多个 $u$ 调用，每次的代价是一遍反向传播。``torch.func.jvp(f, (x,), (v,))`` 运行 $f$ 时带着 $v$ 一起走，同时返回 $f(x)$ 和 $J v$。
def test_torch_func_vjp_and_jvp():
    r"""
    **检查**：
        softmax 的 ``torch.func.vjp`` 给出的就是我们的 ``softmax_vjp``；``torch.func.jvp`` 给出 $J v$，并且 $\langle u, J v \rangle = \langle u^\top J, v \rangle$，这个恒等式把两种模式联系在一起。
    """
    torch.manual_seed(1)
    z, u, v = (torch.randn(4, dtype=torch.float64) for _ in range(3))
    softmax = lambda t: torch.softmax(t, dim=-1)
    _, pullback = torch.func.vjp(softmax, z)
    (u_J,) = pullback(u)
    torch.testing.assert_close(u_J, softmax_vjp(z, u), rtol=1e-14, atol=1e-15)
    _, J_v = torch.func.jvp(softmax, (z,), (v,))
    torch.testing.assert_close(J_v, torch.autograd.functional.jacobian(softmax, z) @ v, rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(u @ J_v, u_J @ v, rtol=1e-13, atol=1e-15)


# ## 两种方法求整个雅可比矩阵
# 每个函数都返回雅可比矩阵和所用的遍数：反向模式每行一遍，前向模式每列一遍。
def jacobian_by_reverse_mode(f, x):
    output, pullback = torch.func.vjp(f, x)
    rows = [pullback(basis)[0] for basis in torch.eye(output.numel(), dtype=x.dtype)]
    return torch.stack(rows), len(rows)


def jacobian_by_forward_mode(f, x):
    columns = [torch.func.jvp(f, (x,), (basis,))[1] for basis in torch.eye(x.numel(), dtype=x.dtype)]
    return torch.stack(columns, dim=1), len(columns)


def test_reverse_mode_costs_a_pass_per_output_forward_mode_a_pass_per_input():
    r"""
    **检查**：
        对有 5 个输入、2 个输出的函数，两种方法都给出与 ``jacobian`` 相同的 $2 \times 5$ 矩阵；反向模式用 2 遍，前向模式用 5 遍。对标量损失，反向模式只用一遍。
    """
    x = torch.tensor([0.5, -1.0, 2.0, 0.1, -0.3], dtype=torch.float64)

    def f(t):
        return torch.stack([(t * t).sum(), torch.sin(t).sum() * t[0]])

    expected = torch.autograd.functional.jacobian(f, x)
    reverse, reverse_passes = jacobian_by_reverse_mode(f, x)
    forward, forward_passes = jacobian_by_forward_mode(f, x)
    torch.testing.assert_close(reverse, expected, rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(forward, expected, rtol=1e-14, atol=1e-15)
    assert (reverse_passes, forward_passes) == (2, 5)
    gradient, passes = jacobian_by_reverse_mode(lambda t: f(t)[:1], x)
    assert passes == 1
    torch.testing.assert_close(gradient[0], 2 * x, rtol=1e-14, atol=0)


def test_wrong_versions_are_rejected():
    r"""
    **测试拒绝的错误版本**：
        初学者处理这些乘积时常犯的三个错误。
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

    # 1. 把 softmax 当作逐元素函数，写成 $u \odot p \odot (1 - p)$：它的雅可比矩阵 $p_i(\delta_{ij} - p_j)$ 只留下了对角线。
    def diagonal_softmax_vjp(z, u):
        p = torch.softmax(z, dim=-1)
        return u * p * (1 - p)

    print("1.", rejection(test_each_backward_is_u_transpose_j, softmax_vjp=diagonal_softmax_vjp))

    # 2. 忘了交叉熵的 $1/N$：批大小为 1 时才是对的。
    def summed_cross_entropy_vjp(z, y, u):
        return u * (torch.softmax(z, dim=-1) - F.one_hot(y, z.shape[-1]).to(z.dtype))

    print("2.", rejection(test_each_backward_is_u_transpose_j, cross_entropy_vjp=summed_cross_entropy_vjp))

    # 3. 把前向模式得到的列当作行堆起来：得到的是雅可比矩阵的转置。
    def columns_as_rows(f, x):
        columns = [torch.func.jvp(f, (x,), (basis,))[1] for basis in torch.eye(x.numel(), dtype=x.dtype)]
        return torch.stack(columns), len(columns)

    print("3.", rejection(test_reverse_mode_costs_a_pass_per_output_forward_mode_a_pass_per_input, jacobian_by_forward_mode=columns_as_rows))


if __name__ == "__main__":
    # 直接运行本文件（``python 02_vjp_and_forward_mode_zh.py``）时，它把自己交给 pytest：pytest 打印一行汇总，有测试失败就以非零状态退出。
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
