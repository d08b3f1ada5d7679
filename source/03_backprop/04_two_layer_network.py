r"""
# A two-layer network trained by hand

Everything so far, put together: a network with one hidden layer, its backward pass written as matrix products, and gradient descent that uses it.
The data is a batch of $N$ rows, $X \in \mathbb{R}^{N \times D}$, with targets $Y \in \mathbb{R}^{N \times M}$. The network and its loss, the mean squared error over all $NM$ entries, are
$$ H = X W_1 + b_1, \qquad A = \tanh H, \qquad \hat{Y} = A W_2 + b_2, \qquad L = \frac{1}{NM} \sum_{i,j} (\hat{Y}_{ij} - Y_{ij})^2 $$
with $W_1 \in \mathbb{R}^{D \times K}$, $b_1 \in \mathbb{R}^K$, $W_2 \in \mathbb{R}^{K \times M}$, $b_2 \in \mathbb{R}^M$.
Note the convention: a weight is stored ``(in, out)`` and multiplies from the right, $X W_1$. Chapter 2's ``LinearFunction``, like ``nn.Linear``, stores the same map transposed, ``(out, in)``, and writes $x W^T$.
Write $G_T = \partial L / \partial T$ for the gradient of the loss with respect to a matrix $T$; it has the shape of $T$. The backward pass computes these from the loss down to $W_1$, one step per line of the forward pass.
The same code runs on NumPy arrays and on PyTorch tensors. The checks compare both paths with PyTorch's autograd once, for every intermediate of one pass (`test_every_gradient_of_the_backward_pass_matches_autograd`); then, over a short training run, the NumPy path at every step, and where the run ends against ``torch.optim.SGD`` driven by autograd (`test_training_by_hand_matches_autograd_and_lowers_the_loss`).
"""
import traceback

import numpy as np
import torch
import torch.nn.functional as F


# ## The one rule: a matrix product
# Every layer is a product $Z = A W$, where $A$ is whatever enters the layer ($X$ for the hidden layer, the tanh output $A$ for the output layer), that is $Z_{ij} = \sum_k A_{ik} W_{kj}$. An entry $W_{kj}$ appears in column $j$ of $Z$ with factor $A_{ik}$, and an entry $A_{ik}$ appears in row $i$ with factor $W_{kj}$:
# $$ \frac{\partial L}{\partial W_{kj}} = \sum_i A_{ik} (G_Z)_{ij} = (A^T G_Z)_{kj}, \qquad \frac{\partial L}{\partial A_{ik}} = \sum_j (G_Z)_{ij} W_{kj} = (G_Z W^T)_{ik} $$
# The shapes are a useful reminder: $A^T G_Z$ is $K \times M$ like $W$, and $G_Z W^T$ is $N \times K$ like $A$ (`test_matrix_product_rule`).
def forward(params, X):
    """
    **Forward pass**:
        Returns the prediction and what the backward pass needs; works on NumPy arrays and on PyTorch tensors alike.
    """
    W1, b1, W2, b2 = params
    tanh = torch.tanh if isinstance(X, torch.Tensor) else np.tanh
    H = X @ W1 + b1
    A = tanh(H)
    Y_hat = A @ W2 + b2
    return Y_hat, (X, A)


def mse(Y_hat, Y):
    return ((Y_hat - Y) ** 2).mean()


