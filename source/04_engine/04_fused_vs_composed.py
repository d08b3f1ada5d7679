r"""
# Fused against composed: why a loss takes logits

The same cross-entropy, computed as softmax then log, or in one fused step from the logits: equal on paper, not in floating point.

Composed, the loss is $-\log p_y$ with $p = \operatorname{softmax}(z)$. Once a logit is far below the largest, its probability underflows to exactly 0, and $\log 0 = -\infty$.
The backward pass is worse: the log's backward divides by $p_y = 0$, and the softmax's multiplies that $\infty$ by a 0, which is ``nan``.
Fused, the loss is written with the log-sum-exp of chapter 3, $L = \log \sum_k e^{z_k - m} + m - z_y$ with $m = \max_k z_k$, and never forms $p_y$: the small probability is kept as its logarithm, $z_y - m - \log \sum_k e^{z_k - m}$, whatever its size.
Its gradient, $p - \operatorname{onehot}(y)$, stays finite too. That is why PyTorch's losses take logits: ``F.cross_entropy`` rather than ``F.nll_loss`` of a log of a softmax, ``F.binary_cross_entropy_with_logits`` rather than ``F.binary_cross_entropy`` of a sigmoid.
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
    **Checks**:
        On logits of a few units, both give ``F.cross_entropy``'s loss and gradient.
    """
    logits, y = [[2.0, -1.0, 0.5], [0.1, 3.0, -2.0]], torch.tensor([0, 2])
    expected_loss, expected_gradient = loss_and_gradient(F.cross_entropy, logits, y)
    for loss in composed_cross_entropy, fused_cross_entropy:
        value, gradient = loss_and_gradient(loss, logits, y)
        assert abs(value - expected_loss) < 1e-14
        torch.testing.assert_close(gradient, expected_gradient, rtol=1e-13, atol=1e-15)


def test_at_a_logit_of_1000_composed_is_inf_and_nan_fused_is_exact():
    r"""
    **Checks**:
        Logits $(1000, 0)$ with label 1: composed, the loss is $\infty$ and the gradient ``nan``; fused, the loss is 1000 and the gradient $(1, -1)$, as ``F.cross_entropy`` gives.
    """
    y = torch.tensor([1])
    value, gradient = loss_and_gradient(composed_cross_entropy, [[1000.0, 0.0]], y)
    assert value == float("inf") and gradient.isnan().all()
    value, gradient = loss_and_gradient(fused_cross_entropy, [[1000.0, 0.0]], y)
    assert value == 1000.0 and gradient.tolist() == [[1.0, -1.0]]
    assert loss_and_gradient(F.cross_entropy, [[1000.0, 0.0]], y)[0] == 1000.0


def test_the_gradient_breaks_before_the_loss():
    """
    **Checks**:
        At a gap of 740 in float64, the composed loss is still finite, though off in its fourth digit, while its gradient is already ``inf`` and ``nan``; the fused one is exact.
    """
    y = torch.tensor([1])
    value, gradient = loss_and_gradient(composed_cross_entropy, [[740.0, 0.0]], y)
    assert 739.99 < value < 740.0 and not gradient.isfinite().any()
    value, gradient = loss_and_gradient(fused_cross_entropy, [[740.0, 0.0]], y)
    assert value == 740.0 and gradient.tolist() == [[1.0, -1.0]]


def test_a_binary_loss_of_a_sigmoid_is_clamped_its_logit_form_is_not():
    """
    **Checks**:
        For a logit of $-1000$ and target 1, ``F.binary_cross_entropy`` of the sigmoid gives 100: PyTorch clamps its log at $-100$ to avoid the infinity, so the loss is finite and wrong. ``F.binary_cross_entropy_with_logits`` gives 1000.
    """
    z, target = torch.tensor([-1000.0], dtype=torch.float64), torch.ones(1, dtype=torch.float64)
    assert F.binary_cross_entropy(torch.sigmoid(z), target).item() == 100.0
    assert F.binary_cross_entropy_with_logits(z, target).item() == 1000.0


def test_wrong_versions_are_rejected():
    r"""
    **Wrong versions the tests reject**:
        Two mistakes a learner makes in the fused form.
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

    # 1. Fused, but without the shift: $e^{1000}$ overflows, and the loss is $\infty - 0$.
    def unshifted(z, y):
        return (torch.log(torch.exp(z).sum(dim=-1)) - z[torch.arange(len(y)), y]).mean()

    print("1.", rejection(test_at_a_logit_of_1000_composed_is_inf_and_nan_fused_is_exact, fused_cross_entropy=unshifted))

    # 2. Shifted by the smallest logit instead of the largest: the exponents are now all at least 0, and the largest overflows.
    def shifted_by_the_smallest(z, y):
        m = z.min(dim=-1, keepdim=True).values
        log_sum_exp = m + torch.log(torch.exp(z - m).sum(dim=-1, keepdim=True))
        return (log_sum_exp[:, 0] - z[torch.arange(len(y)), y]).mean()

    print("2.", rejection(test_at_a_logit_of_1000_composed_is_inf_and_nan_fused_is_exact, fused_cross_entropy=shifted_by_the_smallest))


if __name__ == "__main__":
    # Run directly (``python 04_fused_vs_composed.py``), the file hands itself to pytest, which prints a summary line and exits non-zero if a test failed.
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
