"""Writes tests/formulas.tex: the formulas the TeX engines are measured on.

    python tests/benchmarks/make_formulas.py

They are of our own making, written the way annotated series of deep
learning code write theirs for KaTeX: attention, normalisation, optimisers
and losses, with the learned parts coloured (`\\textcolor{lightgreen}{…}`),
operators named with `\\mathop` and `\\operatorname`, limits set with
`\\underset`, norms and roundings, text set in sizes
(`\\text{B\\small{ERT}}`), and multi-line environments whose lines start
with `+`, `-` or `&=`. Each command is then tried in each of a few
places: alone, in a subscript, in a fraction, in an `align` row, in a
`cases` branch, in a matrix and in an array. Formulas are separated by a
line holding `%%%`.
"""

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "formulas.tex"

WRITTEN = [
    r"\mathop{Attention}(Q, K, V) = \underset{seq}{\mathop{softmax}}\Bigg(\frac{Q K^\top}{\sqrt{d_k}}\Bigg)V",
    r"\operatorname{MultiHead}(Q, K, V) = \operatorname{Concat}(head_1, \dots, head_h) W^O",
    r"head_i = \mathop{Attention}(Q \textcolor{lightgreen}{W^Q_i}, K \textcolor{lightgreen}{W^K_i}, "
    r"V \textcolor{lightgreen}{W^V_i})",
    r"\text{LN}(x) = \textcolor{lightgreen}{\gamma} \frac{x - \mathbb{E}[x]}{\sqrt{Var[x] + \epsilon}} "
    r"+ \textcolor{lightgreen}{\beta}",
    r"\begin{align}\mu_B &= \frac{1}{m} \sum_{i=1}^{m} x_i \\ \sigma^2_B &= \frac{1}{m} \sum_{i=1}^{m} (x_i - \mu_B)^2"
    r" \\ \hat{x}_i &= \frac{x_i - \mu_B}{\sqrt{\sigma^2_B + \epsilon}} \\ y_i &= \gamma \hat{x}_i + \beta\end{align}",
    "\\begin{align}\nm_t &\\leftarrow \\beta_1 m_{t-1} + (1 - \\beta_1) \\cdot g_t \\\\\n"
    "v_t &\\leftarrow \\beta_2 v_{t-1} + (1 - \\beta_2) \\cdot g_t^2 \\\\\n"
    "\\hat{m}_t &\\leftarrow \\frac{m_t}{1-\\beta_1^t} \\\\\n\\hat{v}_t &\\leftarrow \\frac{v_t}{1-\\beta_2^t} \\\\\n"
    "\\theta_t &\\leftarrow \\theta_{t-1} - \\alpha \\cdot "
    "\\frac{\\hat{m}_t}{\\sqrt{\\hat{v}_t} + \\epsilon}\n\\end{align}",
    "\\mathcal{L}^{CLIP}(\\theta) =\n \\mathbb{E}_{a_t, s_t \\sim \\pi_{\\theta{OLD}}} \\Bigg[\n"
    " \\min \\Bigg(r_t(\\theta) \\bar{A_t},\n"
    " \\operatorname{clip}\\Big(r_t(\\theta), 1 - \\epsilon, 1 + \\epsilon\\Big) \\bar{A_t}\n \\Bigg)\n \\Bigg]",
    "\\begin{aligned}\n\\hat{A_t^{(\\infty)}} &= \\sum_{l=0}^\\infty \\gamma^l \\delta_{t+l} \\\\\n"
    "&= \\delta_t\n+ \\gamma \\lambda \\delta_{t+1}\n+ (\\gamma \\lambda)^2 \\delta_{t+2}\n\\end{aligned}",
    "\\begin{align}\nL &= \\sum_i \\lVert y_i - \\hat{y}_i \\rVert^2\n+ \\lambda \\Vert \\theta \\Vert_2^2\n"
    "- \\eta \\log p(x) \\\\\n&= L_{data} + L_{reg}\n\\end{align}",
    r"\lfloor \frac{n}{2} \rfloor + \lceil \frac{n}{2} \rceil = n",
    r"\arg\max_{a} Q(s, a) = \underset{a}{\arg\max}\, Q(s, a)",
    r"\mathscr{L}(\theta) = -\sum_{t} \log p_\theta(x_t \vert x_{<t})",
    r"\pmb{x} \cdot \pmb{w} + b",
    r"{\small \text{small} } x + {\color{orange} \text{orange} } y",
    r"\overset{\text{def}}{=} \underset{i}{\max} \; a_i",
    r"\begin{cases} x & \text{if } x > 0 \\ \alpha (e^x - 1) & \text{otherwise} \end{cases}",
    r"\begin{bmatrix} a & b \\ c & d \end{bmatrix} \begin{pmatrix} x \\ y \end{pmatrix}",
    r"\begin{matrix} 1 & 0 \\ 0 & 1 \end{matrix}",
    r"\begin{array}{c|c} a & b \\ \hline c & d \end{array}",
    r"\begin{equation} E = m c^2 \end{equation}",
    r"\begin{align*} f(x) &= (x + 1)^2 \\ &= x^2 + 2x + 1 \end{align*}",
    r"\begin{equation*} \nabla_\theta J(\theta) = "
    r"\mathbb{E}\big[\nabla_\theta \log \pi_\theta(a \vert s) Q(s, a)\big] \end{equation*}",
    r"\text{RMSNorm}(x) = \frac{x}{\sqrt{\frac{1}{d}\sum_{i=1}^{d} x_i^2 + \epsilon}} \odot g",
    r"\operatorname{GELU}(x) = x \Phi(x) = \frac{x}{2}\Big(1 + \operatorname{erf}\big(\frac{x}{\sqrt 2}\big)\Big)",
    r"PE_{(pos, 2i)} = \sin\Big(\frac{pos}{10000^{2i/d_{model}}}\Big)",
    r"\textcolor{lightgreen}{\theta} \leftarrow \textcolor{lightgreen}{\theta} - \eta \nabla_{\theta} \mathcal{L}",
    r"D_{KL}(P \Vert Q) = \sum_x P(x) \log \frac{P(x)}{Q(x)}",
    r"\Bigg\lVert \frac{\partial L}{\partial W} \Bigg\rVert_F",
    r"\big\lfloor x \big\rfloor \Big\lceil y \Big\rceil \bigg\vert z \bigg\vert",
    r"\mathop{\mathbb{E}}_{x \sim p_{data}} \big[ \log D(x) \big]",
    r"\underset{G}{\min} \, \underset{D}{\max} \, V(D, G)",
    r"\operatorname*{arg\,min}_{w} \frac{1}{2} \Vert w \Vert^2",
    r"\text{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}",
    r"y = \sigma\big(W_2 \operatorname{ReLU}(W_1 x + b_1) + b_2\big)",
    r"\hat{y} = \textcolor{orange}{\text{predicted}} \quad y = \textcolor{cyan}{\text{target}}",
    r"x^{(i)}_{t+1} = x^{(i)}_t + \Delta t \cdot f\big(x^{(i)}_t\big)",
    r"\frac{\partial \mathcal{L}}{\partial x_i} = "
    r"\sum_j \frac{\partial \mathcal{L}}{\partial y_j} \frac{\partial y_j}{\partial x_i}",
    r"\prod_{k=1}^{K} p_k^{y_k} \qquad \sum_{k=1}^{K} y_k \log p_k",
    r"\lim_{h \to 0} \frac{f(x + h) - f(x - h)}{2h}",
    r"\binom{n}{k} = \frac{n!}{k!(n-k)!}",
    r"\langle q, k \rangle = \sum_{i=1}^{d} q_i k_i",
    r"\overline{x} = \frac{1}{N}\sum_{n=1}^{N} x_n, \quad \widehat{\sigma} = \sqrt{\overline{x^2} - \overline{x}^2}",
    r"\underbrace{a_1 + a_2 + \cdots + a_n}_{n \text{ terms}}",
    r"\overbrace{W x}^{\text{linear}} + \underbrace{b}_{\text{bias}}",
    r"\tilde{x} = x + \epsilon, \quad \epsilon \sim \mathcal{N}(0, \sigma^2 I)",
    r"\vec{v} \times \vec{w} = \Vert \vec{v} \Vert \, \Vert \vec{w} \Vert \sin \phi",
    r"\exp(x) \log(y) \ln(z) \tanh(u) \max(a, b) \min(c, d)",
    r"\mathbf{h}_t = \tanh(\mathbf{W}_{hh} \mathbf{h}_{t-1} + \mathbf{W}_{xh} \mathbf{x}_t)",
    r"\boldsymbol{\mu} = \frac{1}{n} \sum_{i} \boldsymbol{x}_i",
    r"\left( \frac{a}{b} \right)^2 \left[ x \right] \left\{ y \right\}",
    r"\left\lVert x - y \right\rVert_2 \leq \left\lvert x \right\rvert + \left\lvert y \right\rvert",
    r"p(x) = \frac{1}{\sqrt{2 \pi \sigma^2}} e^{-\frac{(x - \mu)^2}{2 \sigma^2}}",
    r"\Pr[X \geq t] \leq \frac{\mathbb{E}[X]}{t}",
    r"f \circ g (x) = f\big(g(x)\big)",
    r"A \in \mathbb{R}^{m \times n}, \quad x \in \mathbb{R}^{n}",
    r"\forall \epsilon > 0 \; \exists \delta > 0",
    r"a \equiv b \pmod{n}",
    r"\mathrm{d}y = f'(x) \, \mathrm{d}x",
    r"\int_{0}^{1} x^2 \, dx = \frac{1}{3}",
    r"\sqrt[3]{x} \neq \sqrt{x}",
    r"\dot{x} = A x, \quad \ddot{x} = -\omega^2 x",
    r"\mathbf{1}[y = k] \cdot \log \hat{p}_k",
]

