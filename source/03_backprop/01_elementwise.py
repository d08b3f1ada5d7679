r"""
# Elementwise functions: ReLU, sigmoid, tanh and GELU

How does a gradient pass through an activation function, and what happens where its derivative does not exist?

An activation function $f$ acts on every entry of a tensor on its own: $y_i = f(x_i)$.
What gradient must its backward pass return, given the gradient $g_i = \partial L / \partial y_i$ that arrives from the layers above?
Because $y_i$ depends on $x_i$ alone, the Jacobian $\partial y_i / \partial x_j$ is zero off the diagonal, and the chain rule keeps one term:
$$ \frac{\partial L}{\partial x_i} = \sum_j \frac{\partial L}{\partial y_j} \frac{\partial y_j}{\partial x_i} = g_i \, f'(x_i) $$
So each backward pass below is one elementwise product, $g \odot f'(x)$, and all the work is in deriving $f'$.
Each function becomes a ``torch.autograd.Function``; the checks at the end compare it with PyTorch's own function (`test_forward_matches_torch`, `test_backward_matches_autograd`) and with finite differences (`test_gradcheck_against_finite_differences`), in float64.
"""
import math
import traceback

import torch
import torch.nn.functional as F
from torch.autograd import Function, gradcheck, gradgradcheck

# Finite differences with a step of $10^{-6}$ and tolerances below one part in a million: a backward pass off by a relative $10^{-6}$ fails (`test_gradcheck_catches_a_one_in_a_million_error`).
TIGHT = dict(eps=1e-6, atol=1e-9, rtol=1e-7)


class ReLU(Function):
    r"""
    **ReLU**:
        $$ \operatorname{relu}(x) = \max(x, 0), \qquad \operatorname{relu}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x < 0 \end{cases} $$
        At $x = 0$ the two one-sided slopes differ (0 on the left, 1 on the right): the derivative does not exist there.
        Any value between 0 and 1 is a subgradient; PyTorch returns 0, so a unit that outputs exactly 0 passes no gradient back (`test_relu_at_zero_passes_no_gradient`).
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        # Keep the gradient where the input was positive; the strict inequality is PyTorch's choice at zero: $$ g \odot \mathbb{1}[x > 0] $$
        return grad_output * (x > 0).to(grad_output.dtype)


class Sigmoid(Function):
    r"""
    **Sigmoid**:
        $$ \sigma(x) = \frac{1}{1 + e^{-x}} $$
        By the quotient rule, and then writing $e^{-x} = (1 - \sigma)/\sigma$:
        $$ \sigma'(x) = \frac{e^{-x}}{(1 + e^{-x})^2} = \sigma(x) \cdot \frac{e^{-x}}{1 + e^{-x}} = \sigma(x)\bigl(1 - \sigma(x)\bigr) $$
        The derivative needs only the output, so the forward pass saves $\sigma(x)$ rather than $x$ (`test_sigmoid_and_tanh_derivatives_from_their_outputs` checks what is saved). The naive $1/(1 + e^{-x})$ is right even at $x = -1000$, where it gives 0; its derivative in the middle form is what gives ``nan`` there.
    """

    @staticmethod
    def forward(ctx, x):
        # Saving the output rather than $x$ is what the closed form $\sigma(1 - \sigma)$ is for. The derivative written with $e^{-x}$ would fail at $x = -1000$: $e^{1000}$ overflows, and $\infty / \infty$ is ``nan``, while the output itself is a harmless 0.
        y = torch.sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        # Multiply by the slope, computed from the saved output: $$ g \odot \sigma (1 - \sigma) $$
        return grad_output * y * (1 - y)


class Tanh(Function):
    r"""
    **Tanh**:
        $$ \tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}} $$
        The quotient rule gives a numerator $(e^x + e^{-x})^2 - (e^x - e^{-x})^2$ over $(e^x + e^{-x})^2$, that is:
        $$ \tanh'(x) = 1 - \tanh^2 x $$
        Like the sigmoid, it needs only the output.
    """

    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        # Multiply by the slope, computed from the saved output: $$ g \odot (1 - y^2) $$
        return grad_output * (1 - y * y)


# GELU weighs its input by the probability that a standard normal variable falls below it, $x\,\Phi(x)$; its tanh form approximates $\Phi$:
# $$ \operatorname{gelu}(x) = \tfrac{1}{2} x \bigl(1 + \tanh u\bigr), \qquad u = \sqrt{2/\pi}\,\bigl(x + 0.044715\,x^3\bigr) $$
SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
CUBIC = 0.044715


class GELU(Function):
    r"""
    **GELU, tanh form**:
        The product rule splits the derivative in two terms; the second uses $\tanh' = 1 - \tanh^2$ and the chain rule through $u$:
        $$ \operatorname{gelu}'(x) = \tfrac{1}{2}\bigl(1 + \tanh u\bigr) + \tfrac{1}{2} x \bigl(1 - \tanh^2 u\bigr) \frac{du}{dx} $$
        $$ \frac{du}{dx} = \sqrt{2/\pi}\,\bigl(1 + 3 \cdot 0.044715\,x^2\bigr) $$
        GELU is smooth everywhere, so unlike ReLU there is no point where a choice is needed (`test_gelu_derivative_at_known_points`).
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * x * (1 + torch.tanh(SQRT_2_OVER_PI * (x + CUBIC * x**3)))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        t = torch.tanh(SQRT_2_OVER_PI * (x + CUBIC * x**3))
        # $du/dx$, then the two terms of the product rule.
        du_dx = SQRT_2_OVER_PI * (1 + 3 * CUBIC * x**2)
        return grad_output * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du_dx)


