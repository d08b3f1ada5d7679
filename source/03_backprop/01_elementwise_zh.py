r"""
# 逐元素函数：ReLU、sigmoid、tanh 与 GELU

梯度怎样穿过激活函数？在导数不存在的地方又该怎么办？

激活函数 $f$ 对张量的每个元素单独作用：$y_i = f(x_i)$。
上层传回梯度 $g_i = \partial L / \partial y_i$ 之后，它的反向传播应当返回什么？
由于 $y_i$ 只依赖 $x_i$，雅可比矩阵 $\partial y_i / \partial x_j$ 只有对角线非零，链式法则的求和里只剩一项：
$$ \frac{\partial L}{\partial x_i} = \sum_j \frac{\partial L}{\partial y_j} \frac{\partial y_j}{\partial x_i} = g_i \, f'(x_i) $$
因此下面每个反向传播都只是一次逐元素乘法 $g \odot f'(x)$，真正的功夫在于推导 $f'$。
每个函数都写成一个 ``torch.autograd.Function``；文末的检查在 float64 下把它与 PyTorch 自带的函数、与有限差分逐一比较（`test_forward_matches_torch`、`test_backward_matches_autograd`、`test_gradcheck_against_finite_differences`）。
"""
import math
import traceback

import torch
import torch.nn.functional as F
from torch.autograd import Function, gradcheck, gradgradcheck

# 有限差分取步长 $10^{-6}$，容差低于百万分之一：反向传播哪怕只错了相对 $10^{-6}$，检查也会失败（见 `test_gradcheck_catches_a_one_in_a_million_error`）。
TIGHT = dict(eps=1e-6, atol=1e-9, rtol=1e-7)


class ReLU(Function):
    r"""
    **ReLU**：
        $$ \operatorname{relu}(x) = \max(x, 0), \qquad \operatorname{relu}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x < 0 \end{cases} $$
        在 $x = 0$ 处左右两侧的斜率不同（左边是 0，右边是 1），导数不存在。
        0 到 1 之间的任何值都是次梯度；PyTorch 取 0，所以恰好输出 0 的神经元不向下传梯度（见 `test_relu_at_zero_passes_no_gradient`）。
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        # 只在输入为正处保留梯度；严格不等号正是 PyTorch 在零点的取法：$$ g \odot \mathbb{1}[x > 0] $$
        return grad_output * (x > 0).to(grad_output.dtype)


class Sigmoid(Function):
    r"""
    **Sigmoid**：
        $$ \sigma(x) = \frac{1}{1 + e^{-x}} $$
        用商的求导法则，再把 $e^{-x}$ 写成 $(1 - \sigma)/\sigma$：
        $$ \sigma'(x) = \frac{e^{-x}}{(1 + e^{-x})^2} = \sigma(x) \cdot \frac{e^{-x}}{1 + e^{-x}} = \sigma(x)\bigl(1 - \sigma(x)\bigr) $$
        导数只用得到输出，所以前向传播保存的是 $\sigma(x)$，而不是 $x$（`test_sigmoid_and_tanh_derivatives_from_their_outputs` 检查保存的是什么）。照抄的 $1/(1 + e^{-x})$ 即使在 $x = -1000$ 处也是对的，结果为 0；在那里得出 ``nan`` 的是中间那种写法的导数。
    """

    @staticmethod
    def forward(ctx, x):
        # 保存输出而不是 $x$，正是为了用闭式 $\sigma(1 - \sigma)$。用 $e^{-x}$ 写出的导数在 $x = -1000$ 处会失败：$e^{1000}$ 溢出，$\infty / \infty$ 得 ``nan``；而输出本身只是无害的 0。
        y = torch.sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        # 乘以用保存的输出算出的斜率：$$ g \odot \sigma (1 - \sigma) $$
        return grad_output * y * (1 - y)


class Tanh(Function):
    r"""
    **Tanh**：
        $$ \tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}} $$
        由商的求导法则，分子是 $(e^x + e^{-x})^2 - (e^x - e^{-x})^2$，分母是 $(e^x + e^{-x})^2$，化简得：
        $$ \tanh'(x) = 1 - \tanh^2 x $$
        和 sigmoid 一样，只需要输出。
    """

    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        # 乘以用保存的输出算出的斜率：$$ g \odot (1 - y^2) $$
        return grad_output * (1 - y * y)


# GELU 用“标准正态变量小于输入的概率”给输入加权，即 $x\,\Phi(x)$；它的 tanh 形式是对 $\Phi$ 的近似：
# $$ \operatorname{gelu}(x) = \tfrac{1}{2} x \bigl(1 + \tanh u\bigr), \qquad u = \sqrt{2/\pi}\,\bigl(x + 0.044715\,x^3\bigr) $$
SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
CUBIC = 0.044715


class GELU(Function):
    r"""
    **GELU（tanh 形式）**：
        按乘积法则，导数分成两项；第二项用到 $\tanh' = 1 - \tanh^2$，再经过 $u$ 用一次链式法则：
        $$ \operatorname{gelu}'(x) = \tfrac{1}{2}\bigl(1 + \tanh u\bigr) + \tfrac{1}{2} x \bigl(1 - \tanh^2 u\bigr) \frac{du}{dx} $$
        $$ \frac{du}{dx} = \sqrt{2/\pi}\,\bigl(1 + 3 \cdot 0.044715\,x^2\bigr) $$
        GELU 处处光滑，不像 ReLU 那样需要在某一点上做出取舍（见 `test_gelu_derivative_at_known_points`）。
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * x * (1 + torch.tanh(SQRT_2_OVER_PI * (x + CUBIC * x**3)))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        t = torch.tanh(SQRT_2_OVER_PI * (x + CUBIC * x**3))
        # 先算 $du/dx$，再把乘积法则的两项相加。
        du_dx = SQRT_2_OVER_PI * (1 + 3 * CUBIC * x**2)
        return grad_output * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du_dx)