COMMANDS = [
    r"\textcolor{lightgreen}{W_q}",
    r"\color{red} z_k",
    r"\operatorname{softmax}(z)",
    r"\mathop{Attention}(Q, K, V)",
    r"\underset{seq}{\mathop{softmax}}(x)",
    r"\overset{\text{def}}{=} c",
    r"\lVert h \rVert",
    r"\Vert g \Vert",
    r"\lfloor n / 2 \rfloor",
    r"\lceil n / 2 \rceil",
    r"\arg\max_{k} p_k",
    r"\mathscr{F}",
    r"\pmb{v}",
    r"{\small \text{note}}",
    r"\Bigg( u + v \Bigg)",
    r"\bigg[ m \bigg]",
    r"\Big\lVert e \Big\rVert",
    r"\underset{\textcolor{lightgreen}{\theta}}{\mathop{minimize}}\, J",
    r"\mathop{\underset{i}{\mathop{sum}}} s_i",
    r"\textcolor{orange}{\operatorname{clip}}(r, 1 - \epsilon, 1 + \epsilon)",
    r"\mathop{Norm}\big(\textcolor{lightgreen}{W} x\big)",
    r"\underset{c \in C}{\arg\min} \lVert x - c \rVert",
    r"\text{tokens} \times \text{heads}",
    r"\mathbb{E}_{t} \big[ r_t \big]",
    r"\mathcal{O}(n \log n)",
    r"\mathrm{ReLU}(a)",
    r"\frac{\partial y}{\partial w}",
    r"\sum_{i=1}^{N} w_i",
    r"\hat{\beta}_1",
    r"\sqrt{d_{k}}",
    r"\textcolor{cyan}{\text{keys}}",
    r"\overset{\sim}{x}",
    r"\operatorname{LayerNorm}\Big(x + \operatorname{Dropout}(y)\Big)",
    r"\lVert \pmb{w} \rVert_1",
    r"\text{B\small{ERT}}(N)",
    r"\textbf{\small if } \text{\small E\scriptsize MPTY}(s)",
    r"\text{fan\_in} \cdot \text{if $x_1$}",
    r"\big\{ x^{(i)} \big\}^L_{i=1}",
    "\\lVert a \\rVert_1\\\n  \\lVert b \\rVert_1",
    r"do^T_io_i",
]

PLACES = [
    "{}",
    "a_{{{}}}",
    r"\frac{{{}}}{{2}}",
    "\\begin{{align}}\nx &= {}\n+ 1 \\\\\n&= y\n\\end{{align}}",
    r"\begin{{cases}} {} & \text{{if }} k > 0 \\ 0 & \text{{else}} \end{{cases}}",
    r"\begin{{pmatrix}} {} & 1 \\ 0 & 1 \end{{pmatrix}}",
    r"\begin{{array}}{{cc}} {} & b \\ c & d \end{{array}}",
    "\\begin{{align*}}\nf &= {}\n- g\n\\end{{align*}}",
    "t = {}\n+ s",
]


def formulas():
    made = list(WRITTEN)
    for command in COMMANDS:
        for place in PLACES:
            made.append(place.format(command))
    return made


if __name__ == "__main__":
    made = formulas()
    OUT.write_text("\n%%%\n".join(made) + "\n", encoding="utf-8")
    print(f"{len(made)} formulas written to {OUT}")
