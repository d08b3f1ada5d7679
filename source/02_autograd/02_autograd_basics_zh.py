r"""
# 自动求导基础：计算图、反向传播，以及梯度的累加

在自己动手写反向传播之前，先看 PyTorch 在计算时记录了什么，``backward`` 又拿这些记录做了什么。

用 ``requires_grad=True`` 创建的张量是*叶子张量*：我们要对它求梯度的变量。对它做的每个运算都会在*计算图*中记下一个节点，即结果张量的 ``grad_fn``；节点知道自己的输入，也知道怎样把梯度传回给它们。
``c.backward()`` 从 $c$ 出发沿计算图走回叶子，顺序是*逆拓扑序*（一个节点要等所有用到它的节点都处理完才处理），在每个节点上应用链式法则，最后把 $\nabla_x c = \partial c / \partial x$ 留在 ``x.grad`` 中，形状与 $x$ 相同。
本章的函数是
$$ c = \sum_{ij} (x_{ij} y_{ij} + z_{ij}) $$
逐个节点应用链式法则：求和把上游梯度传给每个元素；加法把它原样传给两个输入；乘积 $x \odot y$ 传给 $x$ 的是它乘以 $y$，传给 $y$ 的是它乘以 $x$（“加法分发，乘法交换”）。
所以 $\nabla_x c = y$，$\nabla_y c = x$，$\nabla_z c = 1$（见 `test_backward_walks_the_graph_to_the_leaves`）。
"""
import traceback

import pytest
import torch


def function_of_the_chapter(x, y, z):
    return (x * y + z).sum()


def leaves(seed=0):
    """
    **测试数据**：三个形状为 ``(3, 4)`` 的 float64 叶子张量。
    """
    torch.manual_seed(seed)
    return [torch.randn(3, 4, dtype=torch.float64, requires_grad=True) for _ in range(3)]


def test_operations_record_a_graph():
    """
    **检查**：
        叶子张量没有 ``grad_fn``；对它运算得到的每个结果都有一个，名字就是那个运算，它的 ``next_functions`` 一路通回叶子。
        没有设置 ``requires_grad`` 的张量什么也不记录。
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
    **检查**：
        调用 ``c.backward()`` 之后，每个叶子张量的 ``grad`` 就是上面推出的梯度：$y$、$x$ 和全 1。
        中间结果 ``product`` 不是叶子张量，不保留 ``grad``。
    """
    x, y, z = leaves()
    product = x * y
    c = (product + z).sum()
    c.backward()
    assert torch.equal(x.grad, y.detach()) and torch.equal(y.grad, x.detach())
    assert torch.equal(z.grad, torch.ones_like(z))
    with pytest.warns(UserWarning, match="is not a leaf Tensor"):
        assert product.grad is None


# ## 非标量的反向传播：向量–雅可比积
# 输出 $v$ 不是标量时，“它的梯度”是一个雅可比矩阵 $J = \partial v / \partial x$，而 autograd 从不构造它。
# ``v.backward(gradient=u)`` 计算的是向量–雅可比积 $u^\top J$：标量 $\langle u, v \rangle$ 的梯度，就好像 $v$ 被某个损失使用，而损失对 $v$ 的梯度是 $u$。
# 这个 $u$ 就是*上游梯度*，也就是后面各篇每个反向传播中的 ``grad_output``。
def test_backward_of_a_non_scalar_needs_the_upstream_gradient():
    r"""
    **检查**：
        不给 ``gradient`` 时，非标量的 ``backward`` 被拒绝。给了之后，``x.grad`` 就是 $u^\top J$（这里为了对照，构造了完整的雅可比矩阵：对 $v = x \odot x$，它是对角矩阵 $J = \operatorname{diag}(2x)$），
        也等于 $\langle u, v \rangle$ 的梯度。
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


# ## 梯度会累加
# ``backward`` 把梯度*加*到 ``.grad`` 上，从不覆盖它。正因如此，分叉处的梯度才是对的：$x$ 被用了两次时，比如 $x \odot x + x$，每次使用各传回自己的一份，这些份额相加，得到 $2x + 1$。
# 这也是训练循环在每一步之前都要清空梯度的原因：用 ``optimizer.zero_grad()``（它把 ``.grad`` 设为 ``None``）或 ``x.grad = None``；否则这一步用的是本步梯度与之前所有梯度之和。
def test_uses_of_a_tensor_add_up_and_so_do_calls():
    """
    **检查**：
        用一次还是两次，每次使用都有贡献；不清空就再调用一次 ``backward``，``grad`` 会翻倍；``zero_grad`` 把它清空。
        反向传播之后计算图就被释放，除非用 ``retain_graph=True`` 保留。
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


