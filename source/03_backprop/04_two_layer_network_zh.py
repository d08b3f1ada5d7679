r"""
# 手动训练一个两层分类器

把前面的内容合在一起：[《逐元素函数》](01_elementwise_zh.py)一篇的 ReLU、[《反向传播中的广播与归约》](02_broadcasting_backward_zh.py)一篇的 ``unbroadcast``，以及[《Softmax 与交叉熵》](03_softmax_cross_entropy_zh.py)一篇的交叉熵，组成一个只有一个隐藏层的分类器；它的反向传播由我们手写，再用来做梯度下降。
数据是 $N$ 个点组成的一批 $X \in \mathbb{R}^{N \times D}$，每个点有一个标签 $y_i \in \{0, \dots, C-1\}$。网络为每个点给出 $C$ 个 logits，损失是交叉熵的平均值：
$$ H = X W_1 + b_1, \qquad A = \operatorname{relu}(H), \qquad Z = A W_2 + b_2, \qquad L = -\frac{1}{N} \sum_i \log \operatorname{softmax}(Z_{i,:})_{y_i} $$
其中 $W_1 \in \mathbb{R}^{D \times K}$，$b_1 \in \mathbb{R}^K$，$W_2 \in \mathbb{R}^{K \times C}$，$b_2 \in \mathbb{R}^C$。与本章的记号表一致，权重按 ``(in, out)`` 存储，从右边相乘，即 $X W_1$；第二章的 ``LinearFunction`` 与 ``nn.Linear`` 一样，存储的是同一个映射的转置 ``(out, in)``，写作 $x W^T$。
$G_T = \partial L / \partial T$ 是损失对矩阵 $T$ 的梯度，与 $T$ 同形。反向传播从损失开始往下，一直算到 $W_1$，前向传播的每一行对应其中一步，全程不用 autograd。
检查先在一次前向和反向传播上，把每个中间量和每个参数的梯度与 PyTorch 的 autograd 比较（见 `test_every_gradient_of_the_backward_pass_matches_autograd`）；再在一次简短训练的每一步都与 autograd 比较，训练结束时的参数与由 autograd 驱动的 ``torch.optim.SGD`` 相同，损失更低，各点也分对了类（见 `test_training_by_hand_matches_autograd_at_every_step_and_learns`）。
"""
import math
import traceback

import torch
import torch.nn.functional as F


