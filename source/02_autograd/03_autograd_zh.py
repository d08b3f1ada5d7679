r"""
# PyTorch 自动求导与自定义可导函数

PyTorch 如何为我们求导，如何手动求导，以及如何为一个函数写出自己的反向传播。

本文档主要包括:
- 使用 PyTorch 定义一个可求导函数的方法
- 使用 Numpy 手动计算导数的方法
- 使用 PyTorch 自动计算导数的方法
本文档用于求导的函数示例是:
$$ c = \sum x * y + z $$
即 $c = \sum_{ij} (x_{ij} y_{ij} + z_{ij})$：对 $x \odot y + z$ 的每个元素求和，其中 $\odot$（代码中的 ``*``）表示逐元素相乘。
本文档还将介绍利用在 PyTorch 中自定义可导函数的方法。
通过继承 ``torch.autograd.Function`` <link https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function link>,用户可以通过重写其中的前向传播、反向传播函数,自定义一个可导的函数
我们将以一个标准的线性函数为例进行介绍:
$$output = input \cdot weight^T + bias$$
下文的每个结论都由本页的测试证明：前向与反向传播见 `test_linear_function` 和 `test_linear_function_matches_torch_linear`，返回 ``None`` 的梯度见 `test_inputs_without_grad_get_none`，用有限差分检验反向传播见 `test_gradcheck`，用 NumPy 手算的梯度见 `test_auto_grad`。
"""
import numpy as np
import torch.nn as nn
import torch
from torch.autograd import Function
from copy import deepcopy
from types import SimpleNamespace
import traceback


class LinearFunction(Function):
    r"""
    **LinearFunction 定义概述**：
        这是一个线性的可导函数,等价于神经网络中的线性层(全连接层)。公式是:
        $$output = input \cdot weight^T + bias$$
    """

    @staticmethod
    def forward(ctx, input_, weight, bias):
        """
        **forward 函数功能概述**：
            线性函数的前向传播计算过程。
        """
        # 保存参数,用于后续反向传播。
        # （这里保存的是 ``forward`` 的两个输入 ``input_`` 和 ``weight``。）
        ctx.save_for_backward(input_, weight)
        # 前向传播: $$output = input \cdot weight^T + bias$$
        output = input_.mm(weight.t())
        output += bias
        return output

    @staticmethod
    def backward(ctx, grad_output):
        r"""
        **backward 函数功能概述**：
            线性函数的反向传播计算过程。
            每个输出元素是 $output_{nj} = \sum_k input_{nk} \, weight_{jk} + bias_j$，所以它对 $input_{nk}$ 的斜率是 $weight_{jk}$，对 $weight_{jk}$ 的斜率是 $input_{nk}$。
            链式法则对每个输入元素，把它影响到的所有输出元素加起来：这就得到下面的三个乘积；偏置被加到每一行上，得到的是对所有行的求和。
        """
        # 拿回在前向传播中保存的参数。
        input_, weight = ctx.saved_tensors
        # 初始化梯度为 None。这是因为并不是所有的参数都需要被求导,如果某参数无需被求导,其梯度应当返回 None。
        # （更准确地说：这里的“参数”是指输入；对不需要梯度的输入，反向传播可以返回 None，即使返回了梯度也会被忽略，
        # 而 ``ctx.needs_input_grad`` 让它省去这部分计算，如下所示。`test_inputs_without_grad_get_none` 对每个输入检查了这两点。）
        grad_input, grad_weight, grad_bias = None, None, None
        # 对输入 input 进行反向传播: $$ \nabla input = \nabla output \cdot weight $$
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        # 对权重 weight 进行反向传播: $$ \nabla weight = \nabla output^T \cdot input $$
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input_)
        # 对权重 bias 进行反向传播: $$ \nabla bias = \sum \nabla output $$
        # （bias 是偏置，不是权重：它的梯度是上游梯度对批次求和。）
        if ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