# ## 截断计算图：``no_grad`` 与 ``detach``
# 在 ``with torch.no_grad():`` 之内什么也不记录：结果不需要梯度，适用于评估，或者更新权重本身。
# ``t.detach()`` 是同样的数据，但从计算图上切了下来：对求梯度而言它是常量。所以 $x \odot \operatorname{detach}(x)$ 的梯度是 $x$ 而不是 $2x$：只有第一个因子被求导。
def test_no_grad_and_detach_stop_the_graph():
    """
    **检查**：
        在 ``no_grad`` 之下，结果什么也不记录；``detach`` 与原张量共享存储，不往回传梯度。
    """
    x = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        updated = x * 2
    assert not updated.requires_grad and updated.grad_fn is None
    constant = x.detach()
    assert constant.data_ptr() == x.data_ptr() and not constant.requires_grad
    (x * constant).sum().backward()
    torch.testing.assert_close(x.grad, x.detach(), rtol=0, atol=0)


# ## 一个训练循环
# 每个训练循环都按这个顺序做上面讲的事：先清空梯度（``x.grad = None``，也就是 ``optimizer.zero_grad()`` 做的事），再用 ``backward`` 求梯度，然后在 ``no_grad`` 之下更新，这样更新不被记录，$x$ 仍是叶子张量。
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
    **检查**：
        对 $f(x) = \sum_i (x_i - 3)^2$，梯度是 $2(x - 3)$，步长 $1/4$ 的一步把到 3 的距离减半：从 0 出发走 10 步后，每个元素都是 $3(1 - 2^{-10})$。
    """
    start = torch.zeros(3, dtype=torch.float64)
    found = gradient_descent(lambda x: ((x - 3) ** 2).sum(), start, 0.25, 10)
    torch.testing.assert_close(found, torch.full((3,), 3 * (1 - 0.5**10), dtype=torch.float64), rtol=0, atol=1e-15)


def test_wrong_versions_are_rejected():
    r"""
    **测试拒绝的错误版本**：
        初学者写这个循环时常犯的三个错误。
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

    # 1. 从不清空梯度：每一步用的都是到目前为止所有梯度之和。
    def never_clears(f, x, rate, steps):
        x = x.detach().clone().requires_grad_(True)
        for _ in range(steps):
            f(x).backward()
            with torch.no_grad():
                x -= rate * x.grad
        return x.detach()

    print("1.", rejection(test_gradient_descent_clears_and_steps_outside_the_graph, gradient_descent=never_clears))

    # 2. 在 ``no_grad`` 之外更新：记录计算图时，autograd 不允许原地修改叶子张量。
    def steps_in_the_graph(f, x, rate, steps):
        x = x.detach().clone().requires_grad_(True)
        for _ in range(steps):
            x.grad = None
            f(x).backward()
            x -= rate * x.grad
        return x.detach()

    print("2.", rejection(test_gradient_descent_clears_and_steps_outside_the_graph, gradient_descent=steps_in_the_graph))

    # 3. ``x = x - rate * x.grad``：新的 $x$ 是运算结果而不是叶子张量，下一步拿不到 ``grad``。
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
    # 直接运行本文件（``python 02_autograd_basics_zh.py``）时，它把自己交给 pytest：pytest 打印一行汇总，有测试失败就以非零状态退出。
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
