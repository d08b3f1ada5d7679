"""The parser contract on generated sources (Hypothesis).

Sources are built from the pieces that trip line-based parsers: comments at
any indentation, docstrings in every quote style and prefix, strings holding
`#` and `\"\"\"`, decorators, nested definitions, blank lines, and every line
ending. Broken variants of them must give a SourceError, never a crash.
The runs are derandomized: CI sees the same few hundred examples each time.
"""

import pytest
import ast
import warnings
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import build_docs
import literate.highlight
import literate.parse
import literate.site
import literate.render
from contract import check_contract
from site_html import text_of

pytestmark = pytest.mark.quick

FUZZ = settings(max_examples=300, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

WORDS = st.sampled_from([
    "why", "alpha", "#", "# not a comment", "delimiter", "noqa", "type: ignore", "$x^2$", "$$a_1$$",
    "\\nabla", "<b>", "{{ x }}", "{% y %}", "&amp;", "中文", "``code``", "**Title**:", "'", "r",
    "form\x0cfeed", "line\u2028separator", "next\x85line", "file\x1csep",
])
NAMES = st.sampled_from(["a", "b", "f", "g", "x", "_y", "数"])


def words(draw, most=4):
    return " ".join(draw(st.lists(WORDS, min_size=0, max_size=most)))


@st.composite
def comment(draw, indent):
    # A comment line may sit at any indentation, even a different one.
    margin = draw(st.sampled_from([indent, "", " ", "\t", indent + "  "]))
    return [f"{margin}#{draw(st.sampled_from(['', ' ', '  ']))}{words(draw)}".rstrip()]


@st.composite
def blank(draw, indent):
    return [draw(st.sampled_from(["", "  ", "\t", indent]))]


# String literals that hold what a line parser mistakes for comments and
# docstrings.
STRINGS = st.sampled_from([
    "'# not a comment'", '"#"', "'\"\"\"'", '"\'\'\'"', "f\"{1} # {'#'}\"", "b'#'", "rb'#\\\\'",
    '"""\n# inside a string\n"""', "'''\n\"\"\" not the end\n    # still the string\n'''",
    'f"""\n{1}\n# in an f-string\n"""', "'''x'''", '"a" "#b"',
])


@st.composite
def assignment(draw, indent):
    target, value = draw(NAMES), draw(st.one_of(STRINGS, st.sampled_from(["1", "None", "[]"])))
    trailing = draw(st.sampled_from(["", "  # trailing", "  # noqa", "  # type: int"]))
    lines = f"{target} = {value}{trailing}".split("\n")
    return [indent + lines[0]] + lines[1:]


@st.composite
def bracketed(draw, indent):
    # A comment inside brackets, and a backslash continuation.
    inner = draw(st.sampled_from(["", "# inside", "  # inside"]))
    lines = [f"{indent}{draw(NAMES)} = f(1,", f"{indent}    {inner}".rstrip(), f"{indent}    2)"]
    if draw(st.booleans()):
        lines += [f"{indent}{draw(NAMES)} = 1 + \\", f"{indent}    2"]
    return lines


# Every prefix and quote a docstring can have; `b` and `f` make a string that
# is not a docstring, which must stay code.
PREFIXES = st.sampled_from(["", "r", "R", "u", "U", "b", "f", "rb"])
QUOTES = st.sampled_from(['"""', "'''", '"', "'"])


@st.composite
def docstring(draw, indent):
    prefix, quote = draw(PREFIXES), draw(QUOTES)

    def text():
        words_ = words(draw).replace(quote[0], "").replace("\\", "")
        if "f" in prefix:
            words_ = words_.replace("{", "").replace("}", "")
        if "b" in prefix:
            words_ = words_.encode("ascii", "ignore").decode()
        return words_

    first = f"{indent}{prefix}{quote}{text()}"
    if len(quote) == 1:
        return [first + quote]
    body = [f"{indent}{draw(st.sampled_from(['', '    ']))}{text()}".rstrip()
            for _ in range(draw(st.integers(0, 3)))]
    if draw(st.booleans()):
        return [first] + body + [indent + quote]
    lines = [first] + body
    lines[-1] += quote
    return lines


@st.composite
def definition(draw, indent, unit, depth):
    lines = []
    for _ in range(draw(st.integers(0, 2))):
        lines.append(f"{indent}@{draw(NAMES)}")
        if draw(st.booleans()):
            lines += draw(comment(indent))
    kind = draw(st.sampled_from(["def", "async def", "class"]))
    header = f"{indent}{kind} {draw(NAMES)}" + ("(a, b=1):" if kind != "class" else "(object):")
    form = draw(st.sampled_from(["block", "docstring on the header line", "one line"]))
    if form != "block":
        # A docstring that shares its line with code stays code.
        return lines + [header + (' """doc"""' if form != "one line" else " ...  # trailing")]
    lines.append(header)
    inner = indent + unit
    if draw(st.booleans()):
        lines += draw(comment(inner))
    if draw(st.booleans()):
        lines += draw(docstring(inner))
    return lines + draw(block(inner, unit, depth + 1))


@st.composite
def compound(draw, indent, unit, depth):
    header = draw(st.sampled_from(["if x:", "for a in b:", "while x:", "with f() as a:", "try:",
                                   'if __name__ == "__main__":', "match x:"]))
    lines = [indent + header]
    if header == "match x:":
        lines.append(indent + unit + "case 1:")
        return lines + draw(block(indent + unit + unit, unit, depth + 1))
    lines += draw(block(indent + unit, unit, depth + 1))
    if header == "try:":
        lines += draw(comment(indent)) if draw(st.booleans()) else []
        lines += [indent + "except Exception:"] + draw(block(indent + unit, unit, depth + 1))
    elif header == "if x:" and draw(st.booleans()):
        lines += [indent + "else:"] + draw(block(indent + unit, unit, depth + 1))
    return lines


@st.composite
def block(draw, indent, unit, depth):
    kinds = ["comment", "blank", "assignment", "bracketed", "string"]
    if depth < 3:
        kinds += ["definition", "compound"]
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(kinds))
        if kind == "definition":
            lines += draw(definition(indent, unit, depth))
        elif kind == "compound":
            lines += draw(compound(indent, unit, depth))
        elif kind == "string":
            lines += draw(docstring(indent))  # a string statement that is no docstring
        else:
            lines += draw({"comment": comment, "blank": blank, "assignment": assignment,
                           "bracketed": bracketed}[kind](indent))
    if all(not line.strip() or line.lstrip().startswith("#") for line in lines):
        lines.append(indent + "pass")  # a block needs one statement
    return lines