# ## 前面几篇搭好的部件
# 一共三个，照那几篇的原样写出。softmax 一篇的 log-softmax，先减去最大的 logit，所以不会溢出；以及平均交叉熵的梯度：每一行是 $p_i - \operatorname{onehot}(y_i)$，并带上平均值中它所占的 $1/N$。
def log_softmax(z):
    shifted = z - z.max(dim=-1, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def cross_entropy_gradient(Z, y):
    N, C = Z.shape
    return (torch.exp(log_softmax(Z)) - F.one_hot(y, C).to(Z.dtype)) / N


# 讲广播的一篇的 ``unbroadcast``：偏置加到了每一行上，所以它的梯度是各行梯度之和。
def unbroadcast(grad, shape):
    extra = grad.dim() - len(shape)
    if extra > 0:
        grad = grad.sum(dim=tuple(range(extra)))
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(dim=stretched, keepdim=True)
    return grad


# 逐元素函数一篇的 ReLU 反向传播：输入为正的地方保留梯度，在折点 $x = 0$ 处什么也不传回，与 PyTorch 一致，即 $g \odot \mathbb{1}[x > 0]$。
def relu_backward(grad_output, x):
    return grad_output * (x > 0).to(grad_output.dtype)


# ## 唯一的新规则：矩阵乘法
# 每一层都是进入这一层的东西 $V$（隐藏层是 $X$，输出层是 ReLU 的输出 $A$）与一个权重的乘积 $Z = V W$，即 $Z_{ij} = \sum_k V_{ik} W_{kj}$。元素 $W_{kj}$ 出现在 $Z$ 的第 $j$ 列，系数是 $V_{ik}$；元素 $V_{ik}$ 出现在第 $i$ 行，系数是 $W_{kj}$：
# $$ \frac{\partial L}{\partial W_{kj}} = \sum_i V_{ik} (G_Z)_{ij} = (V^T G_Z)_{kj}, \qquad \frac{\partial L}{\partial V_{ik}} = \sum_j (G_Z)_{ij} W_{kj} = (G_Z W^T)_{ik} $$
# 形状可以帮助记忆：$V^T G_Z$ 与 $W$ 同形（在输出层中为 $K \times C$），$G_Z W^T$ 与 $V$ 同形（在那里为 $N \times K$；见 `test_matrix_product_rule`）。
def forward(params, X):
    """
    **前向传播**：
        返回 logits，以及反向传播要用的量。
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
    **反向传播**：
        从损失往下，下面每一行都是链式法则的一步。它返回四个参数的梯度，然后是供检查用的 $Z$、$A$、$H$ 的梯度。
    """
    W1, b1, W2, b2 = params
    X, H, A = cache
    # 损失，经过 softmax：$$ G_Z = \frac{1}{N} \bigl(\operatorname{softmax}(Z) - \operatorname{onehot}(y)\bigr) $$
    G_Z = cross_entropy_gradient(Z, y)
    # 输出层：一个矩阵乘积，加上沿行广播的偏置：$$ G_{W_2} = A^T G_Z, \qquad G_{b_2} = \sum_i (G_Z)_{i,:}, \qquad G_A = G_Z W_2^T $$
    G_W2 = A.T @ G_Z
    G_b2 = unbroadcast(G_Z, b2.shape)
    G_A = G_Z @ W2.T
    # 逐元素穿过 ReLU：$$ G_H = G_A \odot \mathbb{1}[H > 0] $$
    G_H = relu_backward(G_A, H)
    # 隐藏层与输出层同理：$$ G_{W_1} = X^T G_H, \qquad G_{b_1} = \sum_i (G_H)_{i,:} $$
    G_W1 = X.T @ G_H
    G_b1 = unbroadcast(G_H, b1.shape)
    return G_W1, G_b1, G_W2, G_b2, G_Z, G_A, G_H


# ## 训练
# 梯度下降让每个参数沿梯度的反方向走一小步：$\theta \leftarrow \theta - \eta \, G_\theta$。
LEARNING_RATE = 2.0
STEPS = 50


def data(per_class=20, classes=3):
    r"""
    **螺旋的三条臂**，每次运行都相同：每类 20 个点，半径从 0 到 1，没有哪条直线能把它们分开。
    每条臂的第一个点都是原点，在那里每个隐藏单元一开始都处在 ReLU 的折点上（$H = b_1 = 0$）：反向传播在那里必须什么也不传回，与 PyTorch 一致。
    """
    generator = torch.Generator().manual_seed(0)
    r = torch.linspace(0, 1, per_class, dtype=torch.float64).repeat(classes)
    y = torch.arange(classes).repeat_interleave(per_class)
    t = y * (2 * math.pi / classes) + 2.5 * r + 0.2 * torch.randn(len(y), generator=generator, dtype=torch.float64)
    return torch.stack([r * torch.sin(t), r * torch.cos(t)], dim=1), y


# 每个权重的标准差取 $\sqrt{2 / \text{fan\_in}}$，fan_in 是这一层的输入个数。fan_in 个独立项之和的方差是每项方差的 fan_in 倍，所以 $1/\text{fan\_in}$ 让每个单元的输入无论网络多宽都保持同样大小；ReLU 随后把一半的输入置零，均方减半，而那个 2 把它补回来。于是 $H$ 的均方逐层保持不变，训练开始时信号既不消失也不爆炸（见 `test_the_initial_scale_keeps_the_signal_steady`）。
def initial_weight(fan_in, fan_out, generator):
    return torch.randn(fan_in, fan_out, generator=generator, dtype=torch.float64) * math.sqrt(2 / fan_in)


def initial_params(hidden=16, inputs=2, classes=3):
    generator = torch.Generator().manual_seed(1)
    zeros = lambda size: torch.zeros(size, dtype=torch.float64)
    return [initial_weight(inputs, hidden, generator), zeros(hidden), initial_weight(hidden, classes, generator), zeros(classes)]


def train_by_hand(params, X, y, check_step=None):
    """
    **训练循环**：前向传播、手写的反向传播、更新一步。若给出 ``check_step``，每一步的参数和梯度都会交给它检查。
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
    **参照**：在参数的副本上，用 PyTorch 的 autograd 经过 ``F.cross_entropy`` 求梯度。
    """
    tensors = [p.clone().requires_grad_(True) for p in params]
    Z, _ = forward(tensors, X)
    return torch.autograd.grad(F.cross_entropy(Z, y), tensors)


def test_matrix_product_rule():
    """
    **检查**：
        对 $Z = V W$ 和随机的 $G_Z$，autograd 求出的梯度正是 $G_Z W^T$ 与 $V^T G_Z$。
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
    **检查**：
        一次前向和反向传播，与 autograd 对每个参数和每个中间量（$Z$、$A$、$H$）的梯度比较，折点上的点也包括在内；损失等于 ``F.cross_entropy``。
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
    **检查**：
        50 步中的每一步，手写的梯度都等于 autograd 的；训练结束时的参数与由 autograd 驱动的 ``torch.optim.SGD`` 相同；损失降到了初始值的五分之一以下，至少 90% 的点分类正确。
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
    **检查**：
        抄到这里的部件，仍然具有它们那几篇所证明的性质，包括这个网络较小的 logits 和一维偏置用不到的部分：在 logits 为 $\pm 1000$ 时（不减最大值的 softmax 在这里会溢出），损失及其梯度等于 PyTorch 的；``unbroadcast`` 把梯度约化成列 $(3, 1)$ 和行 $(1, 4)$，结果与 autograd 相同。
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
    **检查**：
        输入各元素的均方为 1，经过三层各 256 个单元的 ReLU 层，每一层 $H$ 的均方与第一层的相差不超过 15%，而第一层的约为 2：$\text{fan\_in} \cdot \frac{2}{\text{fan\_in}} \cdot 1$。
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
    **测试拒绝的错误版本**：
        初学者写这个反向传播时常犯的三个错误，从前面几篇取来的每个部件各一个。
        每个错误版本都替换掉正确的代码，再交给为它指定的测试运行，那个测试必须失败；它在本次构建中给出的信息打印在这个测试的代码下方。
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

    # 1. 忘了取平均：$G_Z = \operatorname{softmax}(Z) - \operatorname{onehot}(y)$ 是损失之和的梯度，大了 $N$ 倍。训练甚至可能照样能进行，只是每步长了 $N$ 倍。
    def of_the_sum(Z, y):
        return torch.exp(log_softmax(Z)) - F.one_hot(y, Z.shape[1]).to(Z.dtype)

    print("1.", rejection(test_every_gradient_of_the_backward_pass_matches_autograd, cross_entropy_gradient=of_the_sum))

    # 2. 偏置的梯度沿批次取了平均而不是求和：小了 $N$ 倍。
    def averages(grad, shape):
        return grad.mean(dim=0)

    print("2.", rejection(test_every_gradient_of_the_backward_pass_matches_autograd, unbroadcast=averages))

    # 3. ReLU 的门用了 $\geq$：在折点上它把梯度传了下去，而 PyTorch 什么也不传。只有原点上的那些点能看出差别。
    def passes_at_the_kink(grad_output, x):
        return grad_output * (x >= 0).to(grad_output.dtype)

    print("3.", rejection(test_every_gradient_of_the_backward_pass_matches_autograd, relu_backward=passes_at_the_kink))


if __name__ == "__main__":
    # 直接运行本文件（``python 04_two_layer_network_zh.py``）时，它把自己交给 pytest：打印一行汇总，有测试失败就以非零状态退出。
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
