r"""
# A two-layer classifier trained by hand

Everything so far, put together: the ReLU of [the elementwise page](01_elementwise.py), the ``unbroadcast`` of [the broadcasting page](02_broadcasting_backward.py) and the cross-entropy of [the softmax page](03_softmax_cross_entropy.py) make a classifier with one hidden layer, whose backward pass we write by hand and use for gradient descent.
The data is a batch of $N$ points, $X \in \mathbb{R}^{N \times D}$, each with a label $y_i \in \{0, \dots, C-1\}$. The network gives each point $C$ logits, and the loss is the mean cross-entropy:
$$ H = X W_1 + b_1, \qquad A = \operatorname{relu}(H), \qquad Z = A W_2 + b_2, \qquad L = -\frac{1}{N} \sum_i \log \operatorname{softmax}(Z_{i,:})_{y_i} $$
with $W_1 \in \mathbb{R}^{D \times K}$, $b_1 \in \mathbb{R}^K$, $W_2 \in \mathbb{R}^{K \times C}$, $b_2 \in \mathbb{R}^C$. As in the chapter's table of notation, a weight is stored ``(in, out)`` and multiplies from the right, $X W_1$; chapter 2's ``LinearFunction``, like ``nn.Linear``, stores the same map transposed, ``(out, in)``, and writes $x W^T$.
$G_T = \partial L / \partial T$ is the gradient of the loss with respect to a matrix $T$, of the shape of $T$. The backward pass computes these from the loss down to $W_1$, one step per line of the forward pass, with no autograd.
The checks compare it with PyTorch's autograd on one pass, for every intermediate and every parameter (`test_every_gradient_of_the_backward_pass_matches_autograd`), then at every step of a short training run, which ends with the same parameters as ``torch.optim.SGD`` driven by autograd, a lower loss and the points classified (`test_training_by_hand_matches_autograd_at_every_step_and_learns`).
"""
import math
import traceback

import torch
import torch.nn.functional as F


