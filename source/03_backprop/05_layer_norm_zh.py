r"""
# 层归一化的反向传播

一道经典难题，一步一步来：推导层归一化的梯度，并与 PyTorch 核对。

层归一化把输入的每一行 $x \in \mathbb{R}^D$ 缩放成均值 0、方差 $\sigma^2 / (\sigma^2 + \epsilon)$：$\epsilon = 0$ 时方差为 1，除非这一行几乎不变，否则都接近 1（测试中几乎不变的那一行是 0.967，见 `test_forward_matches_f_layer_norm`），再乘上可学习的缩放 $\gamma$，加上平移 $\beta$：
$$ \mu = \frac{1}{D} \sum_k x_k, \qquad \sigma^2 = \frac{1}{D} \sum_k (x_k - \mu)^2, \qquad r = \frac{1}{\sqrt{\sigma^2 + \epsilon}}, \qquad \hat{x}_i = (x_i - \mu)\, r, \qquad y_i = \gamma_i \hat{x}_i + \beta_i $$
它的反向传播是一道经典的难题：通过 $\mu$ 和 $\sigma^2$，每个输出 $y_i$ 都依赖于每个输入 $x_j$。
已知一行的 $g = \partial L / \partial y$，$x$、$\gamma$、$\beta$ 的梯度各是什么？记到达 $\hat{x}$ 的梯度为 $\hat{g}_i = g_i \gamma_i$，记一行的平均为 $\langle v \rangle = \frac{1}{D} \sum_k v_k$。
答案如下；推导在下面的代码旁逐步给出，`test_backward_matches_f_layer_norm` 与 `test_gradcheck_layer_norm` 拿它和 ``F.layer_norm`` 对照：
$$ \frac{\partial L}{\partial x} = r \bigl( \hat{g} - \langle \hat{g} \rangle - \hat{x} \odot \langle \hat{g} \odot \hat{x} \rangle \bigr) $$
"""
import math
import traceback
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch.autograd import Function, gradcheck, gradgradcheck

# 与逐元素函数一篇相同的容差：相对误差 $10^{-6}$ 也逃不过。本页同样如此：项目的变异检查（``tests/test_mutants.py``）把这里返回的每个梯度都放大 $1 + 10^{-6}$ 倍，这些测试全部拒绝。
TIGHT = dict(eps=1e-6, atol=1e-9, rtol=1e-7)


# 归一化本身：前向传播用它，反向传播再用一次。
# 方差除以 $D$ 而不是 $D - 1$：这是这一行自身的方差，PyTorch 也是这样算的。
def normalize(x, eps):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    r = 1 / torch.sqrt(var + eps)
    return (x - mu) * r, r