@st.composite
def python_source(draw):
    unit = draw(st.sampled_from(["    ", "  ", "\t"]))
    lines = []
    if draw(st.booleans()):
        lines.append("#!/usr/bin/env python")
    if draw(st.booleans()):
        lines.append("# -*- coding: utf-8 -*-")
    if draw(st.booleans()):
        lines += draw(docstring(""))
    lines += draw(block("", unit, 0))
    endings = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines)))
    text = "".join(line + end for line, end in zip(lines, endings))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no newline at the end of the file
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    assume(python_accepts(text))
    return text


def python_accepts(text):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text.removeprefix("\ufeff"))
    except (SyntaxError, ValueError):
        return False
    return True


@FUZZ
@given(python_source())
def test_contract_on_generated_sources(text):
    check_contract(text)


# A source that is almost right: one character deleted, doubled or
# replaced. Either the contract holds or the parser says where it failed,
# exactly when Python fails too.
@st.composite
def damaged_source(draw):
    text = draw(python_source())
    at = draw(st.integers(0, max(len(text) - 1, 0)))
    damage = draw(st.sampled_from(["delete", "double", "quote", "indent", "nul", "bracket"]))
    replacement = {"delete": "", "double": text[at: at + 1] * 2, "quote": '"', "indent": "\t ",
                   "nul": "\0", "bracket": "("}[damage]
    return text[:at] + replacement + text[at + 1:]


def check_contract_or_source_error(text):
    try:
        check_contract(text)
    except build_docs.SourceError as error:
        assert not python_accepts(text), f"refused a source Python accepts: {error.message}"
        lines = literate.parse.split_lines(text)
        assert 1 <= error.line <= len(lines) + 1 and error.col >= 1 and error.message


@FUZZ
@given(damaged_source())
def test_damaged_sources_give_a_source_error_or_hold_the_contract(text):
    check_contract_or_source_error(text)


PYTHONISH = st.lists(st.sampled_from(list("abc ():=\t\n\r#'\"\\{}[]@.,0123456789\f中")
                                     + ["def ", "class ", '"""', "'''", "    ", "\r\n", "\0"]),
                     max_size=40).map("".join)


@FUZZ
@given(PYTHONISH)
def test_any_text_gives_a_source_error_or_holds_the_contract(text):
    check_contract_or_source_error(text)


# The whole page, not only the parser: rendering generated sources never
# raises, and every warning names a line of the file.
@settings(FUZZ, max_examples=100)
@given(python_source())
def test_rendering_generated_sources_never_fails(text):
    page = literate.site.Page(Path("fuzz.py"), "fuzz", "fuzz.py", "en")
    warnings = literate.render.render_page(page, text).warnings
    lines = literate.parse.split_lines(text)
    assert all(1 <= line <= len(lines) for line, _ in warnings), warnings


# Highlighting keeps every character of every line, whatever the source
# holds, and gives each line its own HTML.
@settings(FUZZ, max_examples=100)
@given(python_source())
def test_highlighting_generated_sources_keeps_every_character(text):
    parsed = literate.parse.parse_code(text)
    lines = literate.parse.split_lines(text)
    rendered = literate.highlight.highlight_code(lines, parsed.tokens, parsed.tree)
    assert [text_of(line) for line in rendered] == lines
