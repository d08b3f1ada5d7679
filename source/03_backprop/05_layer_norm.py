r"""
# Layer normalization's backward pass

The classic hard derivation, step by step: the gradient of layer normalization, checked against PyTorch.

Layer normalization rescales each row $x \in \mathbb{R}^D$ of its input to mean 0 and variance $\sigma^2 / (\sigma^2 + \epsilon)$, which is 1 for $\epsilon = 0$ and close to 1 unless the row is nearly constant (0.967 for the nearly constant row of the tests, `test_forward_matches_f_layer_norm`), then applies a learned scale $\gamma$ and shift $\beta$:
$$ \mu = \frac{1}{D} \sum_k x_k, \qquad \sigma^2 = \frac{1}{D} \sum_k (x_k - \mu)^2, \qquad r = \frac{1}{\sqrt{\sigma^2 + \epsilon}}, \qquad \hat{x}_i = (x_i - \mu)\, r, \qquad y_i = \gamma_i \hat{x}_i + \beta_i $$
Its backward pass is the classic hard derivation: every output $y_i$ depends on every input $x_j$, through $\mu$ and $\sigma^2$.
Given $g = \partial L / \partial y$ for a row, what are the gradients of $x$, $\gamma$ and $\beta$? Write $\hat{g}_i = g_i \gamma_i$ for the gradient that reaches $\hat{x}$, and $\langle v \rangle = \frac{1}{D} \sum_k v_k$ for the mean over a row.
The answer, derived step by step beside the code below and checked against ``F.layer_norm`` by `test_backward_matches_f_layer_norm` and `test_gradcheck_layer_norm`, is
$$ \frac{\partial L}{\partial x} = r \bigl( \hat{g} - \langle \hat{g} \rangle - \hat{x} \odot \langle \hat{g} \odot \hat{x} \rangle \bigr) $$
"""
import math
import traceback
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch.autograd import Function, gradcheck, gradgradcheck

# The same tolerances as in the elementwise tutorial: they catch a relative error of $10^{-6}$. That holds on this page too: the project's mutation check (``tests/test_mutants.py``) scales each gradient returned here by $1 + 10^{-6}$, and these tests reject every one.
TIGHT = dict(eps=1e-6, atol=1e-9, rtol=1e-7)


# The normalization, used by the forward pass and again by the backward pass.
# The variance divides by $D$, not $D - 1$: it is the variance of the row itself, as PyTorch computes it.
def normalize(x, eps):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    r = 1 / torch.sqrt(var + eps)
    return (x - mu) * r, r


class LayerNorm(Function):
    r"""
    **Layer normalization over the last dimension**, as ``F.layer_norm(x, (D,), weight, bias, eps)`` (`test_forward_matches_f_layer_norm`); its backward pass returns ``None`` for an input that needs no gradient (`test_inputs_without_grad_get_none`).

    It saves its inputs, not $\hat{x}$ and $r$, and its backward pass computes those again. A second derivative (a Hessian, a gradient penalty) differentiates the backward pass itself, and to autograd a tensor computed inside ``forward`` and saved is a constant: with $\hat{x}$ and $r$ saved, the second derivatives come out wrong, with no error raised.
    Recomputing costs one more normalization and makes them right (`test_second_derivatives_match_pytorch`); the other fix PyTorch documents, ``@once_differentiable``, would make a second ``backward`` raise an error instead (and leave other tools reading zeros, as [double backward](../../engine/double_backward/) shows), and layer normalization sits inside networks whose second derivatives are wanted.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, eps=1e-5):
        # Only inputs are saved; the backward pass normalizes again. See the class's docstring for why.
        ctx.save_for_backward(x, weight)
        ctx.eps = eps
        x_hat, _ = normalize(x, eps)
        return x_hat * weight + bias

    @staticmethod
    def backward(ctx, grad_output):
        r"""
        **Backward pass**:
            $\gamma$ and $\beta$ act on each entry alone and are shared by all rows, so their gradients are sums over the rows (the batch and any leading dimensions), as for a broadcast bias:
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
            # Step 1, the gradient that reaches $\hat{x}$: $$ \hat{g}_i = \frac{\partial L}{\partial \hat{x}_i} = g_i \gamma_i $$
            g_hat = grad_output * weight
            # Step 2, how $r$ moves with $x_j$. Since $\sum_k (x_k - \mu) = 0$, moving $\mu$ does not change $\sigma^2$ to first order, and $$ \frac{\partial \sigma^2}{\partial x_j} = \frac{2}{D}(x_j - \mu), \qquad \frac{\partial r}{\partial x_j} = -\frac{1}{2} (\sigma^2 + \epsilon)^{-3/2} \frac{\partial \sigma^2}{\partial x_j} = -\frac{r^3 (x_j - \mu)}{D} = -\frac{r^2 \hat{x}_j}{D} $$
            # Step 3, the Jacobian of $\hat{x}_i = (x_i - \mu) r$ by the product rule, with $\partial \mu / \partial x_j = 1/D$ (`test_jacobian_of_the_normalization`): $$ \frac{\partial \hat{x}_i}{\partial x_j} = r \Bigl(\delta_{ij} - \frac{1}{D}\Bigr) + (x_i - \mu) \frac{\partial r}{\partial x_j} = r \Bigl(\delta_{ij} - \frac{1}{D} - \frac{\hat{x}_i \hat{x}_j}{D}\Bigr) $$
            # Step 4, the chain rule sums over $i$; each of the three terms becomes one term of the answer, so the $D \times D$ Jacobian is never built, and each row of the result sums to 0 (`test_gradient_ignores_shifts_and_scales`): $$ \frac{\partial L}{\partial x_j} = \sum_i \hat{g}_i \frac{\partial \hat{x}_i}{\partial x_j} = r \Bigl(\hat{g}_j - \frac{1}{D}\sum_i \hat{g}_i - \hat{x}_j \frac{1}{D} \sum_i \hat{g}_i \hat{x}_i\Bigr) $$
            mean_g_hat = g_hat.mean(dim=-1, keepdim=True)
            mean_g_hat_x_hat = (g_hat * x_hat).mean(dim=-1, keepdim=True)
            grad_x = r * (g_hat - mean_g_hat - x_hat * mean_g_hat_x_hat)
        return grad_x, grad_weight, grad_bias, None