class LayerNorm(Function):
    r"""
    **沿最后一维做层归一化**，与 ``F.layer_norm(x, (D,), weight, bias, eps)`` 相同（见 `test_forward_matches_f_layer_norm`）；不需要梯度的输入，反向传播返回 ``None``（见 `test_inputs_without_grad_get_none`）。

    它保存的是输入，而不是 $\hat{x}$ 和 $r$，反向传播时再把它们算一遍。二阶导数（Hessian 矩阵、梯度惩罚）要对反向传播本身求导，而在 autograd 看来，``forward`` 里算出再保存的张量是常量：如果保存 $\hat{x}$ 和 $r$，二阶导数就会算错，而且不报任何错误。
    重新计算只多一次归一化，却让二阶导数正确（见 `test_second_derivatives_match_pytorch`）；PyTorch 文档给出的另一种办法 ``@once_differentiable`` 会让第二次 ``backward`` 直接报错（而别的工具会读到零，见[二阶反向传播](../../engine/double_backward/)），而层归一化所在的网络常常需要二阶导数。
    """

    @staticmethod
    def forward(ctx, x, weight, bias, eps=1e-5):
        # 只保存输入，反向传播时再归一化一次；原因见类的文档字符串。
        ctx.save_for_backward(x, weight)
        ctx.eps = eps
        x_hat, _ = normalize(x, eps)
        return x_hat * weight + bias

    @staticmethod
    def backward(ctx, grad_output):
        r"""
        **反向传播**：
            $\gamma$ 和 $\beta$ 逐元素作用，且被所有行共享，所以和广播的偏置一样，它们的梯度是对所有行（批次维及前面的各维）求和：
            $$ \frac{\partial L}{\partial \gamma_i} = \sum_{\text{rows}} g_i \hat{x}_i, \qquad \frac{\partial L}{\partial \beta_i} = \sum_{\text{rows}} g_i $$
        """
        x, weight = ctx.saved_tensors
        x_hat, r = normalize(x, ctx.eps)
        D = x_hat.shape[-1]
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[1]:
            grad_weight = (grad_output * x_hat).reshape(-1, D).sum(0)
        if ctx.needs_input_grad[2]:
            grad_bias = grad_output.reshape(-1, D).sum(0)
        if ctx.needs_input_grad[0]:
            # 第一步，到达 $\hat{x}$ 的梯度：$$ \hat{g}_i = \frac{\partial L}{\partial \hat{x}_i} = g_i \gamma_i $$
            g_hat = grad_output * weight
            # 第二步，$r$ 随 $x_j$ 如何变化。因为 $\sum_k (x_k - \mu) = 0$，$\mu$ 的变化在一阶上不影响 $\sigma^2$，于是 $$ \frac{\partial \sigma^2}{\partial x_j} = \frac{2}{D}(x_j - \mu), \qquad \frac{\partial r}{\partial x_j} = -\frac{1}{2} (\sigma^2 + \epsilon)^{-3/2} \frac{\partial \sigma^2}{\partial x_j} = -\frac{r^3 (x_j - \mu)}{D} = -\frac{r^2 \hat{x}_j}{D} $$
            # 第三步，用乘积法则求 $\hat{x}_i = (x_i - \mu) r$ 的雅可比矩阵，其中 $\partial \mu / \partial x_j = 1/D$（见 `test_jacobian_of_the_normalization`）：$$ \frac{\partial \hat{x}_i}{\partial x_j} = r \Bigl(\delta_{ij} - \frac{1}{D}\Bigr) + (x_i - \mu) \frac{\partial r}{\partial x_j} = r \Bigl(\delta_{ij} - \frac{1}{D} - \frac{\hat{x}_i \hat{x}_j}{D}\Bigr) $$
            # 第四步，链式法则对 $i$ 求和；雅可比矩阵的三项各自变成答案中的一项，所以无需构造 $D \times D$ 的矩阵，而且结果每行之和为 0（见 `test_gradient_ignores_shifts_and_scales`）：$$ \frac{\partial L}{\partial x_j} = \sum_i \hat{g}_i \frac{\partial \hat{x}_i}{\partial x_j} = r \Bigl(\hat{g}_j - \frac{1}{D}\sum_i \hat{g}_i - \hat{x}_j \frac{1}{D} \sum_i \hat{g}_i \hat{x}_i\Bigr) $$
            mean_g_hat = g_hat.mean(dim=-1, keepdim=True)
            mean_g_hat_x_hat = (g_hat * x_hat).mean(dim=-1, keepdim=True)
            grad_x = r * (g_hat - mean_g_hat - x_hat * mean_g_hat_x_hat)
        return grad_x, grad_weight, grad_bias, None


# 三十个数，每六个一组：在 2 附近、分布很散、在 10 附近、在 -5 附近，以及几乎不变的一组。
# 按每行六个读时，每行就是一组；取其他形状的测试按这个顺序取数，所以它们的行会跨组。
ENTRIES = torch.tensor([2.1, 1.9, 2.3, 1.8, 2.0, 2.2, -3.0, 4.5, 0.2, -1.7, 2.8, -0.6, 10.0, 10.5, 9.2, 11.1, 9.8, 10.4,
                        -5.0, -4.0, -6.0, -5.5, -4.5, -3.9, 0.01, -0.02, 0.03, 0.0, -0.01, 0.02], dtype=torch.float64)


