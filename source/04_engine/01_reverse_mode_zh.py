r"""
# 一个张量上的反向模式求导引擎

用一百来行代码实现自动求导：一个记住自己由来的 ``Tensor``，和一个沿着记录倒着走的 ``backward``，并证明它与 ``torch.autograd`` 相等。

第二章讲过 ``backward`` 做什么：它从输出出发，按逆拓扑序沿计算图走回叶子，在每个节点上应用链式法则，把每个节点的份额加到它的输入的梯度上。
这里我们自己造这台机器，把 PyTorch 张量只当作普通数组使用（任何地方都不用 ``requires_grad``）：

- 每个运算都返回一个 ``Tensor``，它记住自己的输入 ``parents``，以及一个闭包 ``_backward``，把输出的梯度变成分给各个输入的份额（就是第三章的反向传播，每个一行）；
- 每份份额都*加*到输入的 ``grad`` 上，因为一个张量被用了两次，就会从每次使用中各得一份；
- 来自被广播的操作数的份额，用第三章的 ``unbroadcast`` 求和还原成它的形状；
- ``backward`` 给节点排序，使每个节点都排在所有用到它的节点之后，然后依次运行它们的闭包。

在 float64 下，这个引擎在第三章的两层网络上（见 `test_two_layer_network_matches_torch`）和随机计算图上（见 `test_random_graphs_match_torch`）都与 ``torch.autograd`` 相等，误差在 $10^{-12}$ 以内。
"""
import random
import traceback

import torch
import torch.nn.functional as F


def unbroadcast(grad, shape):
    """
    **Unbroadcast**：与第三章相同，对广播在前面补出的维度求和，也对从大小 1 拉伸出来的维度求和。
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
    **计算图中的一个值**：``data``（一个 float64 张量）、``grad``（``backward`` 运行之后，最终输出对它的梯度），以及它是怎样算出来的。
    """

    def __init__(self, data, parents=()):
        self.data = torch.as_tensor(data, dtype=torch.float64)
        self.grad = torch.zeros_like(self.data)
        self.parents = parents
        self._backward = lambda: None

    def add_to_grad(self, share):
        # 累加：一个张量被用了两次，就从每次使用中各得一份。
        self.grad += unbroadcast(share, self.data.shape)

    # 每个运算：现在算出值，再留一个闭包，稍后把 ``out.grad`` 的份额传回去。
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
            # 第三章的矩阵乘积法则：$G_A = G_Z W^T$，$G_W = A^T G_Z$。
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
            # 每个被加起来的元素都得到和的梯度：先把约掉的维度放回来，再沿它复制。
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
        **反向传播**：每个节点处理一次，且排在所有用到它的节点之后，按这个顺序应用链式法则。
        """
        self.grad = torch.ones_like(self.data)
        for node in reversed(topological_order(self)):
            node._backward()


def lift(value):
    return value if isinstance(value, Tensor) else Tensor(value)


# ## 拓扑序
# 深度优先遍历在一个节点的所有输入都进入列表之后，才把这个节点加进去：输入排在用到它的节点之前。倒过来，每个节点都排在所有用到它的节点之后，所以等到它的 ``_backward`` 运行时，它的 ``grad`` 已经收齐了所有份额。
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
    **检查**：
        在 $x \odot x + x$ 中 $x$ 被用了三次：它的梯度是三份之和 $2x + 1$。
    """
    x = Tensor([1.0, -2.0, 3.0])
    (x * x + x).sum().backward()
    assert x.grad.tolist() == [3.0, -3.0, 7.0]


def test_a_diamond_waits_for_both_paths():
    r"""
    **检查**：
        在菱形图中，$a = 2x$ 同时流向 $b = 3a$ 和 $c = a^2$，而 $d = b + c$。$a$ 必须等两条路径的份额都到齐，才能把梯度继续往回传：$\partial d / \partial x = 2(3 + 2a)$。
    """
    x = Tensor([0.5, -1.0])
    a = x * 2.0
    d = (a * 3.0 + a**2).sum()
    d.backward()
    assert x.grad.tolist() == [2 * (3 + 2 * 1.0), 2 * (3 + 2 * -2.0)]


def test_powers_other_than_two():
    r"""
    **检查**：
        $\partial x^3 / \partial x = 3x^2$，$\partial \sqrt{x} / \partial x = 1 / (2 \sqrt{x})$：对这些指数，$k x^{k-1}$ 不再只是 $2x$。
    """
    x = Tensor([0.25, 4.0])
    (x**3 + x**0.5).sum().backward()
    assert x.grad.tolist() == [3 * 0.25**2 + 0.5 / 0.25**0.5, 3 * 4.0**2 + 0.5 / 4.0**0.5]


# 第三章的分类器：$H = X W_1 + b_1$，$A = \operatorname{relu}(H)$，$Z = A W_2 + b_2$，再加平均交叉熵，写成 $\log \sum_k e^{Z_{ik}} - Z_{i y_i}$。与第三章的 log-softmax 一样，先减去每行最大的 logit $m$；$m$ 当作常数，因为这个平移不改变损失。它在我们的 ``Tensor`` 和 PyTorch 的张量上都能运行（``onehot`` 即 $\operatorname{onehot}(y)$）。
def two_layer_loss(X, onehot, W1, b1, W2, b2):
    Z = (X @ W1 + b1).relu() @ W2 + b2
    m = Z.data.max(dim=1, keepdim=True).values
    log_sum = (Z - m).exp().sum(dim=1).log() + m[:, 0]
    return (log_sum - (Z * onehot).sum(dim=1)).mean()


def test_two_layer_network_matches_torch():
    """
    **检查**：
        在第三章的分类器上，损失等于 ``F.cross_entropy``，每个参数的梯度都与 ``torch.autograd`` 的相等，误差在 $10^{-12}$ 以内，被广播到整个批次的偏置和处在 ReLU 折点上的单元也不例外。
    """
    torch.manual_seed(0)
    X, y = torch.randn(8, 3, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    params = [torch.randn(shape, dtype=torch.float64) for shape in ((3, 5), (5,), (5, 3), (3,))]
    # 两个隐藏单元在第一行恰好处在 ReLU 的折点上，那里的梯度是 0，与 PyTorch 一致。
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
    **检查**：
        在二十个随机计算图上，叶子张量的形状为 ``(3, 4)``、``(3, 4)``、``(4,)`` 和 ``(3, 1)``，每个叶子的梯度都与 ``torch.autograd`` 的相等，误差在 $10^{-12}$ 以内。
    """
    # 随机计算图：每个新节点对随机挑选的已有节点做一个随机运算，这样分叉、菱形和广播都会出现。
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
    **测试拒绝的错误版本**：
        手写求导引擎的两个经典错误。
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

    # 1. 把 ``+=`` 写成 ``=``：张量的每次使用都覆盖了前一次的份额。
    class Overwrites(Tensor):
        def add_to_grad(self, share):
            self.grad = unbroadcast(share, self.data.shape)

    print("1.", rejection(test_a_fork_accumulates, Tensor=Overwrites))

    # 2. 深度优先遍历，一走到某个节点就对它应用链式法则：在菱形图中，第二条路径的份额还没加上，$a$ 就把梯度传了下去。
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
    # 直接运行本文件（``python 01_reverse_mode_zh.py``）时，它把自己交给 pytest：pytest 打印一行汇总，有测试失败就以非零状态退出。
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
