r"""
# Autograd basics: the graph, backward, and what accumulates

What PyTorch records while it computes, and what ``backward`` does with it, before we write a backward pass of our own.

A tensor made with ``requires_grad=True`` is a *leaf*: a variable we want gradients for. Every operation on it records a node in a *computational graph*, the tensor's ``grad_fn``, which knows its inputs and how to pass a gradient back to them.
``c.backward()`` walks that graph from $c$ back to the leaves, in *reverse topological order* (a node only once every node that uses it is done), applies the chain rule at every node, and leaves $\nabla_x c = \partial c / \partial x$ in ``x.grad``, with the shape of $x$.
The function of this chapter is
$$ c = \sum_{ij} (x_{ij} y_{ij} + z_{ij}) $$
The chain rule, one node at a time: a sum passes its upstream gradient to every entry, an addition passes it unchanged to both inputs, and a product $x \odot y$ passes it to $x$ multiplied by $y$ and to $y$ multiplied by $x$ ("add distributes, multiply swaps").
So $\nabla_x c = y$, $\nabla_y c = x$ and $\nabla_z c = 1$ (`test_backward_walks_the_graph_to_the_leaves`).
"""
import traceback

import pytest
import torch


def function_of_the_chapter(x, y, z):
    return (x * y + z).sum()


def leaves(seed=0):
    """
    **Test data**: three float64 leaves of shape ``(3, 4)``.
    """
    torch.manual_seed(seed)
    return [torch.randn(3, 4, dtype=torch.float64, requires_grad=True) for _ in range(3)]


def test_operations_record_a_graph():
    """
    **Checks**:
        A leaf has no ``grad_fn``; each result of an operation on it has one, naming the operation, and its ``next_functions`` lead back towards the leaves.
        A tensor made without ``requires_grad`` records nothing.
    """
    x, y, z = leaves()
    product = x * y
    c = function_of_the_chapter(x, y, z)
    assert x.is_leaf and x.grad_fn is None
    assert type(product.grad_fn).__name__ == "MulBackward0" and type(c.grad_fn).__name__ == "SumBackward0"
    (addition, _), = c.grad_fn.next_functions
    assert type(addition).__name__ == "AddBackward0"
    assert {type(node).__name__ for node, _ in addition.next_functions} == {"MulBackward0", "AccumulateGrad"}
    constant = torch.ones(3)
    assert not (constant * 2).requires_grad and (constant * 2).grad_fn is None


def test_backward_walks_the_graph_to_the_leaves():
    """
    **Checks**:
        After ``c.backward()``, each leaf's ``grad`` is the gradient derived above: $y$, $x$ and ones.
        The intermediate ``product`` is not a leaf, and keeps no ``grad``.
    """
    x, y, z = leaves()
    product = x * y
    c = (product + z).sum()
    c.backward()
    assert torch.equal(x.grad, y.detach()) and torch.equal(y.grad, x.detach())
    assert torch.equal(z.grad, torch.ones_like(z))
    with pytest.warns(UserWarning, match="is not a leaf Tensor"):
        assert product.grad is None


# ## Backward of a non-scalar: the vector–Jacobian product
# For an output $v$ that is not a scalar, "its gradient" is a Jacobian matrix $J = \partial v / \partial x$, which autograd never builds.
# ``v.backward(gradient=u)`` computes the vector–Jacobian product $u^\top J$ instead: the gradient of the scalar $\langle u, v \rangle$, as if $v$ were used by a loss whose gradient with respect to $v$ is $u$.
# That $u$ is the *upstream gradient*, ``grad_output`` in every backward pass of the next pages.
def test_backward_of_a_non_scalar_needs_the_upstream_gradient():
    r"""
    **Checks**:
        Without ``gradient``, ``backward`` of a non-scalar is refused. With it, ``x.grad`` is $u^\top J$, computed here from the full Jacobian for comparison (for $v = x \odot x$ it is diagonal, $J = \operatorname{diag}(2x)$),
        and equals the gradient of $\langle u, v \rangle$.
    """
    x = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    u = torch.tensor([0.3, 1.0, -2.0], dtype=torch.float64)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * x).backward()
    (x * x).backward(gradient=u)
    jacobian = torch.diag(2 * x.detach())
    torch.testing.assert_close(x.grad, u @ jacobian, rtol=0, atol=0)
    (inner,) = torch.autograd.grad((u * x * x).sum(), x)
    torch.testing.assert_close(x.grad, inner, rtol=0, atol=0)


