r"""
# Softmax 与交叉熵

经过 softmax 的交叉熵，梯度就是预测概率减去 one-hot 标签；要算对它，log-softmax 必须不会溢出。

分类器为每个样本给出一个 logits 向量 $z \in \mathbb{R}^C$，每个类别一个分量，训练时用标签 $y \in \{0, \dots, C-1\}$（从 0 数起，与 PyTorch 给类别编号的方式一致） 和交叉熵损失。
损失随每个 logit 怎样变化？softmax 把 logits 变成概率，损失是正确类别概率的负对数：
$$ p_j = \operatorname{softmax}(z)_j = \frac{e^{z_j}}{\sum_k e^{z_k}}, \qquad L = -\log p_y $$
先取对数，商就变成了差：
$$ L = -z_y + \log \sum_k e^{z_k} $$
第一项只对 $z_y$ 有斜率 $-1$，对其余分量为 0；而 log-sum-exp 的导数恰好就是 softmax：
$$ \frac{\partial L}{\partial z_j} = -\delta_{jy} + \frac{e^{z_j}}{\sum_k e^{z_k}} = p_j - \delta_{jy}, \qquad \frac{\partial L}{\partial z} = \operatorname{softmax}(z) - \operatorname{onehot}(y) $$
梯度就是“模型的判断减去真实答案”：每个分量都在 $-1$ 与 $1$ 之间（整个向量的长度可以更大：模型很有把握却答错时，梯度接近 $(-1, 1)$，长度接近 $\sqrt 2$），所有分量之和为 0，因为给所有 logit 加上同一个数，损失不变（见 `test_cross_entropy_gradient_is_softmax_minus_onehot`）。
"""
import traceback
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch.autograd import Function, gradcheck, gradgradcheck

# 与逐元素函数一篇相同的容差：相对误差 $10^{-6}$ 也逃不过。本页同样如此：项目的变异检查（``tests/test_mutants.py``）把这里返回的每个梯度都放大 $1 + 10^{-6}$ 倍，这些测试全部拒绝。
TIGHT = dict(eps=1e-6, atol=1e-9, rtol=1e-7)


