r"""
# Vector–Jacobian products, and forward mode

Every backward pass of chapter 3 is a vector–Jacobian product; forward mode computes the other product, and the shape of a function decides which is cheaper.

A function $f : \mathbb{R}^n \to \mathbb{R}^m$ has an $m \times n$ Jacobian $J$. A backward pass receives the upstream gradient $u \in \mathbb{R}^m$ and returns
$$ u^\top J = \sum_i u_i \frac{\partial f_i}{\partial x} \in \mathbb{R}^n $$
without ever building $J$: that is what ``grad_output`` was in every backward pass so far (`test_each_backward_is_u_transpose_j`).
*Forward mode* pushes a direction $v \in \mathbb{R}^n$ the other way, alongside the values, and returns the Jacobian–vector product $J v \in \mathbb{R}^m$.
To get the whole of $J$, reverse mode needs one pass per output ($u = e_i$ gives row $i$), forward mode one pass per input ($v = e_j$ gives column $j$) (`test_reverse_mode_costs_a_pass_per_output_forward_mode_a_pass_per_input`).
A loss has one output and millions of inputs: one reverse pass gives its whole gradient. That is why training uses reverse mode.
"""
import traceback
import warnings

import torch
import torch.nn.functional as F

# On its first use, forward mode loads PyTorch's rules for it through ``torch.jit.script``, which PyTorch 2.13 deprecates: 18 warnings about PyTorch's own code, not this page's. Load the rules now, with those warnings silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    torch.func.jvp(torch.sin, (torch.zeros(1),), (torch.ones(1),))


# Chapter 3's backward passes, each written as the function $u \mapsto u^\top J$ of the point $x$ and the upstream gradient $u$.
def sigmoid_vjp(x, u):
    y = torch.sigmoid(x)
    return u * y * (1 - y)


def softmax_vjp(z, u):
    p = torch.softmax(z, dim=-1)
    return p * (u - (u * p).sum(dim=-1, keepdim=True))


def cross_entropy_vjp(z, y, u):
    onehot = F.one_hot(y, z.shape[-1]).to(z.dtype)
    return u * (torch.softmax(z, dim=-1) - onehot) / len(y)


def layer_norm_vjp(x, u, eps=1e-5):
    r = 1 / torch.sqrt(x.var(dim=-1, unbiased=False, keepdim=True) + eps)
    x_hat = (x - x.mean(dim=-1, keepdim=True)) * r
    return r * (u - u.mean(dim=-1, keepdim=True) - x_hat * (u * x_hat).mean(dim=-1, keepdim=True))


def test_each_backward_is_u_transpose_j():
    r"""
    **Checks**:
        For each function, the backward pass at a random point and a random $u$ equals $u^\top J$, with $J$ built entry by entry by ``torch.autograd.functional.jacobian``.
    """
    torch.manual_seed(0)
    x = torch.randn(2, 4, dtype=torch.float64)
    labels = torch.tensor([3, 0])
    cases = [
        (torch.sigmoid, sigmoid_vjp, torch.randn(2, 4, dtype=torch.float64)),
        (lambda z: torch.softmax(z, dim=-1), softmax_vjp, torch.randn(2, 4, dtype=torch.float64)),
        (lambda z: F.layer_norm(z, (4,)), layer_norm_vjp, torch.randn(2, 4, dtype=torch.float64)),
        (lambda z: F.cross_entropy(z, labels), lambda z, u: cross_entropy_vjp(z, labels, u), torch.tensor(-1.5, dtype=torch.float64)),
    ]
    for f, vjp, u in cases:
        jacobian = torch.autograd.functional.jacobian(f, x).reshape(u.numel(), x.numel())
        torch.testing.assert_close(vjp(x, u).reshape(-1), u.reshape(-1) @ jacobian, rtol=1e-12, atol=1e-14)


