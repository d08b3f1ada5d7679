r"""
# Double backward: differentiating a backward pass

A second derivative is the derivative of a backward pass. PyTorch computes it by recording the backward pass as a graph of its own, so a custom ``Function`` either supports that, or says it does not.

``torch.autograd.grad(c, x, create_graph=True)`` returns $\nabla_x c$ as a tensor that is itself in the graph: differentiate it again and you get second derivatives.
Two uses matter in practice:

- a *Hessian–vector product* $H v = \nabla_x \langle \nabla_x c, v \rangle$, the product of the Hessian with a vector at the cost of two backward passes, without building $H$ (`test_hessian_vector_product`);
- a *gradient penalty*, a loss that contains a gradient, as in WGAN-GP: $P(w) = \lVert \nabla_x f_w(x) \rVert^2$, trained by differentiating $P$ with respect to $w$ (`test_gradient_penalty`).

A custom ``Function``'s ``backward`` is differentiated like any other code, so it must be written with differentiable operations on what ``forward`` saved. A tensor computed inside ``forward`` and saved is a constant to the second pass: the second derivative through it is silently wrong, which is the bug chapter 3 fixed in the cross-entropy and layer normalization.
The fix PyTorch documents is one of two: recompute from the saved inputs (`Cube` below), or mark the backward ``@once_differentiable`` (`CubeOnce`). The mark makes a second ``backward`` through the function raise an error; it does not protect every tool: ``torch.autograd.functional.hessian`` finds no path through it and returns zeros (`test_cube_is_twice_differentiable_and_cube_once_says_it_is_not`). Recomputing is the fix that leaves nothing to remember.
"""
import traceback

import pytest
import torch
from torch.autograd import Function, gradgradcheck
from torch.autograd.function import once_differentiable

TIGHT = dict(eps=1e-6, atol=1e-9, rtol=1e-7)


class Cube(Function):
    r"""
    **$x^3$, twice differentiable**: the backward pass $3x^2 g$ is computed from the saved input with differentiable operations, so its own derivative, $6x g$, is right.
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
    **$x^3$, once differentiable**: the same backward pass, marked ``@once_differentiable``: a second ``backward`` through it raises an error rather than come out wrong.
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
    **Checks**:
        ``Cube`` passes ``gradgradcheck``. Through $c = \sum_i (x_i^3)^2$, its first derivative is $6x^5$ and its second $30x^4$.
        ``CubeOnce`` gives the same first derivative; a second one by ``backward`` raises, while ``torch.autograd.functional.hessian``, which counts what it cannot reach as 0, returns zeros.
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


# ## Hessian–vector products
# The gradient, kept in the graph, dotted with $v$, is a scalar; its gradient is $H v$, since $\nabla_x \langle \nabla_x c, v \rangle = H v$ for a constant $v$.
def hessian_vector_product(c, x, v):
    (gradient,) = torch.autograd.grad(c(x), x, create_graph=True)
    (product,) = torch.autograd.grad((gradient * v).sum(), x)
    return product


def cubic_energy(x):
    return Cube.apply(x).sum() + (x[:-1] * x[1:]).sum()


def test_hessian_vector_product():
    r"""
    **Checks**:
        For $c(x) = \sum_i x_i^3 + \sum_i x_i x_{i+1}$, through ``Cube``, the product equals ``torch.autograd.functional.hvp``, the full Hessian times $v$, and the product by hand: the Hessian is $6x_i$ on its diagonal and 1 beside it, so $(Hv)_i = 6 x_i v_i + v_{i-1} + v_{i+1}$.
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


# ## A gradient penalty
# $f_w(x) = \langle w, \tanh x \rangle$ has $\nabla_x f_w = w \odot (1 - \tanh^2 x)$, so $P(w) = \sum_i w_i^2 (1 - \tanh^2 x_i)^2$ and, by hand, $\partial P / \partial w = 2 w \odot (1 - \tanh^2 x)^2$.
def gradient_penalty(w, x):
    x = x.detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad((w * torch.tanh(x)).sum(), x, create_graph=True)
    return (gradient**2).sum()


def test_gradient_penalty():
    r"""
    **Checks**:
        The penalty's gradient with respect to $w$, through the gradient with respect to $x$, equals the one by hand and passes ``gradcheck``.
    """
    x = torch.tensor([0.3, -1.1, 0.8], dtype=torch.float64)
    w = torch.tensor([1.5, -0.5, 2.0], dtype=torch.float64, requires_grad=True)
    (ours,) = torch.autograd.grad(gradient_penalty(w, x), w)
    torch.testing.assert_close(ours, 2 * w.detach() * (1 - torch.tanh(x) ** 2) ** 2, rtol=1e-14, atol=1e-15)
    assert torch.autograd.gradcheck(lambda weights: gradient_penalty(weights, x), (w,), **TIGHT)


def test_wrong_versions_are_rejected():
    r"""
    **Wrong versions the tests reject**:
        Two mistakes a learner makes with second derivatives.
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

    # 1. The slope $3x^2$ computed in ``forward`` and saved: to the second pass it is a constant, and the second derivative comes out 0, with no error.
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

    # 2. ``create_graph=True`` forgotten: the gradient is a plain tensor, and the penalty has nothing to differentiate.
    def penalty_without_the_graph(w, x):
        x = x.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad((w * torch.tanh(x)).sum(), x)
        return (gradient**2).sum()

    print("2.", rejection(test_gradient_penalty, gradient_penalty=penalty_without_the_graph))


if __name__ == "__main__":
    # Run directly (``python 03_double_backward.py``), the file hands itself to pytest, which prints a summary line and exits non-zero if a test failed.
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