def backward(params, cache, Y_hat, Y):
    r"""
    **Backward pass**:
        From the loss down, each line below is one step of the chain rule. It returns the gradients of the parameters, and those of $\hat{Y}$, $A$ and $H$ for the checks.
    """
    W1, b1, W2, b2 = params
    X, A = cache
    N, M = Y.shape
    # The loss is a mean of $NM$ squares: $$ G_{\hat{Y}} = \frac{2}{NM} (\hat{Y} - Y) $$
    G_Y_hat = 2 * (Y_hat - Y) / (N * M)
    # The output layer is a matrix product plus a bias broadcast over the rows, whose gradient is summed over them (see the broadcasting tutorial): $$ G_{W_2} = A^T G_{\hat{Y}}, \qquad G_{b_2} = \sum_i (G_{\hat{Y}})_{i,:}, \qquad G_A = G_{\hat{Y}} W_2^T $$
    G_W2 = A.T @ G_Y_hat
    G_b2 = G_Y_hat.sum(0)
    G_A = G_Y_hat @ W2.T
    # Through tanh, elementwise, with $\tanh' = 1 - \tanh^2$ written with the saved output $A$: $$ G_H = G_A \odot (1 - A \odot A) $$
    G_H = G_A * (1 - A * A)
    # The hidden layer, as the output layer: $$ G_{W_1} = X^T G_H, \qquad G_{b_1} = \sum_i (G_H)_{i,:} $$
    G_W1 = X.T @ G_H
    G_b1 = G_H.sum(0)
    return (G_W1, G_b1, G_W2, G_b2), (G_Y_hat, G_A, G_H)


# ## Training
# Gradient descent moves every parameter a small step against its gradient, $\theta \leftarrow \theta - \eta \, G_\theta$.
LEARNING_RATE = 0.3
STEPS = 150


def data():
    """
    **A small synthetic dataset**, the same on every run: 64 points of the square $[-1, 1]^2$ and two smooth targets.
    """
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(64, 2))
    Y = np.stack([np.sin(3 * X[:, 0]) * np.cos(2 * X[:, 1]), X[:, 0] * X[:, 1]], axis=1)
    return X, Y


# Each weight is drawn with standard deviation $1/\sqrt{\text{fan\_in}}$, the number of inputs of its layer: a sum of fan_in terms has fan_in times their variance, so each unit's input stays of order 1 whatever the width, and tanh starts neither flat nor saturated.
def initial_params(hidden=16):
    rng = np.random.default_rng(1)
    return [rng.normal(0, 1 / np.sqrt(2), (2, hidden)), np.zeros(hidden), rng.normal(0, 1 / np.sqrt(hidden), (hidden, 2)), np.zeros(2)]


def train_by_hand(params, X, Y, check_step=None):
    """
    **The training loop**: forward, backward by hand, step. ``check_step``, when given, sees the parameters and gradients of every step.
    """
    losses = []
    for _ in range(STEPS):
        Y_hat, cache = forward(params, X)
        losses.append(float(mse(Y_hat, Y)))
        grads, _ = backward(params, cache, Y_hat, Y)
        if check_step:
            check_step(params, grads)
        params = [p - LEARNING_RATE * g for p, g in zip(params, grads)]
    return params, losses


def autograd_gradients(params, X, Y):
    """
    **The reference**: PyTorch's autograd through ``F.mse_loss``, on float64 copies of the parameters.
    """
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    Y_hat, _ = forward(tensors, torch.tensor(X))
    loss = F.mse_loss(Y_hat, torch.tensor(Y))
    return torch.autograd.grad(loss, tensors)