# ## 不会溢出的 log-softmax
# 照公式直接计算时，在 float64 中 logit 超过约 709 就会让 $e^{z_j}$ 上溢（float32 中约为 88），损失变成 ``nan``。它也会下溢：某个 logit 比其余的小 1000 时，$e^{z_j} = 0$，而 $\log 0 = -\infty$（见 `test_naive_log_softmax_overflows_and_underflows`）。
# 所有 logit 都减去最大值 $m = \max_k z_k$：因子 $e^{-m}$ 在分子分母中约掉，结果不变，而每个指数都不大于 0，所以不会上溢。
# 下溢也一并解决了：和式中最大的一项变成 $e^0 = 1$，所以和至少为 1，它的对数是有限值；很小的 $p_j$ 以对数 $z_j - m - \log \sum_k e^{z_k - m}$ 的形式保留，不会先被舍入成 0：
# $$ \log p_j = z_j - \log \sum_k e^{z_k} = (z_j - m) - \log \sum_k e^{z_k - m} $$
def log_softmax(z):
    shifted = z - z.max(dim=-1, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def naive_log_softmax(z):
    """
    **照抄公式的写法**，留在这里演示它如何失败。
    """
    return torch.log(torch.exp(z) / torch.exp(z).sum(dim=-1, keepdim=True))


class Softmax(Function):
    r"""
    **单独的 softmax**：
        由商的求导法则得到它的雅可比矩阵，其中 $\delta_{ij}$ 来自分子：
        $$ \frac{\partial p_i}{\partial z_j} = \frac{\delta_{ij} e^{z_i} \sum_k e^{z_k} - e^{z_i} e^{z_j}}{\bigl(\sum_k e^{z_k}\bigr)^2} = p_i (\delta_{ij} - p_j) $$
        反向传播用它乘上游梯度 $g$，但不必真的构造 $C \times C$ 的矩阵（见 `test_softmax_gradient`）：
        $$ \frac{\partial L}{\partial z_j} = \sum_i g_i \, p_i (\delta_{ij} - p_j) = p_j \Bigl(g_j - \sum_i g_i p_i\Bigr) $$
    """

    @staticmethod
    def forward(ctx, z):
        p = torch.exp(log_softmax(z))
        ctx.save_for_backward(p)
        return p

    @staticmethod
    def backward(ctx, grad_output):
        (p,) = ctx.saved_tensors
        return p * (grad_output - (grad_output * p).sum(dim=-1, keepdim=True))


class CrossEntropy(Function):
    r"""
    **一批样本的交叉熵**：
        对 $N$ 个样本，``F.cross_entropy`` 默认取平均。给定类别权重 $w$ 时取加权平均，分母是这批标签对应权重之和（见 `test_matches_f_cross_entropy_mean_and_weights`）：
        $$ L = \frac{\sum_i w_{y_i} \ell_i}{\sum_i w_{y_i}}, \qquad \ell_i = -\log p_{i, y_i} $$
        不加权时每个 $w_c = 1$，分母就是 $N$。每个样本的梯度是它自己的 $p_i - \operatorname{onehot}(y_i)$，再乘以它在平均中所占的比重：
        $$ \frac{\partial L}{\partial z_i} = \frac{w_{y_i}}{\sum_k w_{y_k}} \bigl(p_i - \operatorname{onehot}(y_i)\bigr) $$
        这里标签和权重都是常量，它们的梯度为 ``None``（见 `test_labels_and_weights_get_none`）；其余部分与有限差分一致（见 `test_gradcheck_cross_entropy`）。

        这里只保存输入，反向传播时再从 $z$ 重新算出 $p$。二阶导数（Hessian 矩阵、梯度惩罚）要对反向传播本身求导，而在 autograd 看来，``forward`` 里算出再保存的张量是常量：如果改存 $\log p$，经过它的二阶导数就全是 0，而且不报任何错误。
        重新计算只多一次 log-softmax，却让二阶导数正确（见 `test_second_derivatives_match_pytorch`）；PyTorch 文档给出的另一种办法 ``@once_differentiable`` 会让第二次 ``backward`` 直接报错（而别的工具会读到零，见[二阶反向传播](../../engine/double_backward/)），而这个损失的 Hessian 矩阵是值得求的。
    """

    @staticmethod
    def forward(ctx, z, y, weight=None):
        ctx.save_for_backward(z, y, weight)
        w = label_weights(z, y, weight)
        return -(w * log_softmax(z)[torch.arange(len(y)), y]).sum() / w.sum()

    @staticmethod
    def backward(ctx, grad_output):
        z, y, weight = ctx.saved_tensors
        grad_z = None
        if ctx.needs_input_grad[0]:
            w, log_p = label_weights(z, y, weight), log_softmax(z)
            # 用可导的运算从输入重新计算：每一行都是 $p - \operatorname{onehot}(y)$，再乘以该行的权重 $w_{y_i} / \sum_k w_{y_k}$。
            onehot = F.one_hot(y, log_p.shape[-1]).to(log_p.dtype)
            grad_z = grad_output * (w / w.sum())[:, None] * (torch.exp(log_p) - onehot)
        return grad_z, None, None


def label_weights(z, y, weight):
    return torch.ones_like(z[:, 0]) if weight is None else weight[y]


def batch():
    """
    **测试数据**（直接写出）：六个样本、四个类别的 float64 logits，覆盖所有类别的标签，以及互不相同的类别权重。
    """
    torch.manual_seed(0)
    z = torch.tensor([[2.0, -1.0, 0.5, 3.0], [-2.5, 0.0, 1.5, -0.5], [4.0, 1.0, -3.0, 0.2], [0.3, 0.3, 0.3, -1.2], [-0.7, 2.2, -1.8, 1.1], [1.4, -4.5, 0.9, 0.0]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0, 1, 2, 3, 1, 3])
    weight = torch.tensor([0.5, 2.0, 1.0, 1.5], dtype=torch.float64)
    return z, y, weight


def test_softmax_gradient():
    r"""
    **检查**：
        softmax 的反向传播 $p \odot (g - \langle g, p \rangle)$ 与 autograd 经 ``torch.softmax`` 求出的一致，并通过 ``gradcheck`` 和 ``gradgradcheck``。它保存的 $p$ 是在 ``forward`` 里算出的，但它就是输出，autograd 会经由这个函数本身把保存的输出追溯回去；下面交叉熵的 $\log p$ 则不同，它没有被返回。
    """
    z, _, _ = batch()
    g = torch.randn(z.shape, dtype=torch.float64)
    torch.testing.assert_close(Softmax.apply(z), torch.softmax(z, dim=-1), rtol=1e-14, atol=1e-15)
    (ours,) = torch.autograd.grad(Softmax.apply(z), z, g)
    (theirs,) = torch.autograd.grad(torch.softmax(z, dim=-1), z, g)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-14)
    assert gradcheck(Softmax.apply, (z,), **TIGHT)
    assert gradgradcheck(Softmax.apply, (z,), **TIGHT)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    r"""
    **检查**：
        对单个样本，autograd 求出的 ``F.cross_entropy`` 梯度正是 $\operatorname{softmax}(z) - \operatorname{onehot}(y)$；手算两个相等的 logit、标签为 0 的情形，结果是 $(-\tfrac12, \tfrac12)$。每行之和为 0，每个分量都在 $(-1, 1)$ 之内；而很有把握却答错时（logits 为 $(0, 10)$，标签为 0），梯度的长度超过 1.414。
    """
    z, y, _ = batch()
    for i in range(len(y)):
        (grad,) = torch.autograd.grad(F.cross_entropy(z[i : i + 1], y[i : i + 1]), z)
        expected = torch.softmax(z[i], dim=-1) - F.one_hot(y[i], 4).to(z.dtype)
        torch.testing.assert_close(grad[i], expected, rtol=1e-13, atol=1e-15)
        assert abs(grad[i].sum().item()) < 1e-15
        assert grad[i].abs().max() < 1
    confidently_wrong = torch.tensor([[0.0, 10.0]], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(CrossEntropy.apply(confidently_wrong, torch.tensor([0])), confidently_wrong)
    assert grad.abs().max() < 1 and torch.linalg.vector_norm(grad) > 1.414
    equal = torch.zeros(1, 2, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(CrossEntropy.apply(equal, torch.tensor([0])), equal)
    assert grad.tolist() == [[-0.5, 0.5]]


def test_matches_f_cross_entropy_mean_and_weights():
    """
    **检查**：
        无论是否加类别权重，损失和梯度都与 ``reduction="mean"`` 的 ``F.cross_entropy`` 一致；
        加权时分母是标签权重之和，而不是 $N$。上游梯度取 1 和 $-2.5$ 时梯度都一致，后者就像损失在更大的式子里被缩放：忽略 ``grad_output`` 的反向传播能通过前者，却通不过后者。
    """
    z, y, weight = batch()
    upstream = torch.tensor(-2.5, dtype=torch.float64)
    for w in None, weight:
        ours, theirs = CrossEntropy.apply(z, y, w), F.cross_entropy(z, y, weight=w, reduction="mean")
        torch.testing.assert_close(ours, theirs, rtol=1e-14, atol=1e-15)
        for g in torch.tensor(1.0, dtype=torch.float64), upstream:
            (grad_ours,), (grad_theirs,) = torch.autograd.grad(ours, z, g, retain_graph=True), torch.autograd.grad(theirs, z, g, retain_graph=True)
            torch.testing.assert_close(grad_ours, grad_theirs, rtol=1e-13, atol=1e-15)
    per_example = F.cross_entropy(z, y, reduction="none")
    weighted = (weight[y] * per_example).sum() / weight[y].sum()
    torch.testing.assert_close(F.cross_entropy(z, y, weight=weight), weighted, rtol=1e-14, atol=0)
    assert not torch.isclose(weighted, (weight[y] * per_example).mean())


def test_gradcheck_cross_entropy():
    """
    **检查**：
        无论是否加类别权重，交叉熵的反向传播都通过 ``gradcheck``。
    """
    z, y, weight = batch()
    assert gradcheck(lambda logits: CrossEntropy.apply(logits, y), (z,), **TIGHT)
    assert gradcheck(lambda logits: CrossEntropy.apply(logits, y, weight), (z,), **TIGHT)


def test_naive_log_softmax_overflows_and_underflows():
    r"""
    **检查**：
        logit 为 1000 时，照抄公式上溢，得到 ``nan``（$\infty / \infty$）；某个 logit 比其余的小 1000 时，它下溢，得到 ``-inf``（$\log 0$）；
        平移后的写法给出与 PyTorch 相同的有限值，在不溢出的地方也与照抄的写法一致。
    """
    z = torch.tensor([[1000.0, 0.0], [0.0, -1000.0]], dtype=torch.float64)
    naive = naive_log_softmax(z)
    assert torch.isnan(naive[0, 0]) and torch.isneginf(naive[1, 1])
    torch.testing.assert_close(log_softmax(z), F.log_softmax(z, dim=-1), rtol=1e-15, atol=0)
    assert log_softmax(z).tolist() == [[0.0, -1000.0], [0.0, -1000.0]]
    moderate, _, _ = batch()
    torch.testing.assert_close(log_softmax(moderate), naive_log_softmax(moderate), rtol=1e-13, atol=1e-14)


def test_labels_and_weights_get_none():
    """
    **检查**：
        用替身代替 PyTorch 的上下文直接调用反向传播：标签和权重总是得到 ``None``，logits 不需要梯度时也得到 ``None``。
    """
    z, y, weight = batch()
    for flags in (True, False, False), (False, False, False):
        ctx = SimpleNamespace(needs_input_grad=flags)
        ctx.save_for_backward = lambda *tensors: setattr(ctx, "saved_tensors", tensors)
        CrossEntropy.forward(ctx, z.detach(), y, weight)
        grads = CrossEntropy.backward(ctx, torch.tensor(1.0, dtype=torch.float64))
        assert [grad is not None for grad in grads] == list(flags)


def test_second_derivatives_match_pytorch():
    r"""
    **检查**：
        经过反向传播的二阶导数通过 ``gradgradcheck``；对 logits 的 Hessian 矩阵与 autograd 经由 ``F.cross_entropy`` 求出的一致，不加权与加权都是如此；它离 0 很远。
    """
    z, y, weight = batch()
    for w in None, weight:
        assert gradgradcheck(lambda logits: CrossEntropy.apply(logits, y, w), (z,), fast_mode=True, **TIGHT)
        ours = torch.autograd.functional.hessian(lambda logits: CrossEntropy.apply(logits, y, w), z.detach())
        theirs = torch.autograd.functional.hessian(lambda logits: F.cross_entropy(logits, y, weight=w), z.detach())
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-14)
        assert theirs.abs().max() > 0.01


def test_wrong_versions_are_rejected():
    r"""
    **测试拒绝的错误版本**：
        初学者实现这个损失时常犯的三个错误。
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

    # 1. 保存了 ``forward`` 里算出的 $\log p$：一阶导数仍然正确，二阶导数却悄悄地错了。
    class SavesLogP(CrossEntropy):
        @staticmethod
        def forward(ctx, z, y, weight=None):
            log_p, w = log_softmax(z), label_weights(z, y, weight)
            ctx.save_for_backward(log_p, y, w)
            return -(w * log_p[torch.arange(len(y)), y]).sum() / w.sum()

        @staticmethod
        def backward(ctx, grad_output):
            log_p, y, w = ctx.saved_tensors
            onehot = F.one_hot(y, log_p.shape[-1]).to(log_p.dtype)
            return grad_output * (w / w.sum())[:, None] * (torch.exp(log_p) - onehot), None, None

    print("1.", rejection(test_second_derivatives_match_pytorch, CrossEntropy=SavesLogP))

    # 2. 忽略 ``grad_output``：损失原样使用时是对的，一旦被缩放就错了。
    class IgnoresGradOutput(CrossEntropy):
        @staticmethod
        def backward(ctx, grad_output):
            z, y, weight = ctx.saved_tensors
            w = label_weights(z, y, weight)
            onehot = F.one_hot(y, z.shape[-1]).to(z.dtype)
            return (w / w.sum())[:, None] * (torch.exp(log_softmax(z)) - onehot), None, None

    print("2.", rejection(test_matches_f_cross_entropy_mean_and_weights, CrossEntropy=IgnoresGradOutput))

    # 3. 照公式计算 log-softmax，不做平移。
    print("3.", rejection(test_naive_log_softmax_overflows_and_underflows, log_softmax=naive_log_softmax))


if __name__ == "__main__":
    # 直接运行本文件（``python 03_softmax_cross_entropy_zh.py``）时，它把自己交给 pytest：打印一行汇总，有测试失败就以非零状态退出。
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
