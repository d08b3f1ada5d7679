r"""
# 手动训练一个两层网络

把前面的内容合在一起：一个只有一个隐藏层的网络，用矩阵乘法写出它的反向传播，再用它做梯度下降。
数据是 $N$ 行的一批 $X \in \mathbb{R}^{N \times D}$，目标为 $Y \in \mathbb{R}^{N \times M}$。网络及其损失（对全部 $NM$ 个元素取均方误差）是：
$$ H = X W_1 + b_1, \qquad A = \tanh H, \qquad \hat{Y} = A W_2 + b_2, \qquad L = \frac{1}{NM} \sum_{i,j} (\hat{Y}_{ij} - Y_{ij})^2 $$
其中 $W_1 \in \mathbb{R}^{D \times K}$，$b_1 \in \mathbb{R}^K$，$W_2 \in \mathbb{R}^{K \times M}$，$b_2 \in \mathbb{R}^M$。
注意这里的约定：权重按 ``(in, out)`` 存储，从右边相乘，即 $X W_1$。第二章的 ``LinearFunction`` 与 ``nn.Linear`` 一样，存储的是同一个映射的转置 ``(out, in)``，写作 $x W^T$。
记 $G_T = \partial L / \partial T$ 为损失对矩阵 $T$ 的梯度，它与 $T$ 同形。反向传播从损失开始往下，一直算到 $W_1$，前向传播的每一行对应其中一步。
同一份代码既能处理 NumPy 数组，也能处理 PyTorch 张量。检查先就一次前向传播的每个中间量，把两条路径都与 PyTorch 的 autograd 比较一次（见 `test_every_gradient_of_the_backward_pass_matches_autograd`）；再在一次简短的训练中，每一步都把 NumPy 路径与 autograd 比较，并把训练结束时的参数与由 autograd 驱动的 ``torch.optim.SGD`` 比较（见 `test_training_by_hand_matches_autograd_and_lowers_the_loss`）。
"""
import traceback

import numpy as np
import torch
import torch.nn.functional as F


# ## 唯一的规则：矩阵乘法
# 每一层都是乘积 $Z = A W$，其中 $A$ 是进入这一层的东西（隐藏层是 $X$，输出层是 tanh 的输出 $A$），即 $Z_{ij} = \sum_k A_{ik} W_{kj}$。元素 $W_{kj}$ 出现在 $Z$ 的第 $j$ 列，系数是 $A_{ik}$；元素 $A_{ik}$ 出现在第 $i$ 行，系数是 $W_{kj}$：
# $$ \frac{\partial L}{\partial W_{kj}} = \sum_i A_{ik} (G_Z)_{ij} = (A^T G_Z)_{kj}, \qquad \frac{\partial L}{\partial A_{ik}} = \sum_j (G_Z)_{ij} W_{kj} = (G_Z W^T)_{ik} $$
# 形状可以帮助记忆：$A^T G_Z$ 是 $K \times M$，与 $W$ 相同；$G_Z W^T$ 是 $N \times K$，与 $A$ 相同（见 `test_matrix_product_rule`）。
def forward(params, X):
    """
    **前向传播**：
        返回预测值，以及反向传播要用的量；NumPy 数组和 PyTorch 张量都适用。
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
    **反向传播**：
        从损失往下，下面每一行都是链式法则的一步。它返回各参数的梯度，以及供检查用的 $\hat{Y}$、$A$、$H$ 的梯度。
    """
    W1, b1, W2, b2 = params
    X, A = cache
    N, M = Y.shape
    # 损失是 $NM$ 个平方的平均：$$ G_{\hat{Y}} = \frac{2}{NM} (\hat{Y} - Y) $$
    G_Y_hat = 2 * (Y_hat - Y) / (N * M)
    # 输出层是矩阵乘积加上沿行广播的偏置，偏置的梯度要沿行求和（见讲广播的一篇）：$$ G_{W_2} = A^T G_{\hat{Y}}, \qquad G_{b_2} = \sum_i (G_{\hat{Y}})_{i,:}, \qquad G_A = G_{\hat{Y}} W_2^T $$
    G_W2 = A.T @ G_Y_hat
    G_b2 = G_Y_hat.sum(0)
    G_A = G_Y_hat @ W2.T
    # 逐元素穿过 tanh，$\tanh' = 1 - \tanh^2$ 直接用保存的输出 $A$ 来写：$$ G_H = G_A \odot (1 - A \odot A) $$
    G_H = G_A * (1 - A * A)
    # 隐藏层与输出层同理：$$ G_{W_1} = X^T G_H, \qquad G_{b_1} = \sum_i (G_H)_{i,:} $$
    G_W1 = X.T @ G_H
    G_b1 = G_H.sum(0)
    return (G_W1, G_b1, G_W2, G_b2), (G_Y_hat, G_A, G_H)