# ## The pieces the earlier pages built
# Three of them, as those pages wrote them. The softmax page's log-softmax, shifted by the largest logit so that nothing overflows, and its gradient of the mean cross-entropy: each row is $p_i - \operatorname{onehot}(y_i)$, and carries $1/N$ of the mean.
def log_softmax(z):
    shifted = z - z.max(dim=-1, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def cross_entropy_gradient(Z, y):
    N, C = Z.shape
    return (torch.exp(log_softmax(Z)) - F.one_hot(y, C).to(Z.dtype)) / N


# The broadcasting page's ``unbroadcast``: a bias is added to every row, so its gradient is the sum of the rows' gradients.
def unbroadcast(grad, shape):
    extra = grad.dim() - len(shape)
    if extra > 0:
        grad = grad.sum(dim=tuple(range(extra)))
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(dim=stretched, keepdim=True)
    return grad


# The elementwise page's ReLU backward: keep the gradient where the input was positive, and pass nothing back at the kink $x = 0$, as PyTorch does, $g \odot \mathbb{1}[x > 0]$.
def relu_backward(grad_output, x):
    return grad_output * (x > 0).to(grad_output.dtype)


# ## The one new rule: a matrix product
# Every layer is a product $Z = V W$ of whatever enters the layer, $V$ ($X$ for the hidden layer, the ReLU output $A$ for the output layer), and a weight, that is $Z_{ij} = \sum_k V_{ik} W_{kj}$. An entry $W_{kj}$ appears in column $j$ of $Z$ with factor $V_{ik}$, and an entry $V_{ik}$ appears in row $i$ with factor $W_{kj}$:
# $$ \frac{\partial L}{\partial W_{kj}} = \sum_i V_{ik} (G_Z)_{ij} = (V^T G_Z)_{kj}, \qquad \frac{\partial L}{\partial V_{ik}} = \sum_j (G_Z)_{ij} W_{kj} = (G_Z W^T)_{ik} $$
# The shapes are a useful reminder: $V^T G_Z$ has the shape of $W$ ($K \times C$ in the output layer), and $G_Z W^T$ that of $V$ ($N \times K$ there; `test_matrix_product_rule`).
def forward(params, X):
    """
    **Forward pass**:
        Returns the logits and what the backward pass needs.
    """
    W1, b1, W2, b2 = params
    H = X @ W1 + b1
    A = torch.relu(H)
    Z = A @ W2 + b2
    return Z, (X, H, A)


def cross_entropy(Z, y):
    return -log_softmax(Z)[torch.arange(len(y)), y].mean()


def backward(params, cache, Z, y):
    r"""
    **Backward pass**:
        From the loss down, each line below is one step of the chain rule. It returns the gradients of the four parameters, then those of $Z$, $A$ and $H$ for the checks.
    """
    W1, b1, W2, b2 = params
    X, H, A = cache
    # The loss, through the softmax: $$ G_Z = \frac{1}{N} \bigl(\operatorname{softmax}(Z) - \operatorname{onehot}(y)\bigr) $$
    G_Z = cross_entropy_gradient(Z, y)
    # The output layer: a matrix product, and a bias broadcast over the rows: $$ G_{W_2} = A^T G_Z, \qquad G_{b_2} = \sum_i (G_Z)_{i,:}, \qquad G_A = G_Z W_2^T $$
    G_W2 = A.T @ G_Z
    G_b2 = unbroadcast(G_Z, b2.shape)
    G_A = G_Z @ W2.T
    # Through the ReLU, elementwise: $$ G_H = G_A \odot \mathbb{1}[H > 0] $$
    G_H = relu_backward(G_A, H)
    # The hidden layer, as the output layer: $$ G_{W_1} = X^T G_H, \qquad G_{b_1} = \sum_i (G_H)_{i,:} $$
    G_W1 = X.T @ G_H
    G_b1 = unbroadcast(G_H, b1.shape)
    return G_W1, G_b1, G_W2, G_b2, G_Z, G_A, G_H


# ## Training
# Gradient descent moves every parameter a small step against its gradient, $\theta \leftarrow \theta - \eta \, G_\theta$.
LEARNING_RATE = 2.0
STEPS = 50


def data(per_class=20, classes=3):
    r"""
    **Three arms of a spiral**, the same on every run: 20 points per class, at radii from 0 to 1, which no straight line separates.
    The first point of each arm is the origin, where every hidden unit starts at ReLU's kink ($H = b_1 = 0$): there the backward pass must pass nothing, as PyTorch does.
    """
    generator = torch.Generator().manual_seed(0)
    r = torch.linspace(0, 1, per_class, dtype=torch.float64).repeat(classes)
    y = torch.arange(classes).repeat_interleave(per_class)
    t = y * (2 * math.pi / classes) + 2.5 * r + 0.2 * torch.randn(len(y), generator=generator, dtype=torch.float64)
    return torch.stack([r * torch.sin(t), r * torch.cos(t)], dim=1), y


# Each weight is drawn with standard deviation $\sqrt{2 / \text{fan\_in}}$, where fan_in is the number of inputs of its layer. A sum of fan_in independent terms has fan_in times their variance, so the $1/\text{fan\_in}$ keeps each unit's input of the same size whatever the width; the ReLU then zeroes half of its inputs, which halves the mean square, and the 2 puts it back. So the mean square of $H$ stays the same from layer to layer, and training starts neither vanishing nor exploding (`test_the_initial_scale_keeps_the_signal_steady`).
def initial_weight(fan_in, fan_out, generator):
    return torch.randn(fan_in, fan_out, generator=generator, dtype=torch.float64) * math.sqrt(2 / fan_in)


def initial_params(hidden=16, inputs=2, classes=3):
    generator = torch.Generator().manual_seed(1)
    zeros = lambda size: torch.zeros(size, dtype=torch.float64)
    return [initial_weight(inputs, hidden, generator), zeros(hidden), initial_weight(hidden, classes, generator), zeros(classes)]


def train_by_hand(params, X, y, check_step=None):
    """
    **The training loop**: forward, backward by hand, step. ``check_step``, when given, sees the parameters and gradients of every step.
    """
    losses = []
    for _ in range(STEPS):
        Z, cache = forward(params, X)
        losses.append(float(cross_entropy(Z, y)))
        grads = backward(params, cache, Z, y)[:4]
        if check_step:
            check_step(params, grads)
        params = [p - LEARNING_RATE * g for p, g in zip(params, grads)]
    return params, losses


def autograd_gradients(params, X, y):
    """
    **The reference**: PyTorch's autograd through ``F.cross_entropy``, on copies of the parameters.
    """
    tensors = [p.clone().requires_grad_(True) for p in params]
    Z, _ = forward(tensors, X)
    return torch.autograd.grad(F.cross_entropy(Z, y), tensors)


def test_matrix_product_rule():
    """
    **Checks**:
        For $Z = V W$ and a random $G_Z$, autograd's gradients are $G_Z W^T$ and $V^T G_Z$.
    """
    torch.manual_seed(0)
    V = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    W = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    G = torch.randn(5, 4, dtype=torch.float64)
    grad_V, grad_W = torch.autograd.grad(V @ W, (V, W), G)
    torch.testing.assert_close(grad_V, G @ W.T, rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(grad_W, V.T @ G, rtol=1e-14, atol=1e-14)


def test_every_gradient_of_the_backward_pass_matches_autograd():
    r"""
    **Checks**:
        One forward and backward pass against autograd's gradients of every parameter and every intermediate ($Z$, $A$, $H$), the points at the kink included; the loss equals ``F.cross_entropy``.
    """
    X, y = data()
    params = initial_params()
    assert (forward(params, X)[1][1] == 0).any(), "the data must put some units at the kink"
    tensors = [p.clone().requires_grad_(True) for p in params]
    H = X @ tensors[0] + tensors[1]
    A = torch.relu(H)
    Z = A @ tensors[2] + tensors[3]
    loss = F.cross_entropy(Z, y)
    expected = torch.autograd.grad(loss, [*tensors, Z, A, H])
    Z_ours, cache = forward(params, X)
    torch.testing.assert_close(cross_entropy(Z_ours, y), loss.detach(), rtol=1e-14, atol=0)
    for name, ours, reference in zip(["W1", "b1", "W2", "b2", "Z", "A", "H"], backward(params, cache, Z_ours, y), expected):
        torch.testing.assert_close(ours, reference, rtol=1e-12, atol=1e-15, msg=lambda message: f"G_{name}: {message}")


def test_training_by_hand_matches_autograd_at_every_step_and_learns():
    """
    **Checks**:
        At each of the 50 steps, the gradients by hand equal autograd's; the run ends with the same parameters as ``torch.optim.SGD`` driven by autograd; the loss has fallen to less than a fifth of where it started, and at least 90% of the points are classified right.
    """
    X, y = data()
    checked = []

    def check_step(params, grads):
        flat = lambda tensors: torch.cat([tensor.flatten() for tensor in tensors])
        torch.testing.assert_close(flat(grads), flat(autograd_gradients(params, X, y)), rtol=1e-12, atol=1e-15)
        checked.append(True)

    params, losses = train_by_hand(initial_params(), X, y, check_step)
    assert len(checked) == STEPS
    tensors = [p.clone().requires_grad_(True) for p in initial_params()]
    optimizer = torch.optim.SGD(tensors, lr=LEARNING_RATE)
    for _ in range(STEPS):
        optimizer.zero_grad()
        F.cross_entropy(forward(tensors, X)[0], y).backward()
        optimizer.step()
    for ours, reference in zip(params, tensors):
        torch.testing.assert_close(ours, reference.detach(), rtol=1e-10, atol=1e-12)
    Z, _ = forward(params, X)
    assert float(cross_entropy(Z, y)) < losses[0] / 5, (losses[0], float(cross_entropy(Z, y)))
    assert (Z.argmax(dim=1) == y).double().mean() >= 0.9


def test_the_pieces_still_do_what_their_pages_proved():
    r"""
    **Checks**:
        Copied here, the pieces keep what their pages proved of them, beyond what this network's small logits and one-dimensional biases exercise: at logits of $\pm 1000$, where a softmax without the shift overflows, the loss and its gradient equal PyTorch's; ``unbroadcast`` reduces a gradient to a column $(3, 1)$ and to a row $(1, 4)$ as autograd does.
    """
    Z = torch.tensor([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0, 2])
    loss = F.cross_entropy(Z, y)
    (expected,) = torch.autograd.grad(loss, Z)
    torch.testing.assert_close(cross_entropy(Z.detach(), y), loss.detach(), rtol=1e-14, atol=0)
    torch.testing.assert_close(cross_entropy_gradient(Z.detach(), y), expected, rtol=1e-14, atol=1e-15)
    torch.manual_seed(0)
    for shape, broadcast_to in ((3, 1), (2, 3, 4)), ((1, 4), (3, 4)):
        small = torch.randn(shape, dtype=torch.float64, requires_grad=True)
        g = torch.randn(broadcast_to, dtype=torch.float64)
        (expected,) = torch.autograd.grad(small + torch.zeros(broadcast_to, dtype=torch.float64), small, g)
        torch.testing.assert_close(unbroadcast(g, small.shape), expected, rtol=1e-14, atol=1e-14)


def test_the_initial_scale_keeps_the_signal_steady():
    r"""
    **Checks**:
        Through three ReLU layers 256 units wide, fed with entries of mean square 1, the mean square of each layer's $H$ stays within 15% of the first one's, which is about 2: $\text{fan\_in} \cdot \frac{2}{\text{fan\_in}} \cdot 1$.
    """
    generator = torch.Generator().manual_seed(2)
    signal = torch.randn(2048, 256, generator=generator, dtype=torch.float64)
    mean_squares = []
    for _ in range(3):
        H = signal @ initial_weight(256, 256, generator)
        mean_squares.append(float((H**2).mean()))
        signal = torch.relu(H)
    assert all(0.85 < later / mean_squares[0] < 1.15 for later in mean_squares), mean_squares
    assert 1.7 < mean_squares[0] < 2.3, mean_squares


def test_wrong_versions_are_rejected():
    r"""
    **Wrong versions the tests reject**:
        Three mistakes a learner makes in this backward pass, one in each piece taken from the earlier pages.
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

    # 1. The mean forgotten: $G_Z = \operatorname{softmax}(Z) - \operatorname{onehot}(y)$ is the gradient of the summed loss, $N$ times too large. Training may even still work, with a step $N$ times too long.
    def of_the_sum(Z, y):
        return torch.exp(log_softmax(Z)) - F.one_hot(y, Z.shape[1]).to(Z.dtype)

    print("1.", rejection(test_every_gradient_of_the_backward_pass_matches_autograd, cross_entropy_gradient=of_the_sum))

    # 2. A bias's gradient as a mean over the batch instead of a sum: $N$ times too small.
    def averages(grad, shape):
        return grad.mean(dim=0)

    print("2.", rejection(test_every_gradient_of_the_backward_pass_matches_autograd, unbroadcast=averages))

    # 3. The ReLU's gate taken with $\geq$: at the kink it passes the gradient on, where PyTorch passes nothing. Only the points at the origin tell.
    def passes_at_the_kink(grad_output, x):
        return grad_output * (x >= 0).to(grad_output.dtype)

    print("3.", rejection(test_every_gradient_of_the_backward_pass_matches_autograd, relu_backward=passes_at_the_kink))


if __name__ == "__main__":
    # Run directly (``python 04_two_layer_network.py``), the file hands itself to pytest, which prints a summary line and exits non-zero if a test failed.
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
