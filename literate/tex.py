"""
# TeX becomes MathML, whole or not at all

A formula in commentary is TeX, written for KaTeX or MathJax. It becomes
MathML at build time: browsers draw MathML themselves, so a page needs no
script and no CDN to show a formula.

In: a formula's TeX, and whether it is displayed. Out: its MathML, or an
error saying what of it would be lost.
"""

import html
import re
import unicodedata
from xml.etree import ElementTree
from xml.sax import saxutils

import latex2mathml.converter

__all__ = ["MATHML_TAGS", "IncompleteMath", "tex_to_mathml"]

# `latex2mathml` does the converting. Measured against Pandoc's texmath and
# KaTeX's MathML on formulas written as real series write them for KaTeX
# (`tests/benchmarks/tex_engines.py`), it draws the most of them whole once
# the few things below are put right: texmath refuses `\textcolor`, and
# KaTeX's MathML, which KaTeX itself only gives to screen readers, puts
# `\mathop`'s word where the sanitizer takes it away (see below). It is
# pure Python and needs no JavaScript engine.
#
# What it gets wrong, it gets wrong silently, so each case is mended here
# and every formula is then checked: a formula that would lose a letter, a
# word or a symbol is refused, and the commentary shows its TeX instead.


class IncompleteMath(ValueError):
    """The formula cannot be drawn whole."""


# ## Before converting
#
# A few environments and commands that KaTeX knows and latex2mathml reads
# wrongly are written as ones it reads right, with the same look:
# `aligned` as `split` (both align at `&` inside a formula),
# `alignat{n}` as `align`, `gather` as a centred column; `\operatorname*`
# as `\operatorname`, its limits beside it rather than below; a row's extra
# space (`\\[2pt]`) is left out. `\label`, `\nonumber` and `\notag` draw
# nothing.
REWRITES = (
    (re.compile(r"\\(begin|end)\{aligned\}"), r"\\\1{split}"),
    (re.compile(r"\\begin\{alignat(\*?)\}\{\d+\}"), r"\\begin{align\1}"),
    (re.compile(r"\\end\{alignat(\*?)\}"), r"\\end{align\1}"),
    (re.compile(r"\\begin\{(?:gather|multline)\*?\}"), r"\\begin{array}{c}"),
    (re.compile(r"\\end\{(?:gather|multline)\*?\}"), r"\\end{array}"),
    (re.compile(r"\\operatorname\*"), r"\\operatorname"),
    (re.compile(r"\\\\\s*\[[^\]]*\]"), r"\\\\"),
    (re.compile(r"\\label\s*\{[^{}]*\}|\\nonumber\b|\\notag\b"), ""),
)


def rewrite(tex):
    for pattern, replacement in REWRITES:
        tex = pattern.sub(replacement, tex)
    return color_as_textcolor(text_in_math(CONTROL_SPACE.sub(control_space, tex)))


# A backslash at the end of a line is a space, TeX's control space, as
# KaTeX reads it; latex2mathml shows the backslash. Each command is
# matched whole, so that `\\` at a line's end stays a new row.
CONTROL_SPACE = re.compile(r"\\(?:[A-Za-z@]+|(\n|[ \r\t]+\n?)[ \r\t]*|.)", re.S)


def control_space(match):
    return "\\ " if match[1] is not None else match[0]


# `\color{red}` colours the rest of its group, and a table's cell is a
# group; latex2mathml colours on across the cell's `&` and `\\`, and the
# table loses its columns. What it colours is given as `\textcolor`'s
# argument instead, up to the end of its group or cell.
COLOR = re.compile(r"\\color\s*\{([^{}]*)\}")


def color_as_textcolor(tex):
    match = COLOR.search(tex)
    if not match:
        return tex
    depth, end = 0, match.end()
    while end < len(tex):
        if depth == 0 and (tex.startswith(("\\\\", "\\end"), end) or tex[end] == "&"):
            break
        if tex[end] == "\\":
            end += 1
        elif tex[end] == "{":
            depth += 1
        elif tex[end] == "}" and depth == 0:
            break
        elif tex[end] == "}":
            depth -= 1
        end += 1
    coloured = color_as_textcolor(tex[match.end():end])
    return f"{tex[:match.start()]}\\textcolor{{{match[1]}}}{{{coloured}}}{color_as_textcolor(tex[end:])}"