# Thirty entries in five groups of six: around 2 with a small spread, widely spread, around 10, around -5, and nearly constant.
# Read as rows of six, each row is one group; the tests that take other shapes take the entries in this order, so their rows mix groups.
ENTRIES = torch.tensor([2.1, 1.9, 2.3, 1.8, 2.0, 2.2, -3.0, 4.5, 0.2, -1.7, 2.8, -0.6, 10.0, 10.5, 9.2, 11.1, 9.8, 10.4,
                        -5.0, -4.0, -6.0, -5.5, -4.5, -3.9, 0.01, -0.02, 0.03, 0.0, -0.01, 0.02], dtype=torch.float64)


def inputs(*shape):
    """
    **Test data**: float64 rows with different means and spreads, and a scale and a shift far from 1 and 0.
    """
    torch.manual_seed(0)
    D = shape[-1]
    x = ENTRIES[: math.prod(shape)].reshape(shape).requires_grad_(True)
    weight = torch.tensor([1.5, -0.7, 2.2, 0.4, -1.3, 0.9], dtype=torch.float64)[:D].requires_grad_(True)
    bias = torch.tensor([0.3, -1.1, 0.8, 2.0, -0.4, 1.6], dtype=torch.float64)[:D].requires_grad_(True)
    return x, weight, bias


def test_forward_matches_f_layer_norm():
    r"""
    **Checks**:
        The forward pass equals ``F.layer_norm``, on a batch of rows and on a batch of sequences; each normalized row has variance $\sigma^2 / (\sigma^2 + \epsilon)$, 0.967 for the nearly constant one.
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
    **Checks**:
        Under a random upstream gradient, the gradients of $x$, $\gamma$ and $\beta$ equal autograd's through ``F.layer_norm``.
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
    **Checks**:
        ``gradcheck`` against finite differences, for all three inputs at once, with the tight tolerances.
    """
    x, weight, bias = inputs(3, 5)
    assert gradcheck(LayerNorm.apply, (x, weight, bias), **TIGHT)


def test_jacobian_of_the_normalization():
    r"""
    **Checks**:
        Step 3's Jacobian $r(\delta_{ij} - 1/D - \hat{x}_i \hat{x}_j / D)$ is the one autograd builds, entry by entry, for one row.
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
    **Checks**:
        Adding a constant to a row changes no output, so each row of $\partial L / \partial x$ sums to 0; with $\epsilon = 0$ scaling a row changes nothing either, so the row is orthogonal to $\hat{x}$ too.
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
    **Checks**:
        Called directly with a stand-in for PyTorch's context, the backward pass returns ``None`` exactly where ``needs_input_grad`` is False, and always for ``eps``.
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
    **Checks**:
        Second derivatives through the backward pass pass ``gradgradcheck``, and the Hessian of $\langle g, y \rangle$ with respect to $x$, for a random $g$, equals the one autograd finds through ``F.layer_norm``.
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
    **Wrong versions the tests reject**:
        Two mistakes a learner makes in this derivation.
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

    # 1. The term $\langle \hat{g} \rangle$ dropped, as if $\mu$ did not move with $x$.
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

    # 2. $\hat{x}$ and $r$ saved from ``forward``: first derivatives right, second derivatives silently wrong.
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
    # Run directly (``python 05_layer_norm.py``), the file hands itself to pytest, which prints a summary line and exits non-zero if a test failed.
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
