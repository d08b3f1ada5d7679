r"""
# A reverse-mode engine on tensors

Autograd in about a hundred lines: a ``Tensor`` that records how it was made, and a ``backward`` that walks the record in reverse, proved equal to ``torch.autograd``.

Chapter 2 showed what ``backward`` does: it walks the computational graph from the output to the leaves, in reverse topological order, applies the chain rule at each node, and adds each node's share into its inputs' gradients.
Here we build that machine ourselves, on PyTorch tensors used as plain arrays (no ``requires_grad`` anywhere):

- every operation returns a ``Tensor`` that remembers its inputs, its ``parents``, and a closure ``_backward`` that turns the gradient of its output into shares for its parents (chapter 3's backward passes, one line each);
- each share is *added* into the parent's ``grad``, because a tensor used twice gets a share from each use;
- shares from a broadcast operand are summed back to its shape by chapter 3's ``unbroadcast``;
- ``backward`` orders the nodes so that each comes after everything that uses it, then runs their closures.

The engine is proved equal to ``torch.autograd``, to $10^{-12}$ in float64, on chapter 3's two-layer network (`test_two_layer_network_matches_torch`) and on random graphs (`test_random_graphs_match_torch`).
"""
import random
import traceback

import torch
import torch.nn.functional as F


def unbroadcast(grad, shape):
    """
    **Unbroadcast**, as in chapter 3: sum over the dimensions broadcasting added in front, and over those stretched from size 1.
    """
    extra = grad.dim() - len(shape)
    if extra > 0:
        grad = grad.sum(dim=tuple(range(extra)))
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(dim=stretched, keepdim=True)
    return grad


class Tensor:
    r"""
    **A value in the graph**: ``data`` (a float64 tensor), ``grad`` (the gradient of the final output with respect to it, once ``backward`` has run), and how it was made.
    """

    def __init__(self, data, parents=()):
        self.data = torch.as_tensor(data, dtype=torch.float64)
        self.grad = torch.zeros_like(self.data)
        self.parents = parents
        self._backward = lambda: None

    def add_to_grad(self, share):
        # Accumulate: a tensor used twice gets a share from each use.
        self.grad += unbroadcast(share, self.data.shape)

    # Each operation: the value now, and a closure that sends shares of ``out.grad`` back later.
    def __add__(self, other):
        other = lift(other)
        out = Tensor(self.data + other.data, (self, other))

        def _backward():
            self.add_to_grad(out.grad)
            other.add_to_grad(out.grad)
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = lift(other)
        out = Tensor(self.data * other.data, (self, other))

        def _backward():
            self.add_to_grad(out.grad * other.data)
            other.add_to_grad(out.grad * self.data)
        out._backward = _backward
        return out

    def __matmul__(self, other):
        out = Tensor(self.data @ other.data, (self, other))

        def _backward():
            # Chapter 3's matrix-product rule: $G_A = G_Z W^T$, $G_W = A^T G_Z$.
            self.add_to_grad(out.grad @ other.data.T)
            other.add_to_grad(self.data.T @ out.grad)
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        out = Tensor(self.data**exponent, (self,))

        def _backward():
            self.add_to_grad(out.grad * exponent * self.data ** (exponent - 1))
        out._backward = _backward
        return out

    def tanh(self):
        out = Tensor(torch.tanh(self.data), (self,))

        def _backward():
            self.add_to_grad(out.grad * (1 - out.data**2))
        out._backward = _backward
        return out

    def exp(self):
        out = Tensor(torch.exp(self.data), (self,))

        def _backward():
            self.add_to_grad(out.grad * out.data)
        out._backward = _backward
        return out

    def relu(self):
        out = Tensor(self.data.clamp(min=0), (self,))

        def _backward():
            self.add_to_grad(out.grad * (self.data > 0).to(out.grad.dtype))
        out._backward = _backward
        return out

    def log(self):
        out = Tensor(torch.log(self.data), (self,))

        def _backward():
            self.add_to_grad(out.grad / self.data)
        out._backward = _backward
        return out

    def sum(self, dim=None, keepdim=False):
        out = Tensor(self.data.sum() if dim is None else self.data.sum(dim=dim, keepdim=keepdim), (self,))

        def _backward():
            # Every entry summed gets the sum's gradient: put the summed dimension back, then copy along it.
            grad = out.grad if dim is None or keepdim else out.grad.unsqueeze(dim)
            self.add_to_grad(grad.expand(self.data.shape))
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-lift(other))

    def mean(self):
        return self.sum() * (1.0 / self.data.numel())

    def backward(self):
        """
        **Backward**: every node once, each after all the nodes that use it, then the chain rule in that order.
        """
        self.grad = torch.ones_like(self.data)
        for node in reversed(topological_order(self)):
            node._backward()