# Text in a formula (`\text{…}`, `\textbf{…}`, `\mbox{…}` …) is read by
# latex2mathml up to its first `}`, and what it holds is shown as it is
# written: `\text{B\small{ERT}}` would show `B\small{ERT` and a stray
# `}`. KaTeX reads text as TeX does: a size (`\small`) sets the rest of its
# group, `{…}` is a group, `\_` is `_`, `$…$` is math again. Text that
# holds any of these is written as pieces that latex2mathml reads right:
# runs of plain text, each in the text's own command, inside the sizes and
# groups that hold them. Other text is left as it is.
TEXT_COMMANDS = "text|textrm|textbf|textit|textsf|texttt|textnormal|textup|textmd|emph|mbox|hbox"
SIZES = {"tiny", "scriptsize", "footnotesize", "small", "normalsize", "large", "Large", "LARGE", "huge", "Huge"}
TEXT = re.compile(rf"\\(?:({TEXT_COMMANDS})\s*\{{|[A-Za-z@]+|.)", re.S)
TEXT_PIECE = re.compile(r"\\(?:([A-Za-z@]+)\s*|(.))|([{$])", re.S)


def closing_brace(tex, start):
    """Where the group opened just before `start` closes, or None."""
    depth, index = 0, start
    while index < len(tex):
        if tex[index] == "\\":
            index += 1
        elif tex[index] == "{":
            depth += 1
        elif tex[index] == "}":
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return None


def text_in_math(tex):
    out, start, position = [], 0, 0
    while match := TEXT.search(tex, position):
        position = match.end()
        end = closing_brace(tex, match.end()) if match[1] else None
        if end is not None and re.search(r"[\\{}$]", tex[match.end():end]):
            out.append(tex[start:match.start()] + text_as_math(match[1], tex[match.end():end]))
            start = position = end + 1
    return "".join(out) + tex[start:]


def text_as_math(command, text):
    pieces, run, index = [], "", 0
    while match := TEXT_PIECE.search(text, index):
        run += text[index:match.start()]
        index = match.end()
        word, symbol, opening = match.groups()
        if symbol and symbol in "_&%$#":
            run += symbol
            continue
        if symbol and symbol.isspace():
            run += " "
            continue
        end = closing_brace(text, index) if opening == "{" else text.find("$", index) if opening else None
        if word not in SIZES and not (symbol and symbol in "{}") and end in (None, -1):
            run += match[0]  # what is not known stays, and is refused below
            continue
        pieces, run = pieces + plain(command, run), ""
        if word in SIZES:
            return "".join(pieces) + f"{{\\{word} {text_as_math(command, text[index:])}}}"
        if symbol:
            pieces.append("\\" + symbol)
        else:
            pieces.append("{" + (text_as_math(command, text[index:end]) if opening == "{" else text[index:end]) + "}")
            index = end + 1
    return "".join(pieces + plain(command, run + text[index:]))


def plain(command, text):
    return [f"\\{command}{{{text}}}"] if text else []


# ## After converting
#
# `\mathop{Attention}` and `\mathrel{:=}` come out as an `<mo>` holding
# other elements. In HTML a token element holds text and HTML, never
# MathML: an `<mrow>` in it is read as an unknown HTML element, and the
# sanitizer, which keeps MathML only where MathML can be, takes it away
# with its word. Such an element becomes an `<mrow>` of what it holds. A
# sized delimiter written as a command (`\big\Vert`, `\Bigg\lfloor`) comes
# out as the command's name (`\big\{` as `\{`), and `\arg` as `\arg`:
# each gets its character, or its name.
TOKENS = {"mi", "mn", "mo", "mtext", "ms"}
FUNCTION_NAMES = {"arg"}


def mend(element):
    for node in element.iter():
        if node.tag in TOKENS and len(node):
            node.tag = "mrow"
            node.attrib.clear()
        elif node.tag in TOKENS and node.text and re.fullmatch(r"\\(?:[A-Za-z]+|[^\w\s])", node.text):
            node.text = symbol(node.text)


def symbol(command):
    if command[1:] in FUNCTION_NAMES:
        return command[1:]
    alone = latex2mathml.converter.convert_to_element(command)
    tokens = [node for node in alone.iter() if node.tag in TOKENS]
    return tokens[0].text if len(tokens) == 1 and tokens[0].text else command