def test_linear_function():
    """
    **test_linear_function 函数功能概述**：
        测试定义的线性函数,对前向传播结果,以及反向传播结果进行结果检查。
    """
    # 固定随机种子，使每次运行的检查结果都可以复现。
    torch.manual_seed(0)
    # 生成测试数据。
    w = torch.randn(4, 3, requires_grad=True)
    x = torch.randn(1, 3, requires_grad=False)
    b = torch.randn(4, requires_grad=True)
    # 使用 PyTorch 内置方法完成线性计算。
    o = torch.sum(x @ w.t() + b)
    # 使用 PyTorch 内置的自动求导完成反向传播。
    o.backward()
    # 保留反向传播结果,用于后续结果检查。
    w_grad, b_grad = deepcopy(w.grad), deepcopy(b.grad)
    w.grad, x.grad, b.grad = None, None, None
    # 使用自定义的线性函数进行前向传播。
    # 注意：``Function`` 的方法都是静态方法，新版 PyTorch 会对下面的实例化给出 DeprecationWarning；
    # 直接调用 ``LinearFunction.apply(x, w, b)`` 即可，下面的测试都这样写。
    linear_func = LinearFunction()
    o = torch.sum(linear_func.apply(x, w, b))
    # 反向传播。
    o.backward()
    # 对求导的结果进行正确性检查。
    assert x.grad is None
    # ``x`` 创建时没有设置 ``requires_grad``，无论反向传播为它返回什么，它的 ``grad`` 都是 None：上面这一行不可能失败。
    # 要看反向传播返回了什么，就用一个替身代替上下文，像自动求导那样直接调用它。
    ctx = SimpleNamespace(saved_tensors=(x, w), needs_input_grad=(False, True, True))
    returned = LinearFunction.backward(ctx, torch.ones(1, 4))
    assert returned[0] is None and returned[1] is not None and returned[2] is not None
    assert torch.sum(torch.abs(w_grad - w.grad)) < 1e-6
    assert torch.sum(torch.abs(b_grad - b.grad)) < 1e-6
    # 同时检查前向传播的结果：它就是公式的结果。
    torch.testing.assert_close(LinearFunction.apply(x, w, b), x @ w.t() + b)


def test_linear_function_matches_torch_linear():
    """
    **检查**：
        与 PyTorch 自带的线性层 ``torch.nn.functional.linear`` 对比：
        在批大小为 1 和大于 1 时，前向传播结果与输入、权重、偏置三者的梯度都应一致。
    """
    torch.manual_seed(0)
    for batch_size in (1, 2, 16):
        # 两份相同的数据：一份交给自定义函数，一份交给 PyTorch 的线性层。
        x = torch.randn(batch_size, 3, requires_grad=True)
        w = torch.randn(4, 3, requires_grad=True)
        b = torch.randn(4, requires_grad=True)
        x_ref, w_ref, b_ref = (t.detach().clone().requires_grad_(True) for t in (x, w, b))
        # 上游梯度取随机值而不是全 1，这样求和方向上的错误也能被发现。
        grad_output = torch.randn(batch_size, 4)
        output = LinearFunction.apply(x, w, b)
        expected = nn.functional.linear(x_ref, w_ref, b_ref)
        torch.testing.assert_close(output, expected)
        output.backward(grad_output)
        expected.backward(grad_output)
        torch.testing.assert_close(x.grad, x_ref.grad)
        torch.testing.assert_close(w.grad, w_ref.grad)
        torch.testing.assert_close(b.grad, b_ref.grad)


def test_inputs_without_grad_get_none():
    """
    **检查**：
        不需要求导的输入，``ctx.needs_input_grad`` 对应位置为 False，
        反向传播返回 None，这些输入的 ``grad`` 保持为 None；其余输入的梯度照常计算。
        返回 None 是允许的，而不是必须的：反向传播即使为这样的输入返回了梯度，也会被忽略。
    """
    torch.manual_seed(0)
    for needs_grad in ((True, False, False), (False, True, False), (False, False, True), (True, True, False)):
        x, w, b = (
            torch.randn(shape, requires_grad=flag)
            for shape, flag in zip(((5, 3), (4, 3), (4,)), needs_grad)
        )
        LinearFunction.apply(x, w, b).sum().backward()
        for tensor, flag in zip((x, w, b), needs_grad):
            assert (tensor.grad is not None) == flag
        # 创建时没有设置 ``requires_grad`` 的张量，无论反向传播为它返回什么，都不会得到 ``grad``；
        # 所以像自动求导那样直接调用反向传播，检查它返回的结果。
        ctx = SimpleNamespace(saved_tensors=(x, w), needs_input_grad=needs_grad)
        returned = LinearFunction.backward(ctx, torch.ones(5, 4))
        assert [grad is None for grad in returned] == [not flag for flag in needs_grad]
        # 需要梯度的输入，其梯度与解析结果一致：对 sum 求导时上游梯度全为 1。
        ones = torch.ones(5, 4)
        expected = (ones.mm(w), ones.t().mm(x), ones.sum(0))
        for tensor, flag, grad in zip((x, w, b), needs_grad, expected):
            if flag:
                torch.testing.assert_close(tensor.grad, grad.detach())

    class ReturnsEveryGradient(LinearFunction):
        @staticmethod
        def backward(ctx, grad_output):
            input_, weight = ctx.saved_tensors
            return grad_output.mm(weight), grad_output.t().mm(input_), grad_output.sum(0)

    x, w, b = torch.randn(5, 3), torch.randn(4, 3, requires_grad=True), torch.randn(4)
    ReturnsEveryGradient.apply(x, w, b).sum().backward()
    assert x.grad is None and b.grad is None and w.grad is not None