def normal_cdf(x):
    return 0.5 * (1 + torch.erf(x * math.sqrt(0.5)))


def normal_pdf(x):
    return torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


class ExactGELU(Function):
    r"""
    **GELU（精确形式）**：
        不带 ``approximate="tanh"`` 的 ``F.gelu``，也就是 ``nn.GELU()``，直接计算 $x\,\Phi(x)$，其中 $\Phi$ 用误差函数写出。按乘积法则，并记 $\Phi' = \varphi$ 为正态分布的密度，得到
        $$ \operatorname{gelu}'(x) = \Phi(x) + x\,\varphi(x), \qquad \Phi(x) = \tfrac{1}{2}\bigl(1 + \operatorname{erf}(x / \sqrt{2})\bigr), \qquad \varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}} $$
        tanh 形式并不是这个函数：两者的函数值最多相差 $4.7 \times 10^{-4}$，斜率最多相差 $8.7 \times 10^{-4}$，远大于这里的任何容差（见 `test_the_tanh_form_only_approximates_the_exact_gelu`）。
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * normal_cdf(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (normal_cdf(x) + x * normal_pdf(x))


# 每个手写函数，和它必须与之相等的 PyTorch 函数放在一起。
PAIRS = [
    (ReLU.apply, torch.relu),
    (Sigmoid.apply, torch.sigmoid),
    (Tanh.apply, torch.tanh),
    (GELU.apply, lambda x: F.gelu(x, approximate="tanh")),
    (ExactGELU.apply, F.gelu),
]


def inputs_away_from_zero():
    """
    **测试数据**：
        零两侧的 float64 元素，与零至少相距 0.1，因为 ReLU 的折点在零：
        跨过折点的有限差分量到的斜率既不是左边的，也不是右边的。
    """
    torch.manual_seed(0)
    rows = [[-4.2, -2.9, -1.7, -0.8, -0.45, -0.1], [0.1, 0.35, 0.6, 1.2, 2.4, 3.1]]
    x = torch.tensor(rows, dtype=torch.float64)
    return x.requires_grad_(True)


def test_forward_matches_torch():
    """
    **检查**：
        每个函数算出的值与 PyTorch 的一致，精确到 float64 的最后几位。
    """
    x = inputs_away_from_zero()
    for ours, theirs in PAIRS:
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-15, atol=1e-15)


def test_backward_matches_autograd():
    """
    **检查**：
        给定随机的上游梯度 $g$，每个反向传播返回的结果，与 autograd 对 PyTorch 函数求出的一致。
    """
    x = inputs_away_from_zero()
    g = torch.randn(x.shape, dtype=torch.float64)
    for ours, theirs in PAIRS:
        (grad_ours,) = torch.autograd.grad(ours(x), x, g)
        (grad_theirs,) = torch.autograd.grad(theirs(x), x, g)
        torch.testing.assert_close(grad_ours, grad_theirs, rtol=1e-13, atol=1e-14)


def test_gradcheck_against_finite_differences():
    """
    **检查**：
        ``gradcheck`` 用中心有限差分检验每个反向传播，``gradgradcheck`` 再检验“反向传播的反向传播”：
        我们的反向传播全由可导的运算组成，所以它本身也可以再求导，ReLU 的也一样（在折点以外，它的二阶导数为 0）。
    """
    x = inputs_away_from_zero()
    for ours, _ in PAIRS:
        assert gradcheck(ours, (x,), **TIGHT)
        assert gradgradcheck(ours, (x,), eps=1e-6, atol=1e-8, rtol=1e-6)


def test_sigmoid_and_tanh_derivatives_from_their_outputs():
    r"""
    **检查**：
        闭式 $\sigma' = \sigma(1 - \sigma)$ 与 $\tanh' = 1 - \tanh^2$ 逐元素等于 autograd 求出的导数；
        tanh 是经过缩放的 sigmoid，$\tanh x = 2\sigma(2x) - 1$（这里误差在 $10^{-15}$ 以内），所以它在 0 处的斜率是 sigmoid 的四倍：1 对 1/4。
        两者保存的都是输出而不是输入；在 $x = -1000$ 处，用 $e^{-x}$ 写出的 sigmoid 导数是 ``nan``，而我们从保存的输出算出的是 0。
    """
    x = inputs_away_from_zero()
    (d_sigmoid,) = torch.autograd.grad(torch.sigmoid(x).sum(), x)
    (d_tanh,) = torch.autograd.grad(torch.tanh(x).sum(), x)
    s, t = torch.sigmoid(x), torch.tanh(x)
    torch.testing.assert_close(d_sigmoid, s * (1 - s), rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(d_tanh, 1 - t * t, rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(t, 2 * torch.sigmoid(2 * x) - 1, rtol=0, atol=1e-15)
    for function, output in (Sigmoid, s), (Tanh, t):
        assert torch.equal(stand_in(function.forward, x.detach()).saved_tensors[0], output)
    zero = torch.zeros(1, dtype=torch.float64)
    assert Sigmoid.backward(stand_in(Sigmoid.forward, zero), torch.ones(1, dtype=torch.float64)).item() == 0.25
    assert Tanh.backward(stand_in(Tanh.forward, zero), torch.ones(1, dtype=torch.float64)).item() == 1.0
    far = torch.tensor([-1000.0], dtype=torch.float64)
    assert (1 / (1 + torch.exp(-far))).item() == 0.0
    assert torch.isnan(torch.exp(-far) / (1 + torch.exp(-far)) ** 2).item()
    assert Sigmoid.backward(stand_in(Sigmoid.forward, far), torch.ones(1, dtype=torch.float64)).item() == 0.0


def test_relu_at_zero_passes_no_gradient():
    """
    **检查**：
        恰好在导数不存在的 0 点，PyTorch 的 ReLU 取次梯度 0，我们的也一样；
        在那里做中心有限差分，量到的是两侧斜率的平均值 1/2，这就是 ``gradcheck`` 必须避开折点的原因。
    """
    x = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64, requires_grad=True)
    (ours,) = torch.autograd.grad(ReLU.apply(x).sum(), x)
    (theirs,) = torch.autograd.grad(torch.relu(x).sum(), x)
    assert ours.tolist() == theirs.tolist() == [0.0, 0.0, 1.0]
    h = 1e-6
    step = torch.tensor(h, dtype=torch.float64)
    assert abs((torch.relu(step) - torch.relu(-step)).item() / (2 * h) - 0.5) < 1e-9


def test_gelu_derivative_at_known_points():
    r"""
    **检查**：
        在 $x = 0$ 处 $u = 0$，$\operatorname{gelu}'(0) = \tfrac{1}{2}$；远离 0 时 GELU 趋于 ReLU，斜率分别是 1 和 0。
    """
    x = torch.tensor([0.0, 10.0, -10.0], dtype=torch.float64)
    slopes = GELU.backward(stand_in(GELU.forward, x), torch.ones(3, dtype=torch.float64))
    torch.testing.assert_close(slopes, torch.tensor([0.5, 1.0, 0.0], dtype=torch.float64), rtol=0, atol=1e-12)


def test_the_tanh_form_only_approximates_the_exact_gelu():
    r"""
    **检查**：
        在 $[-6, 6]$ 上，tanh 形式与精确 GELU 的函数值最多相差 $4.7 \times 10^{-4}$，斜率最多相差 $8.7 \times 10^{-4}$：两者不能互相代替。
    """
    x = torch.linspace(-6, 6, 1201, dtype=torch.float64)
    ones = torch.ones_like(x)
    value_gap = (GELU.apply(x) - ExactGELU.apply(x)).abs().max().item()
    slope_gap = (GELU.backward(stand_in(GELU.forward, x), ones) - ExactGELU.backward(stand_in(ExactGELU.forward, x), ones)).abs().max().item()
    assert round(value_gap, 5) == 0.00047 and round(slope_gap, 5) == 0.00087


def stand_in(forward, x):
    """
    **上下文替身**：
        用一个普通对象代替 PyTorch 的上下文来运行 ``forward``，测试便可以直接调用 ``backward``。
    """
    ctx = type("Context", (), {})()
    ctx.save_for_backward = lambda *tensors: setattr(ctx, "saved_tensors", tensors)
    forward(ctx, x)
    return ctx


def test_gradcheck_catches_a_one_in_a_million_error():
    """
    **检查**：
        ``TIGHT`` 的容差足够紧：反向传播只偏差相对 $10^{-6}$ 的 GELU，也过不了 ``gradcheck``。
    """

    class SlightlyWrongGELU(GELU):
        @staticmethod
        def backward(ctx, grad_output):
            return GELU.backward(ctx, grad_output) * (1 + 1e-6)

    x = inputs_away_from_zero()
    assert gradcheck(GELU.apply, (x,), **TIGHT)
    assert not gradcheck(SlightlyWrongGELU.apply, (x,), raise_exception=False, **TIGHT)


def test_wrong_versions_are_rejected():
    r"""
    **测试拒绝的错误版本**：
        初学者写这些函数时常犯的三个错误。
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

    # 1. 保存的是输入而不是输出：梯度是对的，但并不像本页所说的那样由输出算出。
    class SavesItsInput(Sigmoid):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.sigmoid(x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * torch.sigmoid(x) * (1 - torch.sigmoid(x))

    print("1.", rejection(test_sigmoid_and_tanh_derivatives_from_their_outputs, Sigmoid=SavesItsInput))

    # 2. 把 ``>`` 写成 ``>=``：恰好输出 0 的单元也把梯度传了回去，而 PyTorch 的 ReLU 不会。
    class PassesAtZero(ReLU):
        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * (x >= 0).to(grad_output.dtype)

    print("2.", rejection(test_relu_at_zero_passes_no_gradient, ReLU=PassesAtZero))

    # 3. 忘了 $\tanh' = 1 - \tanh^2$ 中的平方。
    class ForgetsTheSquare(Tanh):
        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * (1 - y)

    pairs = [(ForgetsTheSquare.apply if ours == Tanh.apply else ours, theirs) for ours, theirs in PAIRS]
    print("3.", rejection(test_backward_matches_autograd, PAIRS=pairs))


if __name__ == "__main__":
    # 直接运行本文件（``python 01_elementwise_zh.py``）时，它把自己交给 pytest：打印一行汇总，有测试失败就以非零状态退出。
    import pytest

    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
