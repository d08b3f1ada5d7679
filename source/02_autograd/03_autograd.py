r"""
# Autograd in PyTorch and a custom differentiable function

How PyTorch differentiates a function for us, how to differentiate one by hand, and how to give a function a backward pass of our own.

This document mainly covers:
- how to define a differentiable function with PyTorch
- how to compute derivatives by hand with NumPy
- how to compute derivatives automatically with PyTorch
The example function we differentiate is:
$$ c = \sum x * y + z $$
read as $c = \sum_{ij} (x_{ij} y_{ij} + z_{ij})$: the sum runs over every entry of $x \odot y + z$, where $\odot$ (``*`` in the code) multiplies entry by entry.
This document also shows how to define your own differentiable function in PyTorch.
By subclassing ``torch.autograd.Function`` <link https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function link>, users can write its forward and backward passes themselves and so define a differentiable function of their own.
We use a standard linear function as the example:
$$output = input \cdot weight^T + bias$$
Each claim below is proven by a test of this page: the forward and backward passes by `test_linear_function` and `test_linear_function_matches_torch_linear`, the ``None`` gradients by `test_inputs_without_grad_get_none`, the backward pass against finite differences by `test_gradcheck`, and the gradients by hand with NumPy by `test_auto_grad`.
"""
import numpy as np
import torch.nn as nn
import torch
from torch.autograd import Function
from copy import deepcopy
from types import SimpleNamespace
import traceback


class LinearFunction(Function):
    r"""
    **Overview**:
        A differentiable linear function, the same as a linear (fully connected) layer of a neural network. The formula is:
        $$output = input \cdot weight^T + bias$$
    """

    @staticmethod
    def forward(ctx, input_, weight, bias):
        """
        **Overview**:
            The forward pass of the linear function.
        """
        # Save the inputs that the backward pass will need.
        ctx.save_for_backward(input_, weight)
        # Forward pass: $$output = input \cdot weight^T + bias$$
        output = input_.mm(weight.t())
        output += bias
        return output

    @staticmethod
    def backward(ctx, grad_output):
        r"""
        **Overview**:
            The backward pass of the linear function.
            Each output entry is $output_{nj} = \sum_k input_{nk} \, weight_{jk} + bias_j$, so its slope is $weight_{jk}$ with respect to $input_{nk}$ and $input_{nk}$ with respect to $weight_{jk}$.
            The chain rule sums, for each input entry, over the output entries it reaches: that gives the three products below, and the bias, added to every row, gets the sum over the rows.
        """
        # Get back the inputs saved in the forward pass.
        input_, weight = ctx.saved_tensors
        # Start every gradient as None: not every input needs a gradient. For an input that needs none, backward may return None
        # (a gradient returned anyway is ignored), and ``ctx.needs_input_grad`` lets it skip the work, as below.
        # (`test_inputs_without_grad_get_none` checks both for each input.)
        grad_input, grad_weight, grad_bias = None, None, None
        # Backward pass for the input: $$ \nabla input = \nabla output \cdot weight $$
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        # Backward pass for the weight: $$ \nabla weight = \nabla output^T \cdot input $$
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input_)
        # Backward pass for the bias: $$ \nabla bias = \sum \nabla output $$
        if ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


def test_linear_function():
    """
    **Overview**:
        Test the linear function defined above: check the result of its forward pass and of its backward pass.
    """
    # Fix the random seed, so that every run checks the same numbers.
    torch.manual_seed(0)
    # Make test data.
    w = torch.randn(4, 3, requires_grad=True)
    x = torch.randn(1, 3, requires_grad=False)
    b = torch.randn(4, requires_grad=True)
    # Compute the linear function with PyTorch's built-in operations.
    o = torch.sum(x @ w.t() + b)
    # Run the backward pass with PyTorch's built-in automatic differentiation.
    o.backward()
    # Keep the gradients, to check against them later.
    w_grad, b_grad = deepcopy(w.grad), deepcopy(b.grad)
    w.grad, x.grad, b.grad = None, None, None
    # Run the forward pass with our own linear function.
    # Note: the methods of a ``Function`` are all static, and recent PyTorch versions warn
    # (DeprecationWarning) about the instantiation below; calling ``LinearFunction.apply(x, w, b)``
    # is enough, and the tests below do so.
    linear_func = LinearFunction()
    o = torch.sum(linear_func.apply(x, w, b))
    # Backward pass.
    o.backward()
    # Check that the gradients are right.
    assert x.grad is None
    # ``x`` was made without ``requires_grad``, so its ``grad`` stays None whatever backward returns for it: the line above cannot fail.
    # What backward returns is seen by calling it directly, with a stand-in for the context, as autograd calls it.
    ctx = SimpleNamespace(saved_tensors=(x, w), needs_input_grad=(False, True, True))
    returned = LinearFunction.backward(ctx, torch.ones(1, 4))
    assert returned[0] is None and returned[1] is not None and returned[2] is not None
    assert torch.sum(torch.abs(w_grad - w.grad)) < 1e-6
    assert torch.sum(torch.abs(b_grad - b.grad)) < 1e-6
    # Check the result of the forward pass as well: it is the formula's.
    torch.testing.assert_close(LinearFunction.apply(x, w, b), x @ w.t() + b)