def test_gradcheck():
    """
    **检查**：
        ``torch.autograd.gradcheck`` 用有限差分检查手写的反向传播，
        这是 PyTorch 文档推荐的检查方法；它需要 float64 精度的输入。
        在 float64 精度下，这个函数的有限差分误差约为 1e-10，所以容差取得足够小，百万分之一的梯度误差也能发现。
        ``gradgradcheck`` 以同样的方法检查经过反向传播的二阶导数。
    """
    torch.manual_seed(0)
    inputs = (
        torch.randn(6, 3, dtype=torch.float64, requires_grad=True),
        torch.randn(4, 3, dtype=torch.float64, requires_grad=True),
        torch.randn(4, dtype=torch.float64, requires_grad=True),
    )
    assert torch.autograd.gradcheck(LinearFunction.apply, inputs, eps=1e-6, atol=1e-9, rtol=1e-7)
    assert torch.autograd.gradgradcheck(LinearFunction.apply, inputs, eps=1e-6, atol=1e-9, rtol=1e-7)


def test_auto_grad():
    """
    **test_auto_grad 函数功能概述**：
        测试自动求导的机制,对比用 Numpy 的手写求导与 PyTorch 的自动求导结果。
    """
    # 固定随机种子，使每次运行的检查结果都可以复现。
    np.random.seed(0)
    # 规定测试数据的格式。
    # （即形状：$B$ 行、$D$ 列。）
    B, D = 3, 4
    # 生成 Numpy 版本的测试数据。
    x = np.random.randn(B, D)
    y = np.random.randn(B, D)
    z = np.random.randn(B, D)
    # Numpy 版本的前向传播。
    a = x * y
    b = a + z
    c = np.sum(b)
    # Numpy 版本的反向传播。
    grad_c = 1.0
    grad_b = grad_c * np.ones((B, D))
    grad_a = grad_b.copy()
    grad_z = grad_b.copy()
    grad_x = grad_a * y
    grad_y = grad_a * x
    # 将 Numpy 版本的测试数据转化为 PyTorch 版本。
    x = nn.Parameter(torch.from_numpy(x)).requires_grad_(True)
    y = nn.Parameter(torch.from_numpy(y)).requires_grad_(True)
    z = nn.Parameter(torch.from_numpy(z)).requires_grad_(True)
    # PyTorch 版本的前向传播。
    a = x * y
    b = a + z
    c = torch.sum(b)
    # PyTorch 版本的反向传播。
    c.backward()
    # 检查求导的结果是否一致。
    assert torch.sum(torch.abs(torch.from_numpy(grad_x) - x.grad)) < 1e-6
    assert torch.sum(torch.abs(torch.from_numpy(grad_y) - y.grad)) < 1e-6
    assert torch.sum(torch.abs(torch.from_numpy(grad_z) - z.grad)) < 1e-6


def test_wrong_versions_are_rejected():
    r"""
    **测试拒绝的错误版本**：
        初学者写这个反向传播时常犯的三个错误。
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

    right = LinearFunction

    # 1. 偏置的梯度对批次取了平均：批大小为 1 时是对的，否则小了 $n$ 倍。
    class AveragesTheBias(LinearFunction):
        @staticmethod
        def backward(ctx, grad_output):
            grad_input, grad_weight, _ = right.backward(ctx, grad_output)
            return grad_input, grad_weight, grad_output.mean(0)

    print("1.", rejection(test_linear_function_matches_torch_linear, LinearFunction=AveragesTheBias))

    # 2. 权重的梯度转置了，写成 $input^T \cdot \nabla output$：autograd 拒绝形状不对的梯度。
    class TransposedWeight(LinearFunction):
        @staticmethod
        def backward(ctx, grad_output):
            input_, weight = ctx.saved_tensors
            return grad_output.mm(weight), input_.t().mm(grad_output), grad_output.sum(0)

    print("2.", rejection(test_linear_function_matches_torch_linear, LinearFunction=TransposedWeight))

    # 3. 忽略 ``needs_input_grad``：梯度是对的，却做了没人要求的计算。
    class AlwaysComputes(LinearFunction):
        @staticmethod
        def backward(ctx, grad_output):
            input_, weight = ctx.saved_tensors
            return grad_output.mm(weight), grad_output.t().mm(input_), grad_output.sum(0)

    print("3.", rejection(test_inputs_without_grad_get_none, LinearFunction=AlwaysComputes))


if __name__ == "__main__":
    # 直接运行本文件（``python 03_autograd_zh.py``）时，它把自己交给 pytest：pytest 执行上面所有的 ``test_`` 函数，
    # 打印一行汇总，有测试失败就以非零状态退出。
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