def inputs(*shape):
    """
    **测试数据**：均值和离散程度各不相同的 float64 行，以及远离 1 的缩放、远离 0 的平移。
    """
    torch.manual_seed(0)
    D = shape[-1]
    x = ENTRIES[: math.prod(shape)].reshape(shape).requires_grad_(True)
    weight = torch.tensor([1.5, -0.7, 2.2, 0.4, -1.3, 0.9], dtype=torch.float64)[:D].requires_grad_(True)
    bias = torch.tensor([0.3, -1.1, 0.8, 2.0, -0.4, 1.6], dtype=torch.float64)[:D].requires_grad_(True)
    return x, weight, bias


def test_forward_matches_f_layer_norm():
    r"""
    **检查**：
        无论是一批行还是一批序列，前向传播都与 ``F.layer_norm`` 一致；归一化后每行的方差是 $\sigma^2 / (\sigma^2 + \epsilon)$，几乎不变的那一行是 0.967。
    """
    for shape in (4, 6), (2, 3, 5):
        x, weight, bias = inputs(*shape)
        expected = F.layer_norm(x, shape[-1:], weight, bias, eps=1e-5)
        torch.testing.assert_close(LayerNorm.apply(x, weight, bias), expected, rtol=1e-13, atol=1e-14)
    rows = ENTRIES.reshape(5, 6)
    variance = rows.var(dim=-1, unbiased=False, keepdim=True)
    x_hat, _ = normalize(rows, 1e-5)
    torch.testing.assert_close(x_hat.var(dim=-1, unbiased=False, keepdim=True), variance / (variance + 1e-5), rtol=1e-13, atol=0)
    assert round(x_hat[-1].var(unbiased=False).item(), 3) == 0.967


def test_backward_matches_f_layer_norm():
    r"""
    **检查**：
        给定随机的上游梯度，$x$、$\gamma$、$\beta$ 的梯度都与 autograd 经 ``F.layer_norm`` 求出的一致。
    """
    for shape in (4, 6), (2, 3, 5):
        x, weight, bias = inputs(*shape)
        g = torch.randn(shape, dtype=torch.float64)
        ours = torch.autograd.grad(LayerNorm.apply(x, weight, bias), (x, weight, bias), g)
        theirs = torch.autograd.grad(F.layer_norm(x, shape[-1:], weight, bias, eps=1e-5), (x, weight, bias), g)
        for mine, reference in zip(ours, theirs):
            torch.testing.assert_close(mine, reference, rtol=1e-12, atol=1e-13)


def test_gradcheck_layer_norm():
    """
    **检查**：
        用严格的容差，对三个输入同时做 ``gradcheck``，与有限差分比较。
    """
    x, weight, bias = inputs(3, 5)
    assert gradcheck(LayerNorm.apply, (x, weight, bias), **TIGHT)