# ## In PyTorch: ``torch.func.vjp`` and ``torch.func.jvp``
# ``torch.func.vjp(f, x)`` runs $f$ once and hands back a function $u \mapsto u^\top J$, which can be called for many $u$ at the cost of one backward pass each. ``torch.func.jvp(f, (x,), (v,))`` runs $f$ with $v$ carried along and returns $f(x)$ and $J v$ together.
def test_torch_func_vjp_and_jvp():
    r"""
    **Checks**:
        ``torch.func.vjp`` of the softmax gives our ``softmax_vjp``; ``torch.func.jvp`` gives $J v$, and $\langle u, J v \rangle = \langle u^\top J, v \rangle$, the identity that ties the two modes together.
    """
    torch.manual_seed(1)
    z, u, v = (torch.randn(4, dtype=torch.float64) for _ in range(3))
    softmax = lambda t: torch.softmax(t, dim=-1)
    _, pullback = torch.func.vjp(softmax, z)
    (u_J,) = pullback(u)
    torch.testing.assert_close(u_J, softmax_vjp(z, u), rtol=1e-14, atol=1e-15)
    _, J_v = torch.func.jvp(softmax, (z,), (v,))
    torch.testing.assert_close(J_v, torch.autograd.functional.jacobian(softmax, z) @ v, rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(u @ J_v, u_J @ v, rtol=1e-13, atol=1e-15)


# ## The whole Jacobian, two ways
# Each function returns the Jacobian and the number of passes it took: reverse mode one per row, forward mode one per column.
def jacobian_by_reverse_mode(f, x):
    output, pullback = torch.func.vjp(f, x)
    rows = [pullback(basis)[0] for basis in torch.eye(output.numel(), dtype=x.dtype)]
    return torch.stack(rows), len(rows)


def jacobian_by_forward_mode(f, x):
    columns = [torch.func.jvp(f, (x,), (basis,))[1] for basis in torch.eye(x.numel(), dtype=x.dtype)]
    return torch.stack(columns, dim=1), len(columns)


def test_reverse_mode_costs_a_pass_per_output_forward_mode_a_pass_per_input():
    r"""
    **Checks**:
        For a function of 5 inputs and 2 outputs, both ways give ``jacobian``'s $2 \times 5$ matrix; reverse mode takes 2 passes, forward mode 5. For a scalar loss, reverse mode takes one.
    """
    x = torch.tensor([0.5, -1.0, 2.0, 0.1, -0.3], dtype=torch.float64)

    def f(t):
        return torch.stack([(t * t).sum(), torch.sin(t).sum() * t[0]])

    expected = torch.autograd.functional.jacobian(f, x)
    reverse, reverse_passes = jacobian_by_reverse_mode(f, x)
    forward, forward_passes = jacobian_by_forward_mode(f, x)
    torch.testing.assert_close(reverse, expected, rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(forward, expected, rtol=1e-14, atol=1e-15)
    assert (reverse_passes, forward_passes) == (2, 5)
    gradient, passes = jacobian_by_reverse_mode(lambda t: f(t)[:1], x)
    assert passes == 1
    torch.testing.assert_close(gradient[0], 2 * x, rtol=1e-14, atol=0)


def test_wrong_versions_are_rejected():
    r"""
    **Wrong versions the tests reject**:
        Three mistakes a learner makes with these products.
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

    # 1. The softmax treated as elementwise, $u \odot p \odot (1 - p)$: only the diagonal of its Jacobian, $p_i(\delta_{ij} - p_j)$, is kept.
    def diagonal_softmax_vjp(z, u):
        p = torch.softmax(z, dim=-1)
        return u * p * (1 - p)

    print("1.", rejection(test_each_backward_is_u_transpose_j, softmax_vjp=diagonal_softmax_vjp))

    # 2. The cross-entropy's $1/N$ forgotten: right for a batch of one.
    def summed_cross_entropy_vjp(z, y, u):
        return u * (torch.softmax(z, dim=-1) - F.one_hot(y, z.shape[-1]).to(z.dtype))

    print("2.", rejection(test_each_backward_is_u_transpose_j, cross_entropy_vjp=summed_cross_entropy_vjp))

    # 3. Forward mode's columns stacked as rows: the transpose of the Jacobian.
    def columns_as_rows(f, x):
        columns = [torch.func.jvp(f, (x,), (basis,))[1] for basis in torch.eye(x.numel(), dtype=x.dtype)]
        return torch.stack(columns), len(columns)

    print("3.", rejection(test_reverse_mode_costs_a_pass_per_output_forward_mode_a_pass_per_input, jacobian_by_forward_mode=columns_as_rows))


if __name__ == "__main__":
    # Run directly (``python 02_vjp_and_forward_mode.py``), the file hands itself to pytest, which prints a summary line and exits non-zero if a test failed.
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