# ## Whole or not at all
#
# What a formula says in letters, digits and words must be in its MathML:
# every run of letters or digits of the TeX, once the names of commands
# and the arguments that draw nothing (a colour, a column layout, a
# space's width) are set aside, appears in the text of the MathML; the
# names of functions (`\arg`, `\max`, `\log` …) count as words. MathML's
# styled letters (𝔼, 𝐱, ℝ) count as the letters they style. And nothing
# may be left that would be drawn wrong or taken away on the way: an
# unknown command, a stray `&`, an element out of the allow-list, an
# element inside a token. A browser cannot be asked at build time what it
# drew; this is what it is given to draw.
MATHML_TAGS = {"math", "semantics", "annotation", "menclose", "mfrac", "mi", "mn", "mo", "mover", "mpadded",
               "mphantom", "mroot", "mrow", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable",
               "mtd", "mtext", "mtr", "munder", "munderover"}
SILENT_ARGUMENTS = re.compile(
    r"\\(?:textcolor|color|colorbox|href|style|class|cssId|htmlClass|htmlId|htmlStyle)\s*\{[^{}]*\}"
    r"|\\fcolorbox\s*\{[^{}]*\}\s*\{[^{}]*\}|\\rule\s*(?:\[[^\]]*\])?\s*\{[^{}]*\}\s*\{[^{}]*\}"
    r"|\\(?:begin|end)\s*\{[^{}]*\}(?:\s*\{[^{}]*\})?"  # an environment, and an array's columns
    r"|\\(?:[hv]space|kern|mkern|hskip|mskip|mspace)\*?\s*\{?\s*[-+]?[\d.]*\s*[a-z]{0,2}\s*\}?"
    r"|\\\\\s*\[[^\]]*\]"  # a row's extra space
    r"|(?<!\\)%[^\n]*"
)
# A sub- or superscript not in braces is one character: `o^T_io_i` is `o`
# with `i` below, then `o`, so `io` is no word of it.
SCRIPT_OF_ONE = re.compile(r"([_^]\s*[^\s\\{])")
FUNCTIONS = re.compile(r"\\(arg|deg|det|dim|exp|gcd|hom|inf|ker|lg|lim|liminf|limsup|ln|log|max|min|Pr|sup|"
                       r"sin|cos|tan|cot|sec|csc|sinh|cosh|tanh|coth|arcsin|arccos|arctan|[bp]?(mod))(?![A-Za-z])")


def words_of_tex(tex):
    text = FUNCTIONS.sub(lambda match: f" {match[2] or match[1]} ", SILENT_ARGUMENTS.sub(" ", tex))
    text = SCRIPT_OF_ONE.sub(r"\1 ", text)
    return re.findall(r"[^\W_]+", re.sub(r"\\[A-Za-z]+|\\.", " ", text))


def text_of_mathml(element):
    text = "".join(html.unescape(node.text or "") for node in element.iter() if node.tag != "annotation")
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def problems(tex, element):
    for node in element.iter():
        if node.tag not in MATHML_TAGS:
            yield f"<{node.tag}>"
        elif node.tag in TOKENS and len(node):
            yield f"<{node[0].tag}> inside <{node.tag}>"
        elif node.tag in TOKENS and "\\" in (node.text or ""):
            yield "unknown command " + re.search(r"\\(?:[A-Za-z]+|.)", node.text, re.S)[0]
        elif node.tag in TOKENS and re.search("[{}]", node.text or ""):
            yield f"stray brace in {node.text}"
        elif node.tag in TOKENS and node.text == "&":
            yield "& outside a table"
    drawn = text_of_mathml(element)
    missing = [word for word in dict.fromkeys(words_of_tex(tex)) if word not in drawn]
    if missing:
        yield "missing " + ", ".join(repr(word) for word in missing)


# latex2mathml keeps characters as entity text (`&#x0003C;`) and unescapes
# its output, so what `\text{}` holds would arrive as markup: a `<` in it is
# escaped here first, and shows as `<`. The TeX source travels with the
# MathML as its `alttext`, the text alternative MathML defines for readers
# that cannot speak MathML, and as an annotation, for copying.
def tex_to_mathml(tex, display):
    tex = tex.strip()
    element = latex2mathml.converter.convert_to_element(rewrite(tex), display="block" if display else "inline")
    mend(element)
    found = list(problems(tex, element))
    if found:
        raise IncompleteMath("; ".join(dict.fromkeys(found)))
    for node in element.iter():
        if node.text:
            node.text = node.text.replace("<", "&lt;").replace(">", "&gt;")
    mathml = saxutils.unescape(ElementTree.tostring(element, encoding="unicode"))
    head, body = mathml.split(">", 1)
    body = body[: -len("</math>")]
    source = html.escape(tex)
    annotation = f'<annotation encoding="application/x-tex">{source}</annotation>'
    return f'{head} alttext="{source}"><semantics>{body}{annotation}</semantics></math>'