def lift(value):
    return value if isinstance(value, Tensor) else Tensor(value)


# ## Topological order
# A depth-first walk appends a node once all its parents are in the list: parents come before children. Reversed, every node comes after all the nodes that use it, so by the time its ``_backward`` runs, its ``grad`` holds every share it will ever get.
def topological_order(root):
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    return order


def test_a_fork_accumulates():
    r"""
    **Checks**:
        $x$ is used three times in $x \odot x + x$: its gradient is $2x + 1$, the sum of the three shares.
    """
    x = Tensor([1.0, -2.0, 3.0])
    (x * x + x).sum().backward()
    assert x.grad.tolist() == [3.0, -3.0, 7.0]


def test_a_diamond_waits_for_both_paths():
    r"""
    **Checks**:
        In a diamond, $a = 2x$ feeds both $b = 3a$ and $c = a^2$, and $d = b + c$. $a$ must wait for both before passing its gradient on: $\partial d / \partial x = 2(3 + 2a)$.
    """
    x = Tensor([0.5, -1.0])
    a = x * 2.0
    d = (a * 3.0 + a**2).sum()
    d.backward()
    assert x.grad.tolist() == [2 * (3 + 2 * 1.0), 2 * (3 + 2 * -2.0)]


def test_powers_other_than_two():
    r"""
    **Checks**:
        $\partial x^3 / \partial x = 3x^2$ and $\partial \sqrt{x} / \partial x = 1 / (2 \sqrt{x})$: exponents for which $k x^{k-1}$ is not simply $2x$.
    """
    x = Tensor([0.25, 4.0])
    (x**3 + x**0.5).sum().backward()
    assert x.grad.tolist() == [3 * 0.25**2 + 0.5 / 0.25**0.5, 3 * 4.0**2 + 0.5 / 4.0**0.5]


# Chapter 3's classifier: $H = X W_1 + b_1$, $A = \operatorname{relu}(H)$, $Z = A W_2 + b_2$, and the mean cross-entropy, written $\log \sum_k e^{Z_{ik}} - Z_{i y_i}$. As in chapter 3's log-softmax, each row's largest logit $m$ is subtracted first; $m$ is taken as a constant, since that shift leaves the loss unchanged. It runs on our ``Tensor`` and on PyTorch's alike (``onehot`` is $\operatorname{onehot}(y)$).
def two_layer_loss(X, onehot, W1, b1, W2, b2):
    Z = (X @ W1 + b1).relu() @ W2 + b2
    m = Z.data.max(dim=1, keepdim=True).values
    log_sum = (Z - m).exp().sum(dim=1).log() + m[:, 0]
    return (log_sum - (Z * onehot).sum(dim=1)).mean()