# ## Gradients accumulate
# ``backward`` *adds* into ``.grad``; it never overwrites it. That is what makes a fork right: when $x$ is used twice, as in $x \odot x + x$, each use sends back its share, and the shares add up: $2x + 1$.
# It is also why a training loop clears the gradients before each step, with ``optimizer.zero_grad()`` (which sets ``.grad`` to ``None``) or ``x.grad = None``: otherwise the step uses the sum of this step's gradient and all the earlier ones.
def test_uses_of_a_tensor_add_up_and_so_do_calls():
    """
    **Checks**:
        One use or two, each contributes; a second ``backward`` without clearing doubles ``grad``; ``zero_grad`` clears it.
        A graph is freed by its backward pass unless ``retain_graph=True`` keeps it.
    """
    x = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    y = (x * x + x).sum()
    y.backward(retain_graph=True)
    torch.testing.assert_close(x.grad, 2 * x.detach() + 1, rtol=0, atol=0)
    y.backward()
    torch.testing.assert_close(x.grad, 2 * (2 * x.detach() + 1), rtol=0, atol=0)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    optimizer = torch.optim.SGD([x], lr=0.1)
    optimizer.zero_grad()
    assert x.grad is None


# ## Stopping the graph: ``no_grad`` and ``detach``
# Inside ``with torch.no_grad():`` nothing is recorded: results need no gradient, as for an evaluation pass or an update of the weights themselves.
# ``t.detach()`` is the same data, cut from the graph: a constant as far as gradients go. So $x \odot \operatorname{detach}(x)$ has gradient $x$, not $2x$: only the first factor is differentiated.
def test_no_grad_and_detach_stop_the_graph():
    """
    **Checks**:
        Under ``no_grad`` a result records nothing; ``detach`` shares storage with its source and passes no gradient back.
    """
    x = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        updated = x * 2
    assert not updated.requires_grad and updated.grad_fn is None
    constant = x.detach()
    assert constant.data_ptr() == x.data_ptr() and not constant.requires_grad
    (x * constant).sum().backward()
    torch.testing.assert_close(x.grad, x.detach(), rtol=0, atol=0)


# ## A training loop
# Every training loop does what these basics say, in this order: clear the gradient (``x.grad = None``, what ``optimizer.zero_grad()`` does), compute it with ``backward``, then step under ``no_grad``, so that the step is not recorded and $x$ stays a leaf.
def gradient_descent(f, x, rate, steps):
    x = x.detach().clone().requires_grad_(True)
    for _ in range(steps):
        x.grad = None
        f(x).backward()
        with torch.no_grad():
            x -= rate * x.grad
    return x.detach()


def test_gradient_descent_clears_and_steps_outside_the_graph():
    r"""
    **Checks**:
        On $f(x) = \sum_i (x_i - 3)^2$, whose gradient is $2(x - 3)$, a step of rate $1/4$ halves the distance to 3: after 10 steps from 0, every entry is $3(1 - 2^{-10})$.
    """
    start = torch.zeros(3, dtype=torch.float64)
    found = gradient_descent(lambda x: ((x - 3) ** 2).sum(), start, 0.25, 10)
    torch.testing.assert_close(found, torch.full((3,), 3 * (1 - 0.5**10), dtype=torch.float64), rtol=0, atol=1e-15)


def test_wrong_versions_are_rejected():
    r"""
    **Wrong versions the tests reject**:
        Three mistakes a learner makes in this loop.
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

    # 1. The gradient never cleared: each step uses the sum of every gradient so far.
    def never_clears(f, x, rate, steps):
        x = x.detach().clone().requires_grad_(True)
        for _ in range(steps):
            f(x).backward()
            with torch.no_grad():
                x -= rate * x.grad
        return x.detach()

    print("1.", rejection(test_gradient_descent_clears_and_steps_outside_the_graph, gradient_descent=never_clears))

    # 2. The step taken outside ``no_grad``: autograd refuses to change a leaf in place while it records.
    def steps_in_the_graph(f, x, rate, steps):
        x = x.detach().clone().requires_grad_(True)
        for _ in range(steps):
            x.grad = None
            f(x).backward()
            x -= rate * x.grad
        return x.detach()

    print("2.", rejection(test_gradient_descent_clears_and_steps_outside_the_graph, gradient_descent=steps_in_the_graph))

    # 3. ``x = x - rate * x.grad``: the new $x$ is a result, not a leaf, and keeps no ``grad`` for the next step.
    def rebinds_x(f, x, rate, steps):
        x = x.detach().clone().requires_grad_(True)
        for _ in range(steps):
            x.grad = None
            f(x).backward()
            x = x - rate * x.grad
        return x.detach()

    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        print("3.", rejection(test_gradient_descent_clears_and_steps_outside_the_graph, gradient_descent=rebinds_x))


if __name__ == "__main__":
    # Run directly (``python 02_autograd_basics.py``), the file hands itself to pytest, which prints a summary line and exits non-zero if a test failed.
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
