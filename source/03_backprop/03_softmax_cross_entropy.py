r"""
# Softmax and cross-entropy

Through a softmax, the gradient of cross-entropy is the predicted probabilities minus the one-hot label; computing it takes a log-softmax that does not overflow.

A classifier gives each example a vector of logits $z \in \mathbb{R}^C$, one per class, and is trained on the label $y \in \{0, \dots, C-1\}$ (counted from 0, as PyTorch counts classes) with the cross-entropy loss.
How does the loss change with each logit? The softmax turns logits into probabilities, and the loss is the negative log-probability of the right class:
$$ p_j = \operatorname{softmax}(z)_j = \frac{e^{z_j}}{\sum_k e^{z_k}}, \qquad L = -\log p_y $$
Take the logarithm first, and the quotient becomes a difference:
$$ L = -z_y + \log \sum_k e^{z_k} $$
The first term has slope $-1$ for $z_y$ and 0 elsewhere; the derivative of the log-sum-exp is the softmax itself:
$$ \frac{\partial L}{\partial z_j} = -\delta_{jy} + \frac{e^{z_j}}{\sum_k e^{z_k}} = p_j - \delta_{jy}, \qquad \frac{\partial L}{\partial z} = \operatorname{softmax}(z) - \operatorname{onehot}(y) $$
The gradient is "what the model believes minus what is true": each entry lies between $-1$ and $1$ (the vector as a whole can be longer: a confident wrong answer gives nearly $(-1, 1)$, of length nearly $\sqrt 2$), and its entries sum to 0, because adding the same number to every logit changes nothing (`test_cross_entropy_gradient_is_softmax_minus_onehot`).
"""
import traceback
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch.autograd import Function, gradcheck, gradgradcheck

# The same tolerances as in the elementwise tutorial: they catch a relative error of $10^{-6}$. That holds on this page too: the project's mutation check (``tests/test_mutants.py``) scales each gradient returned here by $1 + 10^{-6}$, and these tests reject every one.
TIGHT = dict(eps=1e-6, atol=1e-9, rtol=1e-7)