def test_two_layer_network_matches_torch():
    """
    **Checks**:
        On chapter 3's classifier, the loss equals ``F.cross_entropy`` and every parameter's gradient equals ``torch.autograd``'s, to $10^{-12}$, biases (broadcast over the batch) and units at ReLU's kink included.
    """
    torch.manual_seed(0)
    X, y = torch.randn(8, 3, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    params = [torch.randn(shape, dtype=torch.float64) for shape in ((3, 5), (5,), (5, 3), (3,))]
    # Two hidden units sit exactly at ReLU's kink on the first row, where the gradient is 0, as PyTorch has it.
    X[0], params[1][:2] = 0.0, 0.0
    ours = [Tensor(p) for p in params]
    loss = two_layer_loss(Tensor(X), Tensor(F.one_hot(y, 3).double()), *ours)
    loss.backward()
    theirs = [p.clone().requires_grad_(True) for p in params]
    torch_loss = F.cross_entropy(torch.relu(X @ theirs[0] + theirs[1]) @ theirs[2] + theirs[3], y)
    torch_loss.backward()
    torch.testing.assert_close(loss.data, torch_loss.detach(), rtol=1e-14, atol=0)
    for mine, reference in zip(ours, theirs):
        torch.testing.assert_close(mine.grad, reference.grad, rtol=1e-12, atol=1e-12)


def test_random_graphs_match_torch():
    """
    **Checks**:
        On twenty random graphs over leaves of shapes ``(3, 4)``, ``(3, 4)``, ``(4,)`` and ``(3, 1)``, every leaf's gradient equals ``torch.autograd``'s to $10^{-12}$.
    """
    # A random graph: each new node applies a random operation to earlier nodes, picked at random, so that forks, diamonds and broadcasting all occur.
    operations = [
        (lambda a, b: a + b, 2), (lambda a, b: a * b, 2), (lambda a, b: a - b, 2),
        (lambda a: a.tanh(), 1), (lambda a: (a * 0.3).exp(), 1), (lambda a: a**2, 1),
    ]

    def random_graph(leaves, seed, size=25):
        chooser = random.Random(seed)
        nodes = list(leaves)
        for _ in range(size):
            operation, arity = chooser.choice(operations)
            nodes.append(operation(*chooser.sample(nodes, arity)))
        return sum(nodes[-5:], nodes[-6]).sum()

    torch.manual_seed(1)
    values = [torch.randn(shape, dtype=torch.float64) for shape in ((3, 4), (3, 4), (4,), (3, 1))]
    for seed in range(20):
        ours = [Tensor(v) for v in values]
        output = random_graph(ours, seed)
        output.backward()
        theirs = [v.clone().requires_grad_(True) for v in values]
        expected = random_graph(theirs, seed)
        torch.testing.assert_close(output.data, expected.detach(), rtol=1e-12, atol=0)
        grads = torch.autograd.grad(expected, theirs, allow_unused=True)
        for mine, reference in zip(ours, grads):
            expected = torch.zeros_like(mine.data) if reference is None else reference
            torch.testing.assert_close(mine.grad, expected, rtol=1e-12, atol=1e-12)


def test_wrong_versions_are_rejected():
    r"""
    **Wrong versions the tests reject**:
        The two classic mistakes of a hand-written engine.
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

    # 1. ``=`` instead of ``+=``: each use of a tensor overwrites the share of the one before.
    class Overwrites(Tensor):
        def add_to_grad(self, share):
            self.grad = unbroadcast(share, self.data.shape)

    print("1.", rejection(test_a_fork_accumulates, Tensor=Overwrites))

    # 2. Each node's chain rule run as soon as the walk reaches it, depth first: in a diamond, $a$ passes its gradient on before the second path has added its share.
    class AsMet(Tensor):
        def backward(self):
            self.grad = torch.ones_like(self.data)
            seen = set()

            def visit(node):
                if id(node) not in seen:
                    seen.add(id(node))
                    node._backward()
                    for parent in node.parents:
                        visit(parent)
            visit(self)

    print("2.", rejection(test_a_diamond_waits_for_both_paths, Tensor=AsMet))


if __name__ == "__main__":
    # Run directly (``python 01_reverse_mode.py``), the file hands itself to pytest, which prints a summary line and exits non-zero if a test failed.
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