def test_linear_function_matches_torch_linear():
    """
    **Overview**:
        Compare with PyTorch's own linear layer ``torch.nn.functional.linear``:
        for a batch of one and for larger batches, the output and the gradients of input, weight and bias must all agree.
    """
    torch.manual_seed(0)
    for batch_size in (1, 2, 16):
        # Two copies of the same data: one for our function, one for PyTorch's linear layer.
        x = torch.randn(batch_size, 3, requires_grad=True)
        w = torch.randn(4, 3, requires_grad=True)
        b = torch.randn(4, requires_grad=True)
        x_ref, w_ref, b_ref = (t.detach().clone().requires_grad_(True) for t in (x, w, b))
        # A random upstream gradient rather than all ones, so that a mistake in a sum's direction shows.
        grad_output = torch.randn(batch_size, 4)
        output = LinearFunction.apply(x, w, b)
        expected = nn.functional.linear(x_ref, w_ref, b_ref)
        torch.testing.assert_close(output, expected)
        output.backward(grad_output)
        expected.backward(grad_output)
        torch.testing.assert_close(x.grad, x_ref.grad)
        torch.testing.assert_close(w.grad, w_ref.grad)
        torch.testing.assert_close(b.grad, b_ref.grad)


def test_inputs_without_grad_get_none():
    """
    **Overview**:
        For an input that needs no gradient, ``ctx.needs_input_grad`` is False at its position,
        the backward pass returns None for it, and its ``grad`` stays None; the other inputs get their gradients as usual.
        Returning None is allowed, not required: a backward pass that returns a gradient for such an input anyway has it ignored.
    """
    torch.manual_seed(0)
    for needs_grad in ((True, False, False), (False, True, False), (False, False, True), (True, True, False)):
        x, w, b = (
            torch.randn(shape, requires_grad=flag)
            for shape, flag in zip(((5, 3), (4, 3), (4,)), needs_grad)
        )
        LinearFunction.apply(x, w, b).sum().backward()
        for tensor, flag in zip((x, w, b), needs_grad):
            assert (tensor.grad is not None) == flag
        # A tensor created without ``requires_grad`` never gets a ``grad``, whatever backward returns for it:
        # so call the backward pass directly, as autograd does, and look at what it returns.
        ctx = SimpleNamespace(saved_tensors=(x, w), needs_input_grad=needs_grad)
        returned = LinearFunction.backward(ctx, torch.ones(5, 4))
        assert [grad is None for grad in returned] == [not flag for flag in needs_grad]
        # The inputs that need a gradient get the analytic one: differentiating a sum, the upstream gradient is all ones.
        ones = torch.ones(5, 4)
        expected = (ones.mm(w), ones.t().mm(x), ones.sum(0))
        for tensor, flag, grad in zip((x, w, b), needs_grad, expected):
            if flag:
                torch.testing.assert_close(tensor.grad, grad.detach())

    class ReturnsEveryGradient(LinearFunction):
        @staticmethod
        def backward(ctx, grad_output):
            input_, weight = ctx.saved_tensors
            return grad_output.mm(weight), grad_output.t().mm(input_), grad_output.sum(0)

    x, w, b = torch.randn(5, 3), torch.randn(4, 3, requires_grad=True), torch.randn(4)
    ReturnsEveryGradient.apply(x, w, b).sum().backward()
    assert x.grad is None and b.grad is None and w.grad is not None