# ## A log-softmax that does not overflow
# Computed as written, $e^{z_j}$ overflows for a logit above about 709 in float64 (88 in float32), and the loss becomes ``nan``. It underflows too: a logit 1000 below the others gives $e^{z_j} = 0$, and $\log 0 = -\infty$ (`test_naive_log_softmax_overflows_and_underflows`).
# Subtracting the largest logit $m = \max_k z_k$ from all of them changes nothing, since the factor $e^{-m}$ cancels, and leaves every exponent at most 0, so nothing overflows.
# It cures the underflow as well: the largest term of the sum becomes $e^0 = 1$, so the sum is at least 1 and its logarithm finite, and a very small $p_j$ is kept as its logarithm $z_j - m - \log \sum_k e^{z_k - m}$ instead of being rounded to 0 first:
# $$ \log p_j = z_j - \log \sum_k e^{z_k} = (z_j - m) - \log \sum_k e^{z_k - m} $$
def log_softmax(z):
    shifted = z - z.max(dim=-1, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def naive_log_softmax(z):
    """
    **The formula as written**, kept to show how it fails.
    """
    return torch.log(torch.exp(z) / torch.exp(z).sum(dim=-1, keepdim=True))


class Softmax(Function):
    r"""
    **Softmax alone**:
        Its Jacobian follows from the quotient rule, with $\delta_{ij}$ from the numerator:
        $$ \frac{\partial p_i}{\partial z_j} = \frac{\delta_{ij} e^{z_i} \sum_k e^{z_k} - e^{z_i} e^{z_j}}{\bigl(\sum_k e^{z_k}\bigr)^2} = p_i (\delta_{ij} - p_j) $$
        The backward pass multiplies an upstream gradient $g$ by it without building the $C \times C$ matrix (`test_softmax_gradient`):
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
    **Cross-entropy over a batch**:
        For a batch of $N$ examples, ``F.cross_entropy`` averages. With class weights $w$ it takes the weighted mean, dividing by the sum of the weights of the labels present (`test_matches_f_cross_entropy_mean_and_weights`):
        $$ L = \frac{\sum_i w_{y_i} \ell_i}{\sum_i w_{y_i}}, \qquad \ell_i = -\log p_{i, y_i} $$
        Without weights, every $w_c = 1$ and the denominator is $N$. Each example's gradient is its own $p_i - \operatorname{onehot}(y_i)$, scaled by its share of the mean:
        $$ \frac{\partial L}{\partial z_i} = \frac{w_{y_i}}{\sum_k w_{y_k}} \bigl(p_i - \operatorname{onehot}(y_i)\bigr) $$
        The labels and the weights are constants here: their gradients are ``None`` (`test_labels_and_weights_get_none`); finite differences agree with the rest (`test_gradcheck_cross_entropy`).

        Only inputs are saved, and the backward pass computes $p$ again from $z$. A second derivative (a Hessian, a gradient penalty) differentiates the backward pass itself, and to autograd a tensor computed inside ``forward`` and saved is a constant: saving $\log p$ instead would make every second derivative through it 0, silently.
        Recomputing costs one more log-softmax and makes second derivatives right (`test_second_derivatives_match_pytorch`); the other fix PyTorch documents, ``@once_differentiable``, would make a second ``backward`` raise an error instead (and leave other tools reading zeros, as [double backward](../../engine/double_backward/) shows), and this loss is one whose Hessian is worth having.
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
            # From the inputs again, with differentiable operations: $p - \operatorname{onehot}(y)$ for every row, each row weighted by $w_{y_i} / \sum_k w_{y_k}$.
            onehot = F.one_hot(y, log_p.shape[-1]).to(log_p.dtype)
            grad_z = grad_output * (w / w.sum())[:, None] * (torch.exp(log_p) - onehot)
        return grad_z, None, None


def label_weights(z, y, weight):
    return torch.ones_like(z[:, 0]) if weight is None else weight[y]


def batch():
    """
    **Test data**, written out: six examples of float64 logits for four classes, labels covering every class, and unequal class weights.
    """
    torch.manual_seed(0)
    z = torch.tensor([[2.0, -1.0, 0.5, 3.0], [-2.5, 0.0, 1.5, -0.5], [4.0, 1.0, -3.0, 0.2], [0.3, 0.3, 0.3, -1.2], [-0.7, 2.2, -1.8, 1.1], [1.4, -4.5, 0.9, 0.0]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0, 1, 2, 3, 1, 3])
    weight = torch.tensor([0.5, 2.0, 1.0, 1.5], dtype=torch.float64)
    return z, y, weight


def test_softmax_gradient():
    r"""
    **Checks**:
        The softmax backward pass $p \odot (g - \langle g, p \rangle)$ equals autograd's through ``torch.softmax`` and passes ``gradcheck`` and ``gradgradcheck``. Its saved $p$ is made inside ``forward``, but it is the output, and autograd follows a saved output back through this same function: unlike cross-entropy's $\log p$ below, which is not returned.
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
    **Checks**:
        For one example, autograd's gradient of ``F.cross_entropy`` is $\operatorname{softmax}(z) - \operatorname{onehot}(y)$; by hand, with two equal logits and label 0 it is $(-\tfrac12, \tfrac12)$. Each row sums to 0 and each entry lies in $(-1, 1)$, while a confidently wrong answer, logits $(0, 10)$ with label 0, gives a gradient longer than 1.414.
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
    **Checks**:
        Loss and gradient equal ``F.cross_entropy`` with ``reduction="mean"``, without and with class weights;
        with weights, the denominator is the sum of the label weights, not $N$. The gradients agree under an upstream gradient of 1 and of $-2.5$, as when the loss is scaled inside a larger one: a backward pass that ignored ``grad_output`` would pass the first and fail the second.
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
    **Checks**:
        ``gradcheck`` agrees with the cross-entropy backward pass, without and with class weights.
    """
    z, y, weight = batch()
    assert gradcheck(lambda logits: CrossEntropy.apply(logits, y), (z,), **TIGHT)
    assert gradcheck(lambda logits: CrossEntropy.apply(logits, y, weight), (z,), **TIGHT)


def test_naive_log_softmax_overflows_and_underflows():
    r"""
    **Checks**:
        With a logit of 1000, the naive formula overflows to ``nan`` ($\infty / \infty$), and with a logit 1000 below the others it underflows to ``-inf`` ($\log 0$);
        the shifted form gives PyTorch's finite answer, and agrees with the naive one where that does not overflow.
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
    **Checks**:
        Called directly with a stand-in for PyTorch's context, the backward pass returns ``None`` for the labels and weights, and for the logits too when they need no gradient.
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
    **Checks**:
        Second derivatives through the backward pass pass ``gradgradcheck``, and the Hessian with respect to the logits equals the one autograd finds through ``F.cross_entropy``, without and with class weights; it is far from 0.
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
    **Wrong versions the tests reject**:
        Three mistakes a learner makes with this loss.
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

    # 1. $\log p$ saved from ``forward``: first derivatives stay right, second derivatives silently do not.
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

    # 2. ``grad_output`` ignored: right whenever the loss is used as it is, wrong as soon as it is scaled.
    class IgnoresGradOutput(CrossEntropy):
        @staticmethod
        def backward(ctx, grad_output):
            z, y, weight = ctx.saved_tensors
            w = label_weights(z, y, weight)
            onehot = F.one_hot(y, z.shape[-1]).to(z.dtype)
            return (w / w.sum())[:, None] * (torch.exp(log_softmax(z)) - onehot), None, None

    print("2.", rejection(test_matches_f_cross_entropy_mean_and_weights, CrossEntropy=IgnoresGradOutput))

    # 3. The log-softmax computed as written, without the shift.
    print("3.", rejection(test_naive_log_softmax_overflows_and_underflows, log_softmax=naive_log_softmax))


if __name__ == "__main__":
    # Run directly (``python 03_softmax_cross_entropy.py``), the file hands itself to pytest, which prints a summary line and exits non-zero if a test failed.
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