def test_jacobian_of_the_normalization():
    r"""
    **检查**：
        对一行输入，第三步的雅可比矩阵 $r(\delta_{ij} - 1/D - \hat{x}_i \hat{x}_j / D)$ 与 autograd 构造的逐元素相同。
    """
    x, _, _ = inputs(6)
    D = 6
    ones, zeros = torch.ones(D, dtype=torch.float64), torch.zeros(D, dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(lambda row: F.layer_norm(row, (D,), eps=1e-5), x.detach())
    r = 1 / torch.sqrt(x.detach().var(unbiased=False) + 1e-5)
    x_hat = LayerNorm.apply(x.detach(), ones, zeros)
    expected = r * (torch.eye(D, dtype=torch.float64) - 1 / D - torch.outer(x_hat, x_hat) / D)
    torch.testing.assert_close(jacobian, expected, rtol=1e-12, atol=1e-13)


def test_gradient_ignores_shifts_and_scales():
    r"""
    **检查**：
        给一行加上常数不改变任何输出，所以 $\partial L / \partial x$ 每行之和为 0；当 $\epsilon = 0$ 时，缩放一行也不改变输出，所以每行还与 $\hat{x}$ 正交。
    """
    x, weight, bias = inputs(4, 6)
    g = torch.randn(4, 6, dtype=torch.float64)
    (grad_x,) = torch.autograd.grad(LayerNorm.apply(x, weight, bias, 0.0), x, g)
    x_hat = LayerNorm.apply(x.detach(), torch.ones(6, dtype=torch.float64), torch.zeros(6, dtype=torch.float64), 0.0)
    assert grad_x.sum(dim=-1).abs().max() < 1e-13
    assert (grad_x * x_hat).sum(dim=-1).abs().max() < 1e-13
    assert grad_x.abs().max() > 0.1


def test_inputs_without_grad_get_none():
    """
    **检查**：
        用替身代替 PyTorch 的上下文直接调用反向传播：恰好在 ``needs_input_grad`` 为 False 的位置返回 ``None``，``eps`` 总是得到 ``None``。
    """
    x, weight, bias = (t.detach() for t in inputs(3, 4))
    for flags in (True, False, False, False), (False, True, False, False), (False, False, True, False), (True, True, True, False):
        ctx = SimpleNamespace(needs_input_grad=flags)
        ctx.save_for_backward = lambda *tensors: setattr(ctx, "saved_tensors", tensors)
        LayerNorm.forward(ctx, x, weight, bias)
        grads = LayerNorm.backward(ctx, torch.ones(3, 4, dtype=torch.float64))
        assert [grad is not None for grad in grads] == list(flags)


def test_second_derivatives_match_pytorch():
    r"""
    **检查**：
        经过反向传播的二阶导数通过 ``gradgradcheck``；对随机的 $g$，$\langle g, y \rangle$ 关于 $x$ 的 Hessian 矩阵与 autograd 经由 ``F.layer_norm`` 求出的一致。
    """
    x, weight, bias = inputs(3, 5)
    assert gradgradcheck(LayerNorm.apply, (x, weight, bias), fast_mode=True, **TIGHT)
    g = torch.randn(3, 5, dtype=torch.float64)

    def hessian_of(layer_norm):
        return torch.autograd.functional.hessian(lambda rows: (layer_norm(rows) * g).sum(), x.detach())

    ours = hessian_of(lambda rows: LayerNorm.apply(rows, weight, bias))
    theirs = hessian_of(lambda rows: F.layer_norm(rows, (5,), weight, bias, eps=1e-5))
    torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-10)
    assert theirs.abs().max() > 1


def test_wrong_versions_are_rejected():
    r"""
    **测试拒绝的错误版本**：
        初学者做这个推导时常犯的两个错误。
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

    # 1. 丢了 $\langle \hat{g} \rangle$ 这一项，就好像 $\mu$ 不随 $x$ 变化。
    class DropsTheMeanTerm(LayerNorm):
        @staticmethod
        def backward(ctx, grad_output):
            x, weight = ctx.saved_tensors
            x_hat, r = normalize(x, ctx.eps)
            D = x_hat.shape[-1]
            g_hat = grad_output * weight
            grad_x = r * (g_hat - x_hat * (g_hat * x_hat).mean(dim=-1, keepdim=True))
            return grad_x, (grad_output * x_hat).reshape(-1, D).sum(0), grad_output.reshape(-1, D).sum(0), None

    print("1.", rejection(test_backward_matches_f_layer_norm, LayerNorm=DropsTheMeanTerm))

    # 2. 保存了 ``forward`` 里算出的 $\hat{x}$ 和 $r$：一阶导数正确，二阶导数却悄悄地错了。
    class SavesXHat(LayerNorm):
        @staticmethod
        def forward(ctx, x, weight, bias, eps=1e-5):
            x_hat, r = normalize(x, eps)
            ctx.save_for_backward(x_hat, r, weight)
            return x_hat * weight + bias

        @staticmethod
        def backward(ctx, grad_output):
            x_hat, r, weight = ctx.saved_tensors
            D = x_hat.shape[-1]
            g_hat = grad_output * weight
            grad_x = r * (g_hat - g_hat.mean(dim=-1, keepdim=True) - x_hat * (g_hat * x_hat).mean(dim=-1, keepdim=True))
            return grad_x, (grad_output * x_hat).reshape(-1, D).sum(0), grad_output.reshape(-1, D).sum(0), None

    print("2.", rejection(test_second_derivatives_match_pytorch, LayerNorm=SavesXHat))


if __name__ == "__main__":
    # 直接运行本文件（``python 05_layer_norm_zh.py``）时，它把自己交给 pytest：打印一行汇总，有测试失败就以非零状态退出。
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