def test_matrix_product_rule():
    """
    **Checks**:
        For $Z = A W$ and a random $G_Z$, autograd's gradients are $G_Z W^T$ and $A^T G_Z$.
    """
    torch.manual_seed(0)
    A = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    W = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    G = torch.randn(5, 4, dtype=torch.float64)
    grad_A, grad_W = torch.autograd.grad(A @ W, (A, W), G)
    torch.testing.assert_close(grad_A, G @ W.T, rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(grad_W, A.T @ G, rtol=1e-14, atol=1e-14)


def test_every_gradient_of_the_backward_pass_matches_autograd():
    r"""
    **Checks**:
        One forward and backward pass, in NumPy and in PyTorch without autograd, against autograd's gradients of every intermediate ($\hat{Y}$, $A$, $H$) and every parameter.
    """
    X, Y = data()
    params = initial_params()
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    H = torch.tensor(X) @ tensors[0] + tensors[1]
    A = torch.tanh(H)
    Y_hat = A @ tensors[2] + tensors[3]
    expected = torch.autograd.grad(F.mse_loss(Y_hat, torch.tensor(Y)), [*tensors, Y_hat, A, H])
    Y_hat_np, cache = forward(params, X)
    grads, intermediates = backward(params, cache, Y_hat_np, Y)
    np.testing.assert_allclose(mse(Y_hat_np, Y), F.mse_loss(Y_hat, torch.tensor(Y)).item(), rtol=1e-14)
    Y_hat_torch, cache_torch = forward([torch.tensor(p) for p in params], torch.tensor(X))
    grads_torch, intermediates_torch = backward([torch.tensor(p) for p in params], cache_torch, Y_hat_torch, torch.tensor(Y))
    for ours, ours_torch, reference in zip([*grads, *intermediates], [*grads_torch, *intermediates_torch], expected):
        np.testing.assert_allclose(ours, reference.numpy(), rtol=1e-12, atol=1e-15)
        torch.testing.assert_close(ours_torch, reference, rtol=1e-12, atol=1e-15)


def test_training_by_hand_matches_autograd_and_lowers_the_loss():
    """
    **Checks**:
        At each of the 150 steps, the hand-written gradients equal autograd's; the run ends with the same parameters as ``torch.optim.SGD`` driven by autograd, and the loss has fallen to less than a third of where it started.
    """
    X, Y = data()

    def check_step(params, grads):
        expected = autograd_gradients(params, X, Y)
        for ours, reference in zip(grads, expected):
            np.testing.assert_allclose(ours, reference.numpy(), rtol=1e-10, atol=1e-14)

    params, losses = train_by_hand(initial_params(), X, Y, check_step)
    tensors = [torch.tensor(p, requires_grad=True) for p in initial_params()]
    optimizer = torch.optim.SGD(tensors, lr=LEARNING_RATE)
    for _ in range(STEPS):
        optimizer.zero_grad()
        Y_hat, _ = forward(tensors, torch.tensor(X))
        F.mse_loss(Y_hat, torch.tensor(Y)).backward()
        optimizer.step()
    for ours, reference in zip(params, tensors):
        np.testing.assert_allclose(ours, reference.detach().numpy(), rtol=1e-9, atol=1e-12)
    final = float(mse(forward(params, X)[0], Y))
    assert final < losses[0] / 3, (losses[0], final)
    assert all(later < earlier for earlier, later in zip(losses[::10], losses[10::10]))


def test_wrong_versions_are_rejected():
    r"""
    **Wrong versions the tests reject**:
        Two mistakes a learner makes in this backward pass.
        Each is put in place of the right code and run against the test named for it, which must fail; the test's message, from this build, is printed below the page.
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

    right = backward

    # 1. The 2 of the square's derivative dropped, $G_{\hat{Y}} = (\hat{Y} - Y)/NM$: every gradient comes out half as large, and training still works, only slower.
    def without_the_two(params, cache, Y_hat, Y):
        grads, intermediates = right(params, cache, Y_hat, Y)
        return tuple(G / 2 for G in grads), tuple(G / 2 for G in intermediates)

    print("1.", rejection(test_every_gradient_of_the_backward_pass_matches_autograd, backward=without_the_two))

    # 2. A transpose forgotten, $G_A = G_{\hat{Y}} W_2$: the shapes do not fit, which is why writing them down is worth it.
    def untransposed(params, cache, Y_hat, Y):
        W1, b1, W2, b2 = params
        X, A = cache
        N, M = Y.shape
        G_Y_hat = 2 * (Y_hat - Y) / (N * M)
        G_A = G_Y_hat @ W2
        G_H = G_A * (1 - A * A)
        return (X.T @ G_H, G_H.sum(0), A.T @ G_Y_hat, G_Y_hat.sum(0)), (G_Y_hat, G_A, G_H)

    print("2.", rejection(test_every_gradient_of_the_backward_pass_matches_autograd, backward=untransposed))


if __name__ == "__main__":
    # Run directly (``python 04_two_layer_network.py``), the file hands itself to pytest, which prints a summary line and exits non-zero if a test failed.
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
