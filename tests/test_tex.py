"""Math, whole: a display formula is one formula whatever its lines start
with, environments work, TeX that KaTeX series write renders, and a
formula that would lose a letter, a word or a symbol is a warning at its
line and is shown as its TeX."""

import html
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

import literate.commentary
import literate.tex
from support import lesson, run_build, write

FORMULAS = Path(__file__).resolve().parent / "formulas.tex"


def render(text):
    warnings = []
    md = literate.commentary.make_markdown(lambda message, quote: warnings.append(message))
    return literate.commentary.render_commentary(text, md), warnings


def annotations(out):
    return [html.unescape(tex) for tex in re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>',
                                                     out, re.S)]


def drawn_text(out):
    """What the formulas of a page give a browser to draw, TeX left out."""
    text = re.sub(r"<annotation.*?</annotation>", "", "".join(re.findall(r"<math.*?</math>", out, re.S)), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


# --- Display math before blocks ------------------------------------------

@pytest.mark.quick
@pytest.mark.parametrize("start", ["+ ", "- ", "* ", "1. ", "# ", "> ", "&= "])
def test_a_display_formula_is_one_formula_whatever_its_lines_start_with(start):
    tex = f"a_1 * b_2\n{start}c_3 * d\n+ e"
    out, warnings = render(f"The loss is\n$${tex}$$\nand no more.")
    assert warnings == [] or start == "&= "  # `&` outside a table is refused, as one formula
    assert "<li>" not in out and "<h1" not in out and "<blockquote>" not in out and "<em>" not in out
    if start != "&= ":
        assert out.count("<math") == 1 and annotations(out) == [tex]
        assert out.startswith("<p>The loss is\n<math") and out.endswith("</math>\nand no more.</p>")


@pytest.mark.quick
@pytest.mark.parametrize("environment", ["align", "align*", "equation", "equation*", "gather", "alignat"])
def test_an_environment_on_its_own_is_display_math(environment):
    columns = "{2}" if environment == "alignat" else ""
    body = "L_1 &= x_1 * y_2 \\\\\n- b_2 &= c_1" if environment.startswith("align") else "L_1 = x_1 * y_2\n- b_2"
    tex = f"\\begin{{{environment}}}{columns}\n{body}\n\\end{{{environment}}}"
    out, warnings = render(f"Before.\n\n{tex}\n\nAfter.")
    assert warnings == [] and annotations(out) == [tex]
    assert 'display="block"' in out and "<em>" not in out and "<li>" not in out
    assert "\\begin" not in drawn_text(out) and "&" not in drawn_text(out)


@pytest.mark.quick
@pytest.mark.parametrize("environment", ["cases", "matrix", "pmatrix", "bmatrix", "array", "aligned", "align*"])
def test_environments_inside_dollars_are_tables(environment):
    columns = "{cc}" if environment == "array" else ""
    out, warnings = render(f"$$\\begin{{{environment}}}{columns} a_1 & b_2 \\\\\n+ c & d_4 \\end{{{environment}}}$$")
    assert warnings == [] and out.count("<mtable") == 1 and out.count("<mtr>") == 2
    assert re.sub(r"\s", "", drawn_text(out)).startswith(("a1b2+cd4", "(a1b2+cd4", "[a1b2+cd4", "{a1b2+cd4"))


@pytest.mark.quick
def test_dollars_in_code_stay_code_and_a_formula_ends_at_a_blank_line():
    out, warnings = render("See `$$a\nb$$` here.\n\n```\n$$c\n- d$$\n```")
    assert "<math" not in out and "<code>$$a\nb$$</code>" in out and "$$c\n- d$$\n</code>" in out
    assert warnings == []
    out, warnings = render("$$a\n\n- b$$")
    assert "<math" not in out and "<li>b$$</li>" in out and warnings[0].startswith("unbalanced $$")


# --- What series write for KaTeX ------------------------------------------

@pytest.mark.quick
@pytest.mark.parametrize("tex, words", [
    (r"\textcolor{lightgreen}{W_q} x", ["W", "q", "x"]),
    (r"{\color{red} a} b", ["a", "b"]),
    (r"\operatorname{softmax}(x)", ["softmax"]),
    (r"\mathop{Attention}(Q, K, V)", ["Attention", "Q", "K", "V"]),
    (r"\underset{seq}{\mathop{softmax}}(x)", ["softmax", "seq"]),
    (r"\overset{\text{def}}{=} c", ["def", "c"]),
    (r"\lVert h \rVert + \Vert g \Vert + \big\Vert e \big\Vert", ["‖h‖", "‖g‖", "‖e‖"]),
    (r"\lfloor n \rfloor \Bigg\lfloor m \Bigg\rfloor", ["⌊n⌋", "⌊m⌋"]),
    (r"\lceil n \rceil \Big\lceil m \Big\rceil", ["⌈n⌉", "⌈m⌉"]),
    (r"\arg\max_a Q(s, a)", ["arg", "max", "Q"]),
    (r"\mathscr{L} + \pmb{x}", ["L", "x"]),
    (r"{\small \text{note}} \Bigg( u \Bigg)", ["note", "(", "u", ")"]),
    (r"\operatorname*{arg\,min}_w f", ["arg", "min", "w", "f"]),
    (r"\mathrel{:=} \mathop{\mathbb{E}}_x", [":=", "𝔼"]),
    (r"\begin{cases} \color{red} z_k & k > 0 \\ 0 & \text{else} \end{cases}", ["zk", "k>0", "0else"]),
    ("\\lVert a \\rVert_1\\\n  \\lVert b \\rVert_1", ["‖a‖1‖b‖1"]),  # a backslash ending a line is a space
    (r"\big\{ x \big\} \Big\| y \Big\| \bigl\langle z \bigr\rangle", ["{x}‖y‖⟨z⟩"]),
    (r"D_i = do^T_io_i", ["Di=doiToi"]),
    (r"\text{B\small{ERT}}(N) + \textbf{\small if } \text{\small E\scriptsize MPTY}", ["BERT(N)+ifEMPTY"]),
    (r"\text{fan\_in} \text{a {b} c} \text{if $x_1$} \text{\{s\}}", ["fan_inabcifx1{s}"]),
])
def test_what_katex_series_write_renders_with_every_word(tex, words):
    out, warnings = render(f"$${tex}$$")
    assert warnings == []
    drawn = re.sub(r"\s", "", drawn_text(out))
    assert all(word in drawn for word in words), drawn
    tree = ElementTree.fromstring(re.sub(r"&#?\w+;", "", out))
    assert not [node.tag for node in tree.iter() if node.tag in literate.tex.TOKENS and len(node)]


# latex2mathml writes `\mathop{Attention}` as an `<mo>` holding an `<mrow>`,
# which HTML reads as no MathML and the sanitizer took away: the word was
# lost with no warning.
@pytest.mark.quick
def test_a_word_in_mathop_is_drawn_as_letters_not_inside_an_operator():
    out, _ = render(r"$\mathop{Attention}(Q)$")
    assert "<mrow><mi>A</mi><mi>t</mi><mi>t</mi>" in out and "<mo><mrow>" not in out


# KaTeX reads text in a formula as TeX does: a size sets the rest of its
# group. latex2mathml read `\text{B\small{ERT}}` up to its first `}` and
# drew `B\small{ERT` and a stray `}`, every letter there, with no warning.
@pytest.mark.quick
def test_a_size_in_text_sets_the_rest_of_its_group():
    out, warnings = render(r"$\text{B\small{ERT}} \textbf{\small if } \text{\small E\scriptsize MPTY}$")
    assert warnings == []
    small, script = (re.search(r'mathsize="([^"]+)"', literate.tex.tex_to_mathml(rf"{{\{size} x}}", False))[1]
                     for size in ("small", "scriptsize"))
    assert (f'<mtext>B</mtext><mrow><mstyle mathsize="{small}"><mrow><mtext>ERT</mtext></mrow></mstyle></mrow>'
            f'<mrow><mstyle mathsize="{small}"><mtext mathvariant="bold">if\xa0</mtext></mstyle></mrow>'
            f'<mrow><mstyle mathsize="{small}"><mtext>E</mtext><mrow><mstyle mathsize="{script}"><mtext>MPTY</mtext>'
            in html.unescape(out))


# --- Whole or not at all ---------------------------------------------------

@pytest.mark.quick
@pytest.mark.parametrize("tex, problem", [
    (r"a &= b \\ c &= d", "& outside a table"),  # KaTeX too wants an environment
    (r"\notacommand x", "unknown command \\notacommand"),
    (r"a \middle| b", "ExtraLeftOrMissingRightError"),
    (r"\text{a \notacommand b}", "unknown command \\notacommand"),  # inside text, too
])
def test_a_formula_that_cannot_be_drawn_whole_is_shown_as_its_tex_with_a_warning(tex, problem):
    out, warnings = render(f"Before $${tex}$$ after.")
    assert "<math" not in out
    assert f'<code class="lp-math-error">{html.escape(f"$${tex}$$", quote=False)}</code>' in out
    assert len(warnings) == 1 and warnings[0].startswith("cannot render math") and problem in warnings[0]


@pytest.mark.quick
def test_a_letter_missing_from_the_mathml_is_refused():
    element = ElementTree.fromstring("<math><mi>x</mi><mo>+</mo></math>")
    assert list(literate.tex.problems("x + y_{ij}", element)) == ["missing 'y', 'ij'"]
    assert list(literate.tex.problems(r"\textcolor{lightgreen}{x} + \begin{array}{cc}\end{array}", element)) == []


# What latex2mathml leaves of a text it misread: a command's name and a
# brace, each with the letters around it.
@pytest.mark.quick
def test_a_command_or_a_brace_left_in_a_token_is_refused():
    element = ElementTree.fromstring("<math><mtext>B\\small{ERT</mtext><mi>}</mi><mo>&amp;#x0007B;</mo></math>")
    assert list(literate.tex.problems(r"\text{B\small{ERT}}", element)) == ["unknown command \\small",
                                                                            "stray brace in }"]


# Its letters are in the text, yet the sanitizer takes them away.
@pytest.mark.quick
def test_an_element_inside_a_token_is_refused():
    element = ElementTree.fromstring("<math><mo><mrow><mi>A</mi><mi>b</mi></mrow></mo></math>")
    assert list(literate.tex.problems(r"\mathop{Ab}", element)) == ["<mrow> inside <mo>"]


@pytest.mark.quick
def test_words_of_tex_leave_out_what_draws_nothing_and_keep_function_names():
    assert literate.tex.words_of_tex(r"\textcolor{lightgreen}{W_q} \hspace{1em} \sin x \\[2pt] y") == [
        "W", "q", "sin", "x", "y"]
    assert literate.tex.words_of_tex(r"\begin{array}{cc} a & b \end{array} \pmod{n} % a comment") == [
        "a", "b", "mod", "n"]
    # A script not in braces is one character: `o^T_io_i` is o, i below, then o.
    assert literate.tex.words_of_tex(r"do^T_io_i + x_{ab}") == ["do", "T", "i", "o", "i", "x", "ab"]


def formulas():
    return FORMULAS.read_text(encoding="utf-8").rstrip("\n").split("\n%%%\n")


# The set the engines were measured on renders whole, and the sanitizer
# keeps all of it.
@pytest.mark.quick
def test_the_measured_formulas_render_whole_and_pass_the_sanitizer_unchanged():
    for tex in formulas():
        mathml = literate.tex.tex_to_mathml(tex, display=True)
        # nh3 writes characters for their references and closes empty elements.
        same = html.unescape(re.sub(r"<(\w+)([^<>]*?) />", r"<\1\2></\1>", mathml))
        assert html.unescape(literate.commentary.sanitize(mathml)) == same, tex
    assert len(formulas()) >= 300


# --- At its line -------------------------------------------------------------

def test_a_formula_that_cannot_be_drawn_whole_is_reported_at_its_line(project, capsys):
    words = "A sum over lines:\n\n$$a\n+ b\n- c &= d$$\n\nand then $x$."
    write(project / "source", "alpha.py", lesson("Alpha", words))
    status, _, err = run_build(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    assert status == 0 and "alpha.py:6: warning: cannot render math '$$a\\n+ b\\n- c &= d$$': & outside a table" in err
    page = (project / "pages" / "en" / "alpha.md").read_text(encoding="utf-8")
    assert '<code class="lp-math-error">$$a\n+ b\n- c &amp;= d$$</code>' in page and page.count("<math") == 1