def normal_cdf(x):
    return 0.5 * (1 + torch.erf(x * math.sqrt(0.5)))


def normal_pdf(x):
    return torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


class ExactGELU(Function):
    r"""
    **GELU, exact form**:
        ``F.gelu`` without ``approximate="tanh"``, and so ``nn.GELU()``, computes $x\,\Phi(x)$ itself, with $\Phi$ written through the error function. The product rule, with $\Phi' = \varphi$ the normal density, gives
        $$ \operatorname{gelu}'(x) = \Phi(x) + x\,\varphi(x), \qquad \Phi(x) = \tfrac{1}{2}\bigl(1 + \operatorname{erf}(x / \sqrt{2})\bigr), \qquad \varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}} $$
        The tanh form is not this function: the values differ by up to $4.7 \times 10^{-4}$ and the slopes by up to $8.7 \times 10^{-4}$, far more than any tolerance here (`test_the_tanh_form_only_approximates_the_exact_gelu`).
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * normal_cdf(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (normal_cdf(x) + x * normal_pdf(x))


# Each hand-written function beside the PyTorch function it must equal.
PAIRS = [
    (ReLU.apply, torch.relu),
    (Sigmoid.apply, torch.sigmoid),
    (Tanh.apply, torch.tanh),
    (GELU.apply, lambda x: F.gelu(x, approximate="tanh")),
    (ExactGELU.apply, F.gelu),
]


def inputs_away_from_zero():
    """
    **Test data**:
        Float64 entries on both sides of zero, none closer to it than 0.1, for ReLU has its kink there:
        a finite difference across the kink would measure a slope of neither side.
    """
    torch.manual_seed(0)
    rows = [[-4.2, -2.9, -1.7, -0.8, -0.45, -0.1], [0.1, 0.35, 0.6, 1.2, 2.4, 3.1]]
    x = torch.tensor(rows, dtype=torch.float64)
    return x.requires_grad_(True)


def test_forward_matches_torch():
    """
    **Checks**:
        Each function computes the same values as PyTorch's, to the last bits of float64.
    """
    x = inputs_away_from_zero()
    for ours, theirs in PAIRS:
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-15, atol=1e-15)


def test_backward_matches_autograd():
    """
    **Checks**:
        For a random upstream gradient $g$, each backward pass returns what autograd computes through PyTorch's function.
    """
    x = inputs_away_from_zero()
    g = torch.randn(x.shape, dtype=torch.float64)
    for ours, theirs in PAIRS:
        (grad_ours,) = torch.autograd.grad(ours(x), x, g)
        (grad_theirs,) = torch.autograd.grad(theirs(x), x, g)
        torch.testing.assert_close(grad_ours, grad_theirs, rtol=1e-13, atol=1e-14)


def test_gradcheck_against_finite_differences():
    """
    **Checks**:
        ``gradcheck`` compares each backward pass with central finite differences, and ``gradgradcheck`` does the same for the backward of the backward:
        our backward passes are made of differentiable operations, so they can be differentiated in turn, ReLU's too (away from its kink, where its second derivative is 0).
    """
    x = inputs_away_from_zero()
    for ours, _ in PAIRS:
        assert gradcheck(ours, (x,), **TIGHT)
        assert gradgradcheck(ours, (x,), eps=1e-6, atol=1e-8, rtol=1e-6)


def test_sigmoid_and_tanh_derivatives_from_their_outputs():
    r"""
    **Checks**:
        The closed forms $\sigma' = \sigma(1 - \sigma)$ and $\tanh' = 1 - \tanh^2$ are the derivatives autograd finds, entry by entry,
        and tanh is a rescaled sigmoid, $\tanh x = 2\sigma(2x) - 1$ (to within $10^{-15}$ here), so its slope at 0 is four times the sigmoid's: 1 against 1/4.
        Both save their output, not their input; at $x = -1000$ the sigmoid's derivative written with $e^{-x}$ is ``nan``, while ours, from the saved output, is 0.
    """
    x = inputs_away_from_zero()
    (d_sigmoid,) = torch.autograd.grad(torch.sigmoid(x).sum(), x)
    (d_tanh,) = torch.autograd.grad(torch.tanh(x).sum(), x)
    s, t = torch.sigmoid(x), torch.tanh(x)
    torch.testing.assert_close(d_sigmoid, s * (1 - s), rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(d_tanh, 1 - t * t, rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(t, 2 * torch.sigmoid(2 * x) - 1, rtol=0, atol=1e-15)
    for function, output in (Sigmoid, s), (Tanh, t):
        assert torch.equal(stand_in(function.forward, x.detach()).saved_tensors[0], output)
    zero = torch.zeros(1, dtype=torch.float64)
    assert Sigmoid.backward(stand_in(Sigmoid.forward, zero), torch.ones(1, dtype=torch.float64)).item() == 0.25
    assert Tanh.backward(stand_in(Tanh.forward, zero), torch.ones(1, dtype=torch.float64)).item() == 1.0
    far = torch.tensor([-1000.0], dtype=torch.float64)
    assert (1 / (1 + torch.exp(-far))).item() == 0.0
    assert torch.isnan(torch.exp(-far) / (1 + torch.exp(-far)) ** 2).item()
    assert Sigmoid.backward(stand_in(Sigmoid.forward, far), torch.ones(1, dtype=torch.float64)).item() == 0.0


def test_relu_at_zero_passes_no_gradient():
    """
    **Checks**:
        At exactly 0, where the derivative does not exist, PyTorch's ReLU gives the subgradient 0, and so does ours;
        a central finite difference there measures the average of the two slopes, 1/2, which is why ``gradcheck`` must avoid the kink.
    """
    x = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64, requires_grad=True)
    (ours,) = torch.autograd.grad(ReLU.apply(x).sum(), x)
    (theirs,) = torch.autograd.grad(torch.relu(x).sum(), x)
    assert ours.tolist() == theirs.tolist() == [0.0, 0.0, 1.0]
    h = 1e-6
    step = torch.tensor(h, dtype=torch.float64)
    assert abs((torch.relu(step) - torch.relu(-step)).item() / (2 * h) - 0.5) < 1e-9


def test_gelu_derivative_at_known_points():
    r"""
    **Checks**:
        At $x = 0$, $u = 0$ and $\operatorname{gelu}'(0) = \tfrac{1}{2}$; far from 0, GELU becomes ReLU, with slopes 1 and 0.
    """
    x = torch.tensor([0.0, 10.0, -10.0], dtype=torch.float64)
    slopes = GELU.backward(stand_in(GELU.forward, x), torch.ones(3, dtype=torch.float64))
    torch.testing.assert_close(slopes, torch.tensor([0.5, 1.0, 0.0], dtype=torch.float64), rtol=0, atol=1e-12)


def test_the_tanh_form_only_approximates_the_exact_gelu():
    r"""
    **Checks**:
        On $[-6, 6]$ the tanh form and the exact GELU differ by up to $4.7 \times 10^{-4}$ in value and $8.7 \times 10^{-4}$ in slope: the one cannot stand in for the other.
    """
    x = torch.linspace(-6, 6, 1201, dtype=torch.float64)
    ones = torch.ones_like(x)
    value_gap = (GELU.apply(x) - ExactGELU.apply(x)).abs().max().item()
    slope_gap = (GELU.backward(stand_in(GELU.forward, x), ones) - ExactGELU.backward(stand_in(ExactGELU.forward, x), ones)).abs().max().item()
    assert round(value_gap, 5) == 0.00047 and round(slope_gap, 5) == 0.00087


def stand_in(forward, x):
    """
    **A context stand-in**:
        Runs ``forward`` with a plain object in place of PyTorch's context, so that a test can call ``backward`` directly.
    """
    ctx = type("Context", (), {})()
    ctx.save_for_backward = lambda *tensors: setattr(ctx, "saved_tensors", tensors)
    forward(ctx, x)
    return ctx


def test_gradcheck_catches_a_one_in_a_million_error():
    """
    **Checks**:
        The tolerances in ``TIGHT`` are tight enough: a GELU whose backward pass is off by a relative $10^{-6}$ fails ``gradcheck``.
    """

    class SlightlyWrongGELU(GELU):
        @staticmethod
        def backward(ctx, grad_output):
            return GELU.backward(ctx, grad_output) * (1 + 1e-6)

    x = inputs_away_from_zero()
    assert gradcheck(GELU.apply, (x,), **TIGHT)
    assert not gradcheck(SlightlyWrongGELU.apply, (x,), raise_exception=False, **TIGHT)


def test_wrong_versions_are_rejected():
    r"""
    **Wrong versions the tests reject**:
        Three mistakes a learner makes with these functions.
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

    # 1. The input saved instead of the output: the gradient is right, but it is not computed from the output, as the page claims.
    class SavesItsInput(Sigmoid):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.sigmoid(x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * torch.sigmoid(x) * (1 - torch.sigmoid(x))

    print("1.", rejection(test_sigmoid_and_tanh_derivatives_from_their_outputs, Sigmoid=SavesItsInput))

    # 2. ``>=`` for ``>``: a unit that outputs exactly 0 passes the gradient back, which PyTorch's ReLU does not.
    class PassesAtZero(ReLU):
        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * (x >= 0).to(grad_output.dtype)

    print("2.", rejection(test_relu_at_zero_passes_no_gradient, ReLU=PassesAtZero))

    # 3. The square forgotten in $\tanh' = 1 - \tanh^2$.
    class ForgetsTheSquare(Tanh):
        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * (1 - y)

    pairs = [(ForgetsTheSquare.apply if ours == Tanh.apply else ours, theirs) for ours, theirs in PAIRS]
    print("3.", rejection(test_backward_matches_autograd, PAIRS=pairs))


if __name__ == "__main__":
    # Run directly (``python 01_elementwise.py``), the file hands itself to pytest, which prints a summary line and exits non-zero if a test failed.
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