def test_gradcheck():
    """
    **Overview**:
        ``torch.autograd.gradcheck`` checks a hand-written backward pass against finite differences,
        the check PyTorch's documentation recommends; it needs float64 inputs.
        In float64 a finite difference of this function is right to about 1e-10, so the tolerances are tight
        enough to catch a gradient that is wrong by one part in a million.
        ``gradgradcheck`` does the same for the second derivatives, through the backward pass.
    """
    torch.manual_seed(0)
    inputs = (
        torch.randn(6, 3, dtype=torch.float64, requires_grad=True),
        torch.randn(4, 3, dtype=torch.float64, requires_grad=True),
        torch.randn(4, dtype=torch.float64, requires_grad=True),
    )
    assert torch.autograd.gradcheck(LinearFunction.apply, inputs, eps=1e-6, atol=1e-9, rtol=1e-7)
    assert torch.autograd.gradgradcheck(LinearFunction.apply, inputs, eps=1e-6, atol=1e-9, rtol=1e-7)


def test_auto_grad():
    """
    **Overview**:
        Test automatic differentiation: compare gradients written by hand with NumPy against PyTorch's autograd.
    """
    # Fix the random seed, so that every run checks the same numbers.
    np.random.seed(0)
    # The shape of the test data.
    B, D = 3, 4
    # Make the NumPy test data.
    x = np.random.randn(B, D)
    y = np.random.randn(B, D)
    z = np.random.randn(B, D)
    # The forward pass in NumPy.
    a = x * y
    b = a + z
    c = np.sum(b)
    # The backward pass in NumPy, by hand.
    grad_c = 1.0
    grad_b = grad_c * np.ones((B, D))
    grad_a = grad_b.copy()
    grad_z = grad_b.copy()
    grad_x = grad_a * y
    grad_y = grad_a * x
    # Turn the NumPy test data into PyTorch tensors.
    x = nn.Parameter(torch.from_numpy(x)).requires_grad_(True)
    y = nn.Parameter(torch.from_numpy(y)).requires_grad_(True)
    z = nn.Parameter(torch.from_numpy(z)).requires_grad_(True)
    # The forward pass in PyTorch.
    a = x * y
    b = a + z
    c = torch.sum(b)
    # The backward pass in PyTorch.
    c.backward()
    # Check that both give the same gradients.
    assert torch.sum(torch.abs(torch.from_numpy(grad_x) - x.grad)) < 1e-6
    assert torch.sum(torch.abs(torch.from_numpy(grad_y) - y.grad)) < 1e-6
    assert torch.sum(torch.abs(torch.from_numpy(grad_z) - z.grad)) < 1e-6


def test_wrong_versions_are_rejected():
    r"""
    **Wrong versions the tests reject**:
        Three mistakes a learner makes in this backward pass.
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

    right = LinearFunction

    # 1. The bias's gradient as a mean over the batch: right for a batch of one, $n$ times too small otherwise.
    class AveragesTheBias(LinearFunction):
        @staticmethod
        def backward(ctx, grad_output):
            grad_input, grad_weight, _ = right.backward(ctx, grad_output)
            return grad_input, grad_weight, grad_output.mean(0)

    print("1.", rejection(test_linear_function_matches_torch_linear, LinearFunction=AveragesTheBias))

    # 2. The weight's gradient transposed, $input^T \cdot \nabla output$: autograd refuses a gradient of the wrong shape.
    class TransposedWeight(LinearFunction):
        @staticmethod
        def backward(ctx, grad_output):
            input_, weight = ctx.saved_tensors
            return grad_output.mm(weight), input_.t().mm(grad_output), grad_output.sum(0)

    print("2.", rejection(test_linear_function_matches_torch_linear, LinearFunction=TransposedWeight))

    # 3. ``needs_input_grad`` ignored: the gradients are right, and work is done that nobody asked for.
    class AlwaysComputes(LinearFunction):
        @staticmethod
        def backward(ctx, grad_output):
            input_, weight = ctx.saved_tensors
            return grad_output.mm(weight), grad_output.t().mm(input_), grad_output.sum(0)

    print("3.", rejection(test_inputs_without_grad_get_none, LinearFunction=AlwaysComputes))


if __name__ == "__main__":
    # Run directly (``python 03_autograd.py``), the file hands itself to pytest, which runs every ``test_`` function above,
    # prints a summary line and exits non-zero if a test failed.
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