# ## 训练
# 梯度下降让每个参数沿梯度的反方向走一小步：$\theta \leftarrow \theta - \eta \, G_\theta$。
LEARNING_RATE = 0.3
STEPS = 150


def data():
    """
    **一个小型合成数据集**，每次运行都相同：正方形 $[-1, 1]^2$ 中的 64 个点，以及两个光滑的目标函数。
    """
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(64, 2))
    Y = np.stack([np.sin(3 * X[:, 0]) * np.cos(2 * X[:, 1]), X[:, 0] * X[:, 1]], axis=1)
    return X, Y


# 每个权重的标准差取 $1/\sqrt{\text{fan\_in}}$，fan_in 是这一层的输入个数：fan_in 项之和的方差是每项方差的 fan_in 倍，所以无论网络多宽，每个单元的输入都保持在 1 的量级，tanh 一开始既不平坦也不饱和。
def initial_params(hidden=16):
    rng = np.random.default_rng(1)
    return [rng.normal(0, 1 / np.sqrt(2), (2, hidden)), np.zeros(hidden), rng.normal(0, 1 / np.sqrt(hidden), (hidden, 2)), np.zeros(2)]


def train_by_hand(params, X, Y, check_step=None):
    """
    **训练循环**：前向传播、手写的反向传播、更新一步。若给出 ``check_step``，每一步的参数和梯度都会交给它检查。
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
    **参照**：在参数的 float64 副本上，用 PyTorch 的 autograd 对 ``F.mse_loss`` 求梯度。
    """
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    Y_hat, _ = forward(tensors, torch.tensor(X))
    loss = F.mse_loss(Y_hat, torch.tensor(Y))
    return torch.autograd.grad(loss, tensors)


def test_matrix_product_rule():
    """
    **检查**：
        对 $Z = A W$ 和随机的 $G_Z$，autograd 求出的梯度正是 $G_Z W^T$ 与 $A^T G_Z$。
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
    **检查**：
        用 NumPy、以及不借助 autograd 的 PyTorch，各做一次前向和反向传播，与 autograd 对每个中间量（$\hat{Y}$、$A$、$H$）和每个参数的梯度比较。
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
    **检查**：
        150 步中的每一步，手写的梯度都等于 autograd 的；训练结束时的参数与由 autograd 驱动的 ``torch.optim.SGD`` 相同，损失降到了初始值的三分之一以下。
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
    **测试拒绝的错误版本**：
        初学者写这个反向传播时常犯的两个错误。
        每个错误版本都替换掉正确的代码，再交给为它指定的测试运行，那个测试必须失败；它在本次构建中给出的信息打印在本页下方。
    """

    def rejection(test, **replaced):
        """``replaced`` 替换本页的同名对象时，``test`` 失败给出的信息。"""
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

    # 1. 丢了平方求导得到的 2，$G_{\hat{Y}} = (\hat{Y} - Y)/NM$：每个梯度都只有一半大，训练照样能进行，只是更慢。
    def without_the_two(params, cache, Y_hat, Y):
        grads, intermediates = right(params, cache, Y_hat, Y)
        return tuple(G / 2 for G in grads), tuple(G / 2 for G in intermediates)

    print("1.", rejection(test_every_gradient_of_the_backward_pass_matches_autograd, backward=without_the_two))

    # 2. 忘了转置，$G_A = G_{\hat{Y}} W_2$：形状对不上，这正是把形状写下来的价值。
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
    # 直接运行本文件（``python 04_two_layer_network_zh.py``）时，它把自己交给 pytest：打印一行汇总，有测试失败就以非零状态退出。
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
