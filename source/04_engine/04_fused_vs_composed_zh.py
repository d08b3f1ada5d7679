r"""
# 合并计算与分步计算：损失为什么接收 logits

同一个交叉熵，可以先算 softmax 再取对数，也可以直接从 logits 一步合并算出：在纸上两者相等，在浮点数中却不然。

分步计算时，损失是 $-\log p_y$，其中 $p = \operatorname{softmax}(z)$。一旦某个 logit 远小于最大的那个，它的概率就下溢成恰好为 0，而 $\log 0 = -\infty$。
反向传播更糟：对数的反向传播要除以 $p_y = 0$，softmax 的反向传播再把这个 $\infty$ 乘以 0，结果是 ``nan``。
合并计算时，损失用第三章的 log-sum-exp 写成 $L = \log \sum_k e^{z_k - m} + m - z_y$，其中 $m = \max_k z_k$，从不构造 $p_y$：再小的概率也以它的对数 $z_y - m - \log \sum_k e^{z_k - m}$ 保留下来。
它的梯度 $p - \operatorname{onehot}(y)$ 也保持有限。这就是 PyTorch 的损失接收 logits 的原因：用 ``F.cross_entropy``，而不是对 softmax 取对数再用 ``F.nll_loss``；用 ``F.binary_cross_entropy_with_logits``，而不是对 sigmoid 的结果用 ``F.binary_cross_entropy``。
"""
import traceback

import torch
import torch.nn.functional as F


def composed_cross_entropy(z, y):
    return -torch.log(torch.softmax(z, dim=-1))[torch.arange(len(y)), y].mean()


def fused_cross_entropy(z, y):
    m = z.max(dim=-1, keepdim=True).values
    log_sum_exp = m + torch.log(torch.exp(z - m).sum(dim=-1, keepdim=True))
    return (log_sum_exp[:, 0] - z[torch.arange(len(y)), y]).mean()


def loss_and_gradient(loss, logits, y):
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    value = loss(z, y)
    (gradient,) = torch.autograd.grad(value, z)
    return value.item(), gradient


def test_both_agree_with_pytorch_on_moderate_logits():
    """
    **检查**：
        在几个单位大小的 logits 上，两者给出的损失和梯度都与 ``F.cross_entropy`` 相同。
    """
    logits, y = [[2.0, -1.0, 0.5], [0.1, 3.0, -2.0]], torch.tensor([0, 2])
    expected_loss, expected_gradient = loss_and_gradient(F.cross_entropy, logits, y)
    for loss in composed_cross_entropy, fused_cross_entropy:
        value, gradient = loss_and_gradient(loss, logits, y)
        assert abs(value - expected_loss) < 1e-14
        torch.testing.assert_close(gradient, expected_gradient, rtol=1e-13, atol=1e-15)


def test_at_a_logit_of_1000_composed_is_inf_and_nan_fused_is_exact():
    r"""
    **检查**：
        logits 为 $(1000, 0)$、标签为 1 时：分步计算的损失是 $\infty$，梯度是 ``nan``；合并计算的损失是 1000，梯度是 $(1, -1)$，与 ``F.cross_entropy`` 一致。
    """
    y = torch.tensor([1])
    value, gradient = loss_and_gradient(composed_cross_entropy, [[1000.0, 0.0]], y)
    assert value == float("inf") and gradient.isnan().all()
    value, gradient = loss_and_gradient(fused_cross_entropy, [[1000.0, 0.0]], y)
    assert value == 1000.0 and gradient.tolist() == [[1.0, -1.0]]
    assert loss_and_gradient(F.cross_entropy, [[1000.0, 0.0]], y)[0] == 1000.0


def test_the_gradient_breaks_before_the_loss():
    """
    **检查**：
        在 float64 中差距为 740 时，分步计算的损失仍是有限值（虽然第四位数字已经错了），它的梯度却已经是 ``inf`` 和 ``nan``；合并计算的结果是精确的。
    """
    y = torch.tensor([1])
    value, gradient = loss_and_gradient(composed_cross_entropy, [[740.0, 0.0]], y)
    assert 739.99 < value < 740.0 and not gradient.isfinite().any()
    value, gradient = loss_and_gradient(fused_cross_entropy, [[740.0, 0.0]], y)
    assert value == 740.0 and gradient.tolist() == [[1.0, -1.0]]


def test_a_binary_loss_of_a_sigmoid_is_clamped_its_logit_form_is_not():
    """
    **检查**：
        logit 为 $-1000$、目标为 1 时，对 sigmoid 的结果用 ``F.binary_cross_entropy`` 得到 100：PyTorch 为了避免无穷大，把对数截断在 $-100$，所以损失是有限的，却是错的。``F.binary_cross_entropy_with_logits`` 给出 1000。
    """
    z, target = torch.tensor([-1000.0], dtype=torch.float64), torch.ones(1, dtype=torch.float64)
    assert F.binary_cross_entropy(torch.sigmoid(z), target).item() == 100.0
    assert F.binary_cross_entropy_with_logits(z, target).item() == 1000.0


def test_wrong_versions_are_rejected():
    r"""
    **测试拒绝的错误版本**：
        初学者写合并形式时常犯的两个错误。
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

    # 1. 合并了，却没有平移：$e^{1000}$ 溢出，损失成了 $\infty - 0$。
    def unshifted(z, y):
        return (torch.log(torch.exp(z).sum(dim=-1)) - z[torch.arange(len(y)), y]).mean()

    print("1.", rejection(test_at_a_logit_of_1000_composed_is_inf_and_nan_fused_is_exact, fused_cross_entropy=unshifted))

    # 2. 减去的是最小的 logit 而不是最大的：指数都不小于 0，最大的那个溢出。
    def shifted_by_the_smallest(z, y):
        m = z.min(dim=-1, keepdim=True).values
        log_sum_exp = m + torch.log(torch.exp(z - m).sum(dim=-1, keepdim=True))
        return (log_sum_exp[:, 0] - z[torch.arange(len(y)), y]).mean()

    print("2.", rejection(test_at_a_logit_of_1000_composed_is_inf_and_nan_fused_is_exact, fused_cross_entropy=shifted_by_the_smallest))


if __name__ == "__main__":
    # 直接运行本文件（``python 04_fused_vs_composed_zh.py``）时，它把自己交给 pytest：pytest 打印一行汇总，有测试失败就以非零状态退出。
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
