"""
# How this site is built

This page is `build_docs.py`, the program that made it, read by itself.
Every tutorial on this site is an ordinary Python file: its comments and
docstrings are the commentary on the left, its code the column on the right.
The build runs in seven small stages, and data flows one way through them:

1. **read** each source file as text, and a text-first source (literate
   text, `x.py.txt`) as the code PyLit makes of it;
2. **parse** it into sections of commentary and code, with `tokenize` and
   `ast`, so that a `#` inside a string can never be mistaken for a comment;
3. **render the commentary** from Markdown and TeX to HTML, math included,
   at build time: the site needs no network to show a formula;
4. **highlight the code** with Pygments, one pass per file, keeping the
   source's own line numbers;
5. **run the tutorials' tests**, each tutorial in a pytest process of its
   own, so that its page can show what they proved on this build;
6. **write the pages** as Markdown files that Material for MkDocs publishes,
   one tree of pages per language, in chapters, each page with its code and
   its literate text beside it to download;
7. **run MkDocs** into a fresh folder, and swap it in only when it succeeded.

The sources are found first: a folder of `source/` is a chapter, and
`x_zh.py` is the Chinese version of the page `x.py` (see "Chapters and
languages" below).

A build does again only what changed since the last one: a tutorial's
tests, a page (stages 1 to 4, in a process per core), MkDocs for a page
(see "Many pages: in parallel, and each only once" and "Building only
what changed"). Whatever it reuses, it gives the bytes a build from
nothing would.

Run `python build_docs.py --help` for the options.
"""

import argparse
import ast
import codecs
import concurrent.futures
import contextlib
import ctypes
import functools
import hashlib
import html
import importlib.metadata
import importlib.util
import io
import itertools
import json
import logging
import multiprocessing
import os
import pickle
import platform
import posixpath
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import tokenize
import unicodedata
import urllib.parse
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import markdown
import latex2mathml.converter
from markdown.inlinepatterns import HTML_RE, InlineProcessor
from pygments.lexers import PythonLexer
from pygments.token import STANDARD_TYPES

from literate import conventions

with warnings.catch_warnings():
    # PyLit 0.8.0 holds an invalid escape sequence, which Python reports when
    # it compiles the module (a SyntaxWarning from 3.12, an error under
    # `-W error`). That is PyLit's business, not our users'.
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import pylit

ROOT = Path(__file__).resolve().parent
GENERATOR_PAGE = "build_docs"


# ## Sections: the unit of a page
#
# A page is a list of sections. Each holds some commentary (`docs`, as
# Markdown) and the code it explains (`code`, the source lines verbatim).
# `first_line` and `last_line` say which lines of the file the section
# covers: the sections of a file cover it in order, with no gap or overlap.
# `code_line_numbers` says which of those lines are in `code`; the others are
# comment lines, docstring lines, or blank lines that only separated
# commentary from code.
@dataclass
class Section:
    docs: str
    code: str
    first_line: int
    last_line: int
    code_line_numbers: tuple = ()


class SourceError(Exception):
    """A source that cannot be turned into a page; `line`/`col` are 1-based."""

    def __init__(self, message, line=1, col=1):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


# ## Stage 1: read
#
# A source is read the way Python reads it: UTF-8, a byte-order mark
# ignored, or the encoding its `# coding:` line declares. Anything Python
# would refuse gets an error that names the file, the line and the column,
# never a traceback.
def read_source(path):
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise SourceError(f"cannot be read: {error.strerror}") from None
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError as error:
        # Also raised for a byte that is not UTF-8 on the first two lines:
        # decoding as UTF-8 below then names that byte.
        encoding, cookie_problem = "utf-8", error.msg
        if data.startswith(codecs.BOM_UTF8):
            cookie_problem = "starts with a UTF-8 byte-order mark but its coding line names another encoding"
    else:
        cookie_problem = None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line, col = line_and_column(data[: error.start].decode(encoding, "replace"))
        byte = data[error.start]
        raise SourceError(f"is not valid {error.encoding} (byte 0x{byte:02x}); save it as UTF-8", line, col) from None
    if cookie_problem:
        raise SourceError(cookie_problem)
    reject_nul(text)
    return text


# Python refuses a NUL byte anywhere in a source; it is the mark of a
# binary file saved as `.py`.
def reject_nul(text):
    if "\0" in text:
        raise SourceError("contains a NUL byte; is this a binary file?", *line_and_column(text[: text.index("\0")]))


# The line and column just after `text_before`, counted the way compilers
# count them: 1-based, lines ended by `\n`, `\r\n` or `\r`.
def line_and_column(text_before):
    lines = re.split(r"\r\n|\r|\n", text_before)
    return len(lines), len(lines[-1]) + 1


# ### Text first or code first: literate text with PyLit
#
# Some authors think in prose first. A source named `x.py.txt` (PyLit's
# naming) is reStructuredText with the code in literal blocks, the indented
# blocks after a paragraph that ends in `::`. PyLit turns it into Python,
# its paragraphs into `#` comments, and every later stage reads that code as
# if the author had typed it. The other way, every page offers its code as
# such a text, made by PyLit.
#
# Both ways must lose nothing: code → text → code gives back the same
# characters, and so does text → code → text. PyLit alone changes 97 of the
# 168 top-level modules of Python 3.11's standard library on the way there
# and back, for three reasons, each mended here around PyLit:
#
# - Python has two blank lines between comment paragraphs, an empty line
#   and an empty comment `#`; PyLit's text has one, and PyLit brings back
#   the kind that fits where it stands: `#` in prose, empty in code. Where
#   that would be the wrong kind, the text's blank line holds one space,
#   which reStructuredText reads as blank: "the other kind, here".
# - Between a comment block and the code after it, PyLit adds a `::`
#   paragraph, so that the code is read as a literal block; on the way back
#   it would become a `# ::` comment. The blank line before an added `::` is
#   always one of those single spaces, so an added `::` is known and left
#   out, while a `::` the author wrote stays.
# - A comment block that PyLit would misread on the way back stays code in
#   the text, where it is read as code. One indented deeper than the prose,
#   just after code, is part of the literal block to reStructuredText and so
#   to PyLit; one of empty `#` lines only has no prose to show, and leaves
#   the `::` added after it looking like an author's.
#
# PyLit also takes the code indentation off blank lines in code, which had
# none added; ours keep theirs. A file with Windows line ends is converted
# with Unix ones and gets its own back. Code blocks are indented by four
# spaces, as Python indents (PyLit's default is two): a text-first source
# indents its code blocks so, or its text will not come back as written.
#
# Whatever the file, the conversion is proved by converting back. A file that
# would not come back identical gets an error at its first line that
# differs (a tab, which PyLit expands, is the usual cause), and its page then
# offers no literate text rather than a wrong one.
LITERATE_SUFFIX = ".py.txt"
PYLIT_OPTIONS = {"language": "python", "comment_string": "# ", "codeindent": 4}
OTHER_BLANK = " \n"
ADDED_MARKER = "::\n"
# Marks a comment line that PyLit must take for code; a source never holds
# a NUL, so none is lost when the marks are taken out again.
KEPT_AS_CODE = "\0"


def is_literate_text(path):
    return Path(path).name.endswith(LITERATE_SUFFIX)


# PyLit works on lines that keep their `\n`; nothing else ends a line here.
def lines_with_ends(text):
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def unix_newlines(text):
    if "\r\n" in text and text.count("\r\n") == text.count("\n"):
        return text.replace("\r\n", "\n"), "\r\n"
    return text, "\n"


# `Code2Text` writes the added `::` paragraphs; written again without them,
# its text matches the code line for line, which finds each code line in
# the first text.
def pylit_text(lines, kept_as_code):
    marked = [
        "#" + KEPT_AS_CODE + line[1:] if row in kept_as_code and line.startswith("#") else line
        for row, line in enumerate(lines)
    ]
    text = pylit.Code2Text(marked, **PYLIT_OPTIONS)()
    plain = pylit.Code2Text(marked, add_missing_marker=False, **PYLIT_OPTIONS)()
    place, at = [], 0
    for line in plain:
        while text[at] != line:
            at += 2  # an added `::` and the blank line after it
        place.append(at)
        at += 1
    return [line.replace(KEPT_AS_CODE, "") for line in text], place


# `Text2Code` gives one code line for each line of text.
def pylit_code(text_lines):
    code = []
    try:
        for line in pylit.Text2Code(text_lines, **PYLIT_OPTIONS):
            code.append(line)
    except ValueError:
        raise SourceError("this line of a code block is indented less than the "
                          "first code block of the text", len(code) + 1) from None
    return code


def paragraphs_around(lines, rows):
    kept = set()
    for row in rows:
        first, last = row, row
        while first > 0 and lines[first - 1].strip():
            first -= 1
        while last + 1 < len(lines) and lines[last + 1].strip():
            last += 1
        kept.update(range(first, last + 1))
    return kept


# PyLit's text with its blank lines marked, and the comment lines PyLit
# would misread on the way back: prose read as code, and the last comment
# before an added `::` that could not be told from an author's.
def marked_text(lines, kept_as_code):
    text, place = pylit_text(lines, kept_as_code)
    row_at = {at: row for row, at in enumerate(place)}
    try:
        back = pylit_code(text)
    except SourceError as error:
        if error.line - 1 not in row_at:
            raise
        return text, {row_at[error.line - 1]}
    for row, line in enumerate(lines):
        at = place[row]
        if text[at] == "\n" and {line, back[at]} == {"\n", "#\n"}:
            text[at] = OTHER_BLANK
    misread = {
        row for row, line in enumerate(lines)
        if line.startswith("# ") and text[place[row]] == line[2:] and back[place[row]] != line
    }
    for at, line in enumerate(text):
        if at in row_at or line != ADDED_MARKER or (text[at - 1] == OTHER_BLANK and back[at - 1].startswith("#")):
            continue
        comments_before = [row for row in range(len(lines)) if place[row] < at and lines[row].startswith("#")]
        misread.update(comments_before[-1:])
    return text, misread


def code_to_literate_text(code):
    unix, newline = unix_newlines(code)
    lines = lines_with_ends(unix)
    kept_as_code = set()
    while True:
        text, misread = marked_text(lines, kept_as_code)
        if misread <= kept_as_code:
            break
        kept_as_code |= paragraphs_around(lines, misread)
    literate = "".join(text).replace("\n", newline)
    check_same(code, literate_text_to_code(literate), "PyLit's literate text would not give back this line")
    return literate


# Each code line comes with the line of the text it was made from, so that
# an error in the code can be shown where the author wrote it.
def literate_code_lines(text):
    unix, newline = unix_newlines(text)
    text_lines = lines_with_ends(unix)
    code_lines = pylit_code(text_lines)
    result, skip = [], 0
    for at, (line, code) in enumerate(zip(text_lines, code_lines)):
        if skip:
            skip -= 1
        elif (line == ADDED_MARKER and code == "# ::\n" and at > 0
              and text_lines[at - 1] == OTHER_BLANK and code_lines[at - 1] == "# \n"
              and text_lines[at + 1:at + 2] == ["\n"]):
            skip = 1
        elif line == OTHER_BLANK:
            result.append((at + 1, "\n" if code.startswith("#") else "#\n"))
        elif not line.strip() and not code.startswith("#"):
            result.append((at + 1, line))
        else:
            result.append((at + 1, code))
    return [(row, line.replace("\n", newline)) for row, line in result]


def literate_text_to_code(text):
    return "".join(line for _, line in literate_code_lines(text))


def check_same(expected, got, message):
    pairs = itertools.zip_longest(lines_with_ends(expected), lines_with_ends(got), fillvalue="")
    for row, (want, have) in enumerate(pairs, start=1):
        if want != have:
            raise SourceError(f"{message}: {want!r} came back as {have!r}", row)


# A page's code: its source, or the code PyLit makes of a text-first one.
def page_code(page):
    text = read_source(page.source)
    return text_first_code(text) if page.text_first else text


# A text-first source is read as the code PyLit makes of it. A syntax error
# in that code is reported here, at its line in the text.
def text_first_code(text):
    rows_and_lines = literate_code_lines(text)
    code = "".join(line for _, line in rows_and_lines)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except SyntaxError as error:
        row = rows_and_lines[min(error.lineno or 1, len(rows_and_lines)) - 1][0] if rows_and_lines else 1
        raise SourceError(f"in the code of this text: {error.msg}", row, error.offset or 1) from None
    return code


# ## Stage 2: parse into sections
#
# Lines are what Python's universal newlines make of the file: `\n`, `\r\n`
# and `\r` end a line, and nothing else does. (`str.splitlines` would also
# split on form feeds and other characters that real files contain.)
def split_lines(text):
    lines = re.split(r"\r\n|\r|\n", text)
    if lines[-1] == "":
        lines.pop()
    return lines


# Comments that tools read are code, not commentary: moving them out of the
# code would change what the tools see.
TOOL_PRAGMAS = re.compile(r"#\s*(noqa\b|type:|pragma:|fmt:|pylint:|mypy:|isort:|ruff:)")
CODING_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")
SECTION_BREAK = "delimiter"


def is_code_comment(comment, row):
    return (
        (row == 1 and comment.startswith("#!"))
        or (row <= 2 and CODING_COOKIE.match(comment) is not None)
        or TOOL_PRAGMAS.match(comment) is not None
    )


# Every line gets one of five kinds. `tokenize` tells us which lines hold
# code (a multi-line string is code on all its lines, even one that starts
# with `#`) and where the full-line comments are; `ast` tells us which
# strings are docstrings.
# A docstring's first line carries its whole text; its other lines are
# `DOCSTRING_REST`, which only say the line is taken.
CODE, BLANK, COMMENT, BREAK = "code", "blank", "comment", "break"
DOCSTRING, DOCSTRING_REST = "docstring", "docstring-rest"


@dataclass
class Line:
    kind: str
    text: str = ""  # the commentary a COMMENT or DOCSTRING line contributes
    header_of_docstring: bool = False  # starts a def/class whose docstring is commentary


def tokenize_lines(lines):
    source = "".join(line + "\n" for line in lines)
    reject_nul(source)
    try:
        with warnings.catch_warnings():
            # Invalid escapes in the author's strings are Python's business,
            # and Python will warn about them when the file runs.
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except SyntaxError as error:  # IndentationError and TabError too
        raise SourceError(error.msg, error.lineno or 1, error.offset or 1) from None
    except tokenize.TokenError as error:
        message, (line, col) = error.args
        raise SourceError(message, line, col + 1) from None
    except (RecursionError, MemoryError):
        # What CPython's parser raises for expressions nested thousands deep.
        raise SourceError("nested too deeply for Python's parser") from None
    return tree, tokens


# A docstring is commentary only when it stands alone on its lines; one that
# shares a line with code (`def f(): """doc"""`) stays in the code, so that
# no line is ever split between the two columns. The commentary is the text
# the author typed between the quotes, dedented: escapes are not
# interpreted, so `\nabla` means the same in a docstring as in a comment.
LAYOUT_TOKENS = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def find_docstrings(tree, tokens):
    candidates = {}
    for owner in docstring_owners(tree):
        if not (owner.body and isinstance(owner.body[0], ast.Expr)):
            continue
        value = owner.body[0].value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            candidates[value.lineno] = (owner, range(value.lineno, value.end_lineno + 1))
    wanted = {row for _, rows in candidates.values() for row in rows}
    tokens_on_row = {}
    for token in tokens:
        if token.type not in LAYOUT_TOKENS:
            for row in wanted.intersection(range(token.start[0], token.end[0] + 1)):
                tokens_on_row.setdefault(row, []).append(token)
    docstrings = {}
    for owner, rows in candidates.values():
        neighbours = {token for row in rows for token in tokens_on_row.get(row, ())}
        if len(neighbours) != 1 or next(iter(neighbours)).type != tokenize.STRING:
            continue
        decorators = getattr(owner, "decorator_list", None)
        header_row = decorators[0].lineno if decorators else getattr(owner, "lineno", None)
        docstrings[rows[0]] = (rows, docstring_text(next(iter(neighbours)).string), header_row)
    return docstrings


# Docstrings live only in the bodies of modules, classes and functions, and
# only statements hold those: the walk never enters an expression, which is
# most of a syntax tree.
STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def docstring_owners(tree):
    owners, pending = [], [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            owners.append(node)
        for name in STATEMENT_LISTS:
            children = getattr(node, name, ())
            if isinstance(children, list):
                pending.extend(children)
    return owners


# Like `inspect.cleandoc`, but without its tab expansion: commentary keeps
# the author's characters.
def docstring_text(literal):
    quote_at = min(i for i in (literal.find('"'), literal.find("'")) if i >= 0)
    body = literal[quote_at:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
    lines = body[len(quote):-len(quote)].split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    margin = min(indents, default=0)
    lines = [lines[0].lstrip()] + [line[margin:] for line in lines[1:]]
    return "\n".join(lines).strip()


# A full-line comment inside brackets annotates one element of an expression
# (`f(a,  # why a` on its own line): it stays in the code, where it is read
# together with the expression, rather than cutting the statement in two.
def classify_lines(lines):
    tree, tokens = tokenize_lines(lines)
    kinds = [Line(BLANK if not line.strip() else CODE) for line in lines]
    depth = 0
    comments = {}
    for token in tokens:
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.COMMENT:
            row, col = token.start
            if depth == 0 and not lines[row - 1][:col].strip():
                comments[row] = token.string
    for row, comment in comments.items():
        if is_code_comment(comment, row):
            continue
        text = comment[1:]
        text = text[1:] if text.startswith(" ") else text
        kinds[row - 1] = Line(BREAK) if text.strip() == SECTION_BREAK else Line(COMMENT, text)
    for first_row, (rows, text, header_row) in find_docstrings(tree, tokens).items():
        for row in rows:
            kinds[row - 1] = Line(DOCSTRING_REST)
        kinds[first_row - 1] = Line(DOCSTRING, text)
        if header_row is not None:
            kinds[header_row - 1].header_of_docstring = True
    return kinds


# Sections are grouped the way Docco groups them: commentary, then the code
# it explains; commentary after code starts a new section. Two refinements
# make the series' conventions read well:
#
# - a `def`/`class` whose docstring is commentary starts a section of its
#   own, and its decorators, its header line and everything up to the
#   docstring stay together, so the docstring sits beside the line it
#   documents;
# - a `# delimiter` comment ends the section before it and shows nothing.
#
# Blank lines between commentary and the first code of a section are left
# out of the code column; every other blank line stays in it.
def parse_source(text):
    lines = split_lines(text)
    if lines and lines[0].startswith("\ufeff"):
        tokenizable = [lines[0][1:]] + lines[1:]
    else:
        tokenizable = lines
    kinds = classify_lines(tokenizable)
    sections = []
    docs, code_rows, first = [], [], 1
    in_header = False

    def close(before_row):
        nonlocal docs, code_rows, first
        if before_row > first:
            sections.append(Section(
                docs="\n".join(docs).strip("\n"),
                code="\n".join(lines[row - 1] for row in code_rows),
                first_line=first,
                last_line=before_row - 1,
                code_line_numbers=tuple(code_rows),
            ))
        docs, code_rows, first = [], [], before_row

    for row, line in enumerate(kinds, start=1):
        if line.kind == DOCSTRING_REST:
            continue
        if line.kind == BREAK:
            close(row)
            in_header = False
        elif line.kind in (COMMENT, DOCSTRING):
            if code_rows and not in_header:
                close(row)
            if line.kind == DOCSTRING:
                in_header = False
                if line.text and docs and docs[-1] != "":
                    docs.append("")
            if line.kind == COMMENT or line.text:
                docs.append(line.text)
        elif line.kind == BLANK:
            if code_rows:
                code_rows.append(row)
            elif docs and docs[-1] != "":
                docs.append("")
        else:
            if line.header_of_docstring:
                if code_rows:
                    close(row)
                in_header = True
            code_rows.append(row)
    close(len(lines) + 1)
    return sections


# ## Stage 3: render the commentary
#
# Commentary is Markdown with TeX math. Math is turned into MathML here, at
# build time, by `latex2mathml`: browsers draw MathML themselves, so a page
# needs no script and no CDN to show a formula. The TeX source travels with
# it as an annotation, for screen readers and for copying.
#
# Math is found by a Markdown inline pattern, not by a search over the raw
# text, so `$` inside `code spans` stays code. `$...$` follows Pandoc's rule
# (no space just inside the dollars, no digit just after) so that prices in
# prose are not mistaken for math.
MATH = (
    r"\$\$(?P<dd>.+?)\$\$"
    r"|\\\[(?P<db>.+?)\\\]"
    r"|\\\((?P<ip>.+?)\\\)"
    r"|(?<![\\$])\$(?P<id>[^\s$](?:[^$]*?[^\s$\\])?)\$(?!\d)"
)


def tex_to_mathml(tex, display):
    mathml = latex2mathml.converter.convert(tex.strip(), display="block" if display else "inline")
    if re.search(r">\\[A-Za-z]", mathml):
        raise ValueError("unknown command " + re.search(r">(\\[A-Za-z]+)", mathml).group(1))
    head, body = mathml.split(">", 1)
    body = body[: -len("</math>")]
    annotation = f'<annotation encoding="application/x-tex">{html.escape(tex.strip())}</annotation>'
    return f"{head}><semantics>{body}{annotation}</semantics></math>"


# Math that cannot be rendered is shown as its TeX source, marked as an
# error, and reported; it is never dropped. Each report quotes the text it
# is about, so that the warning can name its source line.
class MathPattern(InlineProcessor):
    def __init__(self, md, report, pattern=MATH):
        super().__init__(pattern, md)
        self.report = report

    def handleMatch(self, match, data):
        kind = match.lastgroup
        tex = match.group(kind)
        try:
            rendered = tex_to_mathml(tex, display=kind in ("dd", "db"))
        except Exception as error:  # latex2mathml raises many kinds
            self.report(f"cannot render math {match.group(0)!r}: {error or type(error).__name__}", match.group(0))
            rendered = f'<code class="lp-math-error">{html.escape(match.group(0))}</code>'
        return self.md.htmlStash.store(rendered), match.start(0), match.end(0)


# A `$$` left over once every formula has been taken is one without its
# partner: it stays as written, and the author hears of it.
class UnbalancedMathPattern(InlineProcessor):
    def __init__(self, md, report):
        super().__init__(r"(?<!\\)\$\$", md)
        self.report = report

    def handleMatch(self, match, data):
        rest_of_line = re.split(f"[\n{markdown.util.STX}]", data[match.start(0):])[0]  # up to a placeholder
        self.report(f"unbalanced $$: {rest_of_line!r} has no closing $$", rest_of_line)
        return "$$", match.start(0), match.end(0)


# Raw HTML in commentary is shown as text, with a warning: an unclosed
# `<div>` in a comment must not be able to break the page around it, and a
# `<script>` must not run. (Markdown covers what commentary needs; `&amp;`
# and the like are still read as characters.)
class RawHtmlPattern(InlineProcessor):
    def __init__(self, md, report):
        super().__init__(HTML_RE, md)
        self.report = report

    def handleMatch(self, match, data):
        self.report(f"raw HTML is shown as text: {match.group(0)!r}", match.group(0))
        return match.group(0), match.start(0), match.end(0)


class CommentaryExtension(markdown.Extension):
    def __init__(self, report):
        super().__init__()
        self.report = report

    def extendMarkdown(self, md):
        # Above `backtick` (190) would break code spans; above `escape` (180)
        # keeps `\(` and `\[` from being read as escaped brackets.
        md.inlinePatterns.register(MathPattern(md, self.report), "math", 185)
        # Sphinx's ``:math:`x` `` is inline math; above `backtick` (190), which
        # would take its backticks for a code span.
        md.inlinePatterns.register(MathPattern(md, self.report, conventions.SPHINX_MATH_ROLE), "math_role", 196)
        md.inlinePatterns.register(UnbalancedMathPattern(md, self.report), "unbalanced_math", 184)
        # Block-level HTML then reaches the inline patterns as a paragraph.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.register(RawHtmlPattern(md, self.report), "html", 90)


# The tutorial series our seed page comes from writes a few things its own
# way; we read them so that its authors can bring their files unchanged:
# `<link URL link>` is a link titled "Related Link", and a docstring that
# starts `**Title**:` over an indented body is a bold title over that body
# (plain Markdown would make the body a code block). ``` ``x`` ``` is
# already inline code in Markdown.
SERIES_LINK = re.compile(r"<link\s+(\S+?)\s+link>")
SERIES_TITLE = re.compile(r"^(?:\*\*(?P<title>.+?)\*\*|(?P<plain>[A-Z][A-Za-z ]{0,30}))\s*[:：]\s*$")


def translate_series_conventions(text):
    text = SERIES_LINK.sub(r"[Related Link](\1)", text)
    lines, out = text.split("\n"), []
    index = 0
    while index < len(lines):
        title = SERIES_TITLE.match(lines[index])
        index += 1
        # A plain `Overview:` is a title only over an indented body.
        if not title or title["plain"] and not (index < len(lines) and lines[index][:1] in (" ", "\t")):
            out.append(lines[index - 1])
            continue
        body_end = index
        while body_end < len(lines) and (not lines[body_end].strip() or lines[body_end][:1] in " \t"):
            body_end += 1
        out += [f"**{title['title'] or title['plain']}**", ""]
        out.extend(textwrap.dedent("\n".join(lines[index:body_end])).split("\n"))
        index = body_end
    return "\n".join(out)


# Lines join into paragraphs, with no space between two Chinese characters,
# and lists, docstring sections and Sphinx roles read as the series writes
# them (`literate/conventions.py`); `line_breaks="keep"` keeps every break.
# `report(message, quote)` hears of every problem in the commentary.
def make_markdown(report, line_breaks="join"):
    md = markdown.Markdown(
        extensions=["extra", "admonition", "sane_lists", "codehilite", CommentaryExtension(report),
                    conventions.LineBreaks(line_breaks), conventions.SphinxRoles()],
        extension_configs={"codehilite": {"css_class": "highlight", "guess_lang": False}},
    )
    md.report = report
    return md


# Markdown recurses once per level of nesting; a comment of a thousand
# nested `>` or `*` is shown as plain text rather than stopping the build.
def render_commentary(text, md):
    md.reset()
    try:
        return md.convert(translate_series_conventions(conventions.docstring_sections(text)))
    except RecursionError:
        md.report("commentary nested too deeply for Markdown; shown as plain text", text)
        return "<p>" + html.escape(text).replace("\n", "<br />\n") + "</p>"


# ## Stage 4: highlight the code
#
# Pygments sees the whole file at once, so a string or a bracket that spans
# two sections is still coloured right. Its tokens are then cut at line ends,
# giving each source line its own HTML, which the sections pick up by line
# number. Token classes are Pygments' short names, which Material's theme
# colours in both its light and dark schemes.
#
# Every tag costs: MkDocs, Markdown and the search plugin each parse every
# tag of a page, and on code-heavy pages that is most of the build. So
# whitespace, which takes no colour, goes without a `<span>`, and
# neighbouring tokens of one class share one, as in Pygments' own HTML:
# that is a third fewer tags on the standard library's modules.
@functools.lru_cache(maxsize=None)
def css_class(token_type):
    while token_type not in STANDARD_TYPES:
        token_type = token_type.parent
    return STANDARD_TYPES[token_type]


# MkDocs passes each page through Markdown, which expands tabs to spaces and
# deletes the two characters it uses as placeholders, and mkdocs-static-i18n
# cuts each page into lines with `str.splitlines`, which also ends a line at
# a form feed and at the other line separators of Unicode; written as
# character references they reach the browser as the author typed them.
KEPT_FROM_MARKDOWN = str.maketrans({character: f"&#{ord(character)};"
                                    for character in "\t\x02\x03\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def highlight_code(lines):
    text = "".join(line + "\n" for line in lines)
    lexer = PythonLexer(stripnl=False, ensurenl=False, tabsize=0)
    tokens = list(lexer.get_tokens(text))
    if "".join(value for _, value in tokens) != text:
        # Pygments drops a leading BOM and the like: show such a file plain
        # rather than shifted.
        tokens = [(None, text)]
    rendered, runs = [], []  # runs: [class, text] of the line so far
    for token_type, value in tokens:
        name = css_class(token_type) if token_type is not None else ""
        for i, piece in enumerate(value.split("\n")):
            if i:
                rendered.append(line_html(runs))
                runs = []
            if piece:
                piece_class = name if piece.strip() else ""
                if runs and runs[-1][0] == piece_class:
                    runs[-1][1] += piece
                else:
                    runs.append([piece_class, piece])
    return rendered[: len(lines)]


def line_html(runs):
    parts = []
    for name, piece in runs:
        escaped = html.escape(piece, quote=False).translate(KEPT_FROM_MARKDOWN)
        parts.append(f'<span class="{name}">{escaped}</span>' if name else escaped)
    return "".join(parts)


# ## Stage 5: run the tutorials' tests
#
# A tutorial that says "the gradients match" shows that they did, on this
# build. Its claims are its `test_*` functions; each tutorial that has some
# runs in a process of its own, exactly as `pytest` runs it: `python -m
# pytest` on that one file, with the source's folder as working directory,
# so `__file__`, imports and relative paths are what they are when the
# author runs `pytest` there, and nothing of the build is loaded into it.
# The page then carries pytest's verdict, and the build fails when a
# tutorial does (unless `mkdocs.yml` lists it as expected to fail).
#
# A tutorial's status is PASSED, FAILED, TIMED_OUT or NOT_RUN, or, in a
# preview, RUNNING while its tests run in the background; a single test's
# outcome is PASSED, FAILED, SKIPPED or ERROR (it could not even be set up,
# or its module could not be imported).
PASSED, FAILED, TIMED_OUT, NOT_RUN, RUNNING = "passed", "failed", "timed out", "not run", "running"
SKIPPED, ERROR = "skipped", "error"


@dataclass
class CaseResult:
    """One test as pytest reports it: a `test_*` function, or one case of a parametrized one."""

    name: str
    outcome: str
    seconds: float
    message: str = ""
    line: int = 0  # the line of the tutorial where it failed, when pytest's report says

    @property
    def function(self):
        return self.name.split("[", 1)[0]


@dataclass
class Verdict:
    """What running a tutorial's tests showed; cached as JSON between builds."""

    status: str  # PASSED, FAILED, TIMED_OUT, NOT_RUN or RUNNING
    functions: list  # the names of its test_* functions, in file order
    cases: list = field(default_factory=list)  # CaseResults, in the order pytest ran them
    seconds: float = 0.0
    output: str = ""  # what pytest printed, stdout and stderr as they interleaved
    runtime: list = field(default_factory=list)  # [name, version]: Python, then what it imports
    problem: str = ""  # what went wrong with the run as a whole: a timeout, an import error
    expected_failure: str = None  # the reason mkdocs.yml gives, when it lists the tutorial


# pytest collects the `test_*` functions at the top of a module; those are
# the ones a page marks. A source Python cannot parse has none here: the
# page stage reports its error with file and line.
#
# Parsing a long module takes a while, and most modules hold no test: one
# whose text never says `test_` is not parsed. Python reads identifiers in
# NFKC form, so a name written in other Unicode forms is looked for in it.
def find_test_functions(text):
    if "test_" not in (text if text.isascii() else unicodedata.normalize("NFKC", text)):
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the page stage names what is wrong
    return [
        (node.name, node.decorator_list[0].lineno if node.decorator_list else node.lineno)
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
    ]


# ### Running pytest
#
# `-rA` makes pytest print what passing tests printed, not only failing
# ones; `-p no:cacheprovider`, `-p no:benchmark` (pytest-benchmark, where
# it is installed) and `PYTHONDONTWRITEBYTECODE` keep it from writing
# `.pytest_cache`, `.benchmarks` and `__pycache__` into the source folder;
# `COLUMNS` fixes the width of its report, so that one run prints the same
# bytes wherever the build runs.
#
# At the timeout the whole process group gets an interrupt, as if the
# author had pressed Ctrl-C: pytest then says where the test was stuck and
# still writes its report. Whatever ignores the interrupt is killed a few
# seconds later. Each run is a session of its own, so that this reaches
# the processes a tutorial started too; the flip side is that the
# terminal's Ctrl-C does not reach them, so the build stops the runs still
# going when it is interrupted itself (see `judge_tutorials`).
PYTEST_COMMAND = ("-m", "pytest", "-p", "no:cacheprovider", "-p", "no:benchmark", "-q", "-rA")
GRACE_SECONDS = 5
RUNNING_NOW = {}  # the pytest processes running now: process -> the script it tests


def run_pytest(script, folder, timeout):
    with tempfile.TemporaryDirectory(prefix="build_docs-tests-") as scratch:
        report = Path(scratch) / "report.xml"
        command = [sys.executable, *PYTEST_COMMAND, f"--junitxml={report}", os.path.relpath(script, folder)]
        environment = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8", COLUMNS="80")
        process = subprocess.Popen(
            command, cwd=folder, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, encoding="utf-8", errors="replace", start_new_session=True,
        )
        RUNNING_NOW[process] = Path(script)
        started = time.perf_counter()
        try:
            output, _ = process.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            output, timed_out = interrupt(process), True
        finally:
            RUNNING_NOW.pop(process, None)
        seconds = time.perf_counter() - started
        junit = report.read_text(encoding="utf-8") if report.exists() else None
    return process.returncode, output, junit, seconds, timed_out


def interrupt(process):
    signal_group(process, signal.SIGINT)
    try:
        return process.communicate(timeout=GRACE_SECONDS)[0]
    except subprocess.TimeoutExpired:
        signal_group(process, signal.SIGKILL)
        return process.communicate()[0]


def signal_group(process, number):
    try:
        os.killpg(process.pid, number)
    except ProcessLookupError:
        pass  # it has ended meanwhile


# ### Reading the verdict
#
# pytest's JUnit XML report gives each test's outcome, time and message. A
# failure's traceback names the lines it went through as `file:line:`; the
# last of them in the tutorial itself is where the tutorial failed, the
# place to point an editor at (the one after it may be inside a library).
def read_junit(junit, script_name):
    if junit is None:
        return []
    root = ElementTree.fromstring(junit)
    cases = []
    for case in root.iter("testcase"):
        if case.get("name") is None:
            continue  # the test an interrupt stopped: pytest records it without a name
        result = CaseResult(case.get("name"), PASSED, float(case.get("time") or 0))
        for child in case:
            if child.tag in ("failure", "error", "skipped") and result.outcome in (PASSED, SKIPPED):
                result.outcome = {"failure": FAILED, "error": ERROR, "skipped": SKIPPED}[child.tag]
                result.message = error_message(child)
                result.line = line_in(child.text or "", script_name)
        cases.append(result)
    return cases


# pytest's message for a failure is the exception, which is what the
# reader needs; for an error (a test that could not even be set up or
# collected) it is only "collection failure" or the like, and the
# exception is in the report's `E` lines.
def error_message(element):
    raised = re.findall(r"^E {3}(.*)$", element.text or "", re.M)
    if element.tag == "error" and raised:
        return "\n".join(line.strip() for line in raised)
    return element.get("message") or (element.text or "").strip()


def line_in(traceback_text, script_name, ending=""):
    lines = [
        int(match.group(2))
        for match in re.finditer(rf"^(.+?):(\d+):{ending}", traceback_text, re.M)
        if Path(match.group(1)).name == script_name
    ]
    return lines[-1] if lines else 0


# The run as a whole can go wrong where no single test did: it timed out,
# the module could not be imported (pytest reports that as an error of a
# test named after the module), or pytest ended without a report.
def run_tutorial_tests(script, name, folder, functions, timeout):
    """Run the tests of the Python file `script` (the source itself, or code generated from it)
    in `folder`; `name` is how messages call the tutorial."""
    returncode, output, junit, seconds, timed_out = run_pytest(script, folder, timeout)
    verdict = Verdict(PASSED, list(functions), read_junit(junit, Path(script).name), seconds, output)
    failing = [case for case in verdict.cases if case.outcome in (FAILED, ERROR)]
    if timed_out:
        verdict.status, verdict.seconds = TIMED_OUT, timeout
        where = line_in(output, Path(script).name, ending=" KeyboardInterrupt")
        verdict.problem = f"{unfinished_function(verdict)} did not finish within {timeout:g} s" + (
            f" (stopped at {name}:{where})" if where else "")
    elif returncode != 0 or failing:
        verdict.status = FAILED
        outside = [case for case in failing if case.function not in functions]
        if outside:
            verdict.problem = outside[0].message
        elif not failing:
            verdict.problem = f"pytest exited with status {returncode}" + ("" if junit else " without a report")
    return verdict


# Tests run in file order, so the one a timeout stopped is the first with
# no result; when none has one, importing the module never finished.
def unfinished_function(verdict):
    finished = {case.function for case in verdict.cases}
    return next((name for name in verdict.functions if name not in finished), "importing the module")


# ### What a verdict depends on
#
# A verdict stays true while nothing it depends on changes: the tutorial,
# the project's modules it imports (found from its `import` statements with
# `ast`, and theirs in turn), a `conftest.py` beside it, the versions of
# Python, pytest and the libraries it imports, and its timeout. A hash of
# all of them keys the cache, so an unchanged tutorial is not run again and
# one whose helper changed is.
def imported_names(tree, path):
    """(folder, dotted name) of each module an import may load; folder None: the search path."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield None, alias.name
        elif isinstance(node, ast.ImportFrom):
            folder = None
            if node.level:
                folder = Path(path).parent
                for _ in range(node.level - 1):
                    folder = folder.parent
            for alias in node.names:
                yield folder, ".".join(part for part in (node.module, alias.name) if part and part != "*")


def project_module_files(dotted, root):
    """The files `import dotted` runs from under `root`: packages' `__init__.py` on the way, then the module."""
    files, base = [], Path(root)
    for part in dotted.split("."):
        base = base / part
        if (base / "__init__.py").is_file():
            files.append(base / "__init__.py")
        elif base.with_suffix(".py").is_file():
            files.append(base.with_suffix(".py"))
            break
        elif not base.is_dir():
            break
    return files


def dependencies(script, folder):
    """The project files the tests of `script` run, and the top-level modules it imports from elsewhere."""
    roots = list(dict.fromkeys([Path(script).parent, Path(folder)]))
    queue = [Path(script)] + [root / "conftest.py" for root in roots if (root / "conftest.py").is_file()]
    files, elsewhere = {}, set()
    while queue:
        path = queue.pop()
        if path.resolve() in files:
            continue
        files[path.resolve()] = path.read_bytes()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(files[path.resolve()])
        except (SyntaxError, ValueError):
            continue
        for base, dotted in imported_names(tree, path):
            found = next(filter(None, (project_module_files(dotted, root) for root in ([base] if base else roots))), [])
            queue.extend(found)
            if not found and base is None:
                elsewhere.add(dotted.split(".")[0])
    return files, elsewhere - set(sys.stdlib_module_names)


# A library's version is asked of its installed metadata, never by
# importing it: the build itself must not load torch. Most distributions
# are named like the module they install; for the others (`yaml` comes from
# PyYAML) the full map of installed files is read, once, and only then:
# it takes a second.
def runtime_versions(modules):
    versions = [["Python", platform.python_version()]]
    for module in sorted(modules):
        try:
            versions.append([module, importlib.metadata.version(module)])
            continue
        except importlib.metadata.PackageNotFoundError:
            pass
        distribution = (installed_modules().get(module) or [None])[0]
        version = importlib.metadata.version(distribution) if distribution else "not installed"
        versions.append([distribution or module, version])
    return versions


@functools.lru_cache(maxsize=1)
def installed_modules():
    return importlib.metadata.packages_distributions()


def cache_key(files, runtime, timeout, folder):
    digest = hashlib.sha256()
    facts = [PYTEST_COMMAND, sys.version, importlib.metadata.version("pytest"), runtime, timeout]
    digest.update(json.dumps(facts).encode())
    for path in sorted(files):
        digest.update(f"\0{os.path.relpath(path, Path(folder).resolve())}\0".encode() + files[path])
    return digest.hexdigest()


# The cache holds one JSON file for each tutorial, named after its path,
# with the key it was made under: a changed tutorial overwrites its entry
# instead of adding one. A timeout is not cached: it says more about how
# busy the machine was than about the tutorial.
def cache_entry(cache_dir, source):
    return Path(cache_dir) / "tutorial-tests" / f"{path_digest(source)}.json"


def path_digest(source):
    return hashlib.sha256(str(Path(source).resolve()).encode()).hexdigest()[:20]


# A text-first tutorial's tests run from the code PyLit makes of it: pytest
# needs a `.py` file. It is kept in the cache folder, at a path of its own
# that stays the same from build to build, as the cache key needs; pytest
# runs it from the tutorial's folder, so that the tutorial imports its
# neighbours as a `.py` source would.
def tests_script(page, code, cache_dir):
    if not page.text_first:
        return page.source
    script = Path(cache_dir) / "text-first" / path_digest(page.source) / f"{page.name}.py"
    write_if_changed(script, code)
    return script


def cached_verdict(entry, key):
    try:
        stored = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stored.get("key") != key:
        return None
    verdict = Verdict(**stored["verdict"])
    verdict.cases = [CaseResult(**case) for case in verdict.cases]
    return verdict


def store_verdict(entry, key, verdict):
    if verdict.status == TIMED_OUT:
        return
    record = {"key": key, "verdict": {**asdict(verdict), "expected_failure": None}}
    partial = entry.with_name(f"{entry.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, entry)
    except OSError as error:
        print(f"warning: cannot cache test results in {entry.parent}: {error}", file=sys.stderr)


# ### Settings
#
# `mkdocs.yml` says, under `extra: tutorial_tests:`, how long a tutorial
# may run (`timeout`, 120 s unless set; `timeouts` for single files) and
# which tutorials are expected to fail, with the reason
# (`expected_failures`). Files are named by their path under the source
# folder. A name there that is no tutorial with tests is an error, so the
# lists cannot outlive what they describe. The command line adds whether
# to run at all (`--no-run`) and where the cache lives (`--cache-dir`).
DEFAULT_TIMEOUT = 120


@dataclass
class TutorialTestOptions:
    run: bool = True
    cache_dir: Path = ROOT / ".cache"
    # In a preview: tests run in the background, and a file in this folder
    # says when a verdict is ready (see "Tests in the background").
    notify_dir: Path = None


def tutorial_test_settings(config, names_with_tests):
    settings = (config["extra"] or {}).get("tutorial_tests") or {}
    where = f"{display_path(config.config_file_path)}: extra.tutorial_tests"
    if not isinstance(settings, dict):
        raise BuildError(f"{where} must be a mapping of settings")
    default = settings.get("timeout", DEFAULT_TIMEOUT)
    timeouts = settings.get("timeouts") or {}
    expected = settings.get("expected_failures") or {}
    for key, value in (("timeouts", timeouts), ("expected_failures", expected)):
        if not isinstance(value, dict):
            raise BuildError(f"{where}.{key} must map file names under the source folder to values")
        for name in value:
            if name not in names_with_tests:
                raise BuildError(f"{where}.{key} names {name}, which is not a tutorial with tests")
    for name, seconds in [("timeout", default)] + [(f"timeouts: {n}", s) for n, s in timeouts.items()]:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
            raise BuildError(f"{where}.{name} must be a number of seconds, not {seconds!r}")
    return {name: timeouts.get(name, default) for name in names_with_tests}, expected


# ### Judging every tutorial
#
# A page's verdict comes from the cache when nothing it depends on changed,
# and from a run otherwise. The runs go in parallel, one process per core;
# the console gets one line a tutorial.
def judge_tutorials(pages, source_dir, config, options):
    tested = []
    for page in pages:
        try:
            code = page_code(page)
        except SourceError:
            continue  # the page stage reports it
        functions = [name for name, _ in find_test_functions(code)]
        if functions:
            tested.append((page, code, functions, Path(os.path.relpath(page.source, source_dir)).as_posix()))
    timeouts, expected = tutorial_test_settings(config, {name for _, _, _, name in tested})
    pending = []
    for page, code, functions, name in tested:
        if not options.run:
            page.verdict = Verdict(NOT_RUN, functions)
            continue
        script = tests_script(page, code, options.cache_dir)
        files, elsewhere = dependencies(script, page.source.parent)
        runtime = runtime_versions(elsewhere)
        key = cache_key(files, runtime, timeouts[name], page.source.parent)
        entry = cache_entry(options.cache_dir, page.source)
        page.verdict = cached_verdict(entry, key) or verdict_made_in_background(entry, key)
        if page.verdict is None:
            pending.append((page, script, functions, timeouts[name], runtime, key, entry))
        else:
            print(f"{display_path(page.source)}: {verdict_summary(page.verdict)} (cached)")
    if options.notify_dir is None:
        run_in_parallel(pending)
    else:
        run_in_background(pending, options.notify_dir)
    for page, _, _, name in tested:
        if name in expected:
            page.verdict.expected_failure = str(expected[name] or "")


def run_in_parallel(pending):
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        runs = {
            pool.submit(run_tutorial_tests, script, display_path(page.source), page.source.parent,
                        functions, timeout): (page, runtime, key, entry)
            for page, script, functions, timeout, runtime, key, entry in pending
        }
        try:
            for future in concurrent.futures.as_completed(runs):
                page, runtime, key, entry = runs[future]
                page.verdict = future.result()
                page.verdict.runtime = runtime
                store_verdict(entry, key, page.verdict)
                print(f"{display_path(page.source)}: {verdict_summary(page.verdict)}")
        except BaseException:  # Ctrl-C above all: the runs would go on to their timeouts
            pool.shutdown(wait=False, cancel_futures=True)
            stop_runs()
            raise


def stop_runs(script=None):
    """Kill the pytest runs going on, or those of one script."""
    for process, tested in list(RUNNING_NOW.items()):
        if script is None or tested == Path(script):
            signal_group(process, signal.SIGKILL)


# ### Tests in the background
#
# A preview must not keep the author waiting for tests. There, a tutorial
# whose verdict is not in the cache is shown at once as RUNNING, and its
# tests run in a pool of threads, a run per core. A verdict, when made, goes
# to the cache and is kept here too (a timeout is never cached), and a file
# named after the tutorial is written in `notify_dir`: the preview watches
# that folder, and builds the site again with the verdict. An edit made
# while the tests of the version before still run stops those, whose
# verdict would be stale, and starts the new ones.
BACKGROUND_LOCK = threading.Lock()
BACKGROUND = {}  # cache entry -> [key of the verdict being made, the verdict once made]
BACKGROUND_POOL = []  # the pool, started with the first run


def verdict_made_in_background(entry, key):
    with BACKGROUND_LOCK:
        wanted, verdict = BACKGROUND.get(entry, (None, None))
    return verdict if wanted == key else None


def run_in_background(pending, notify_dir):
    for job in pending:
        page, script, functions, _, _, key, entry = job
        page.verdict = Verdict(RUNNING, functions)
        with BACKGROUND_LOCK:
            if BACKGROUND.get(entry, [None])[0] == key:
                continue  # already running
            BACKGROUND[entry] = [key, None]
        stop_runs(script)
        if not BACKGROUND_POOL:
            BACKGROUND_POOL.append(concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1))
        BACKGROUND_POOL[0].submit(run_one_in_background, job, notify_dir)
        print(f"{display_path(page.source)}: tests running in the background")


def run_one_in_background(job, notify_dir):
    page, script, functions, timeout, runtime, key, entry = job

    def still_wanted():
        with BACKGROUND_LOCK:
            return BACKGROUND.get(entry, [None])[0] == key

    if not still_wanted():
        return  # a newer edit came first
    verdict = run_tutorial_tests(script, display_path(page.source), page.source.parent, functions, timeout)
    verdict.runtime = runtime
    with BACKGROUND_LOCK:
        if BACKGROUND.get(entry, [None])[0] != key:
            return  # stopped for a newer edit
        BACKGROUND[entry][1] = verdict
    store_verdict(entry, key, verdict)
    print(f"{display_path(page.source)}: {verdict_summary(verdict)}")
    notify_dir.mkdir(parents=True, exist_ok=True)
    (notify_dir / entry.name).write_text(key, encoding="utf-8")


def stop_background_tests():
    with BACKGROUND_LOCK:
        BACKGROUND.clear()
    for pool in BACKGROUND_POOL:
        pool.shutdown(wait=False, cancel_futures=True)
    BACKGROUND_POOL.clear()
    stop_runs()


# ### Words for a verdict
#
# The same words serve the console, the page's status line and the "Test
# results" page.
def plural(count, noun):
    return f"{count} {noun}{'' if count == 1 else 's'}"


def first_line(text):
    return (text.strip().splitlines() or [""])[0]


def verdict_summary(verdict):
    total = len(verdict.cases) or len(verdict.functions)
    if verdict.status == NOT_RUN:
        return f"{plural(total, 'test')}, not run in this build (--no-run)"
    if verdict.status == RUNNING:
        return f"{plural(total, 'test')} running; their verdict shows here when they finish"
    if verdict.status == TIMED_OUT:
        return f"timed out: {verdict.problem}"
    skipped = sum(case.outcome == SKIPPED for case in verdict.cases)
    took = f" in {verdict.seconds:.1f} s" + (f", {skipped} skipped" if skipped else "")
    if verdict.status == PASSED:
        return f"{plural(total - skipped, 'test')} passed{took}"
    if verdict.problem:
        return f"the tests could not run: {first_line(verdict.problem)}"
    failing = [case for case in verdict.cases if case.outcome in (FAILED, ERROR)]
    named = "; ".join(f"{case.name} ({first_line(case.message)})" for case in failing)
    return f"{len(failing)} of {plural(total, 'test')} failed{took}: {named}"


# A failing tutorial fails the build, with each failing test, where it
# failed and its message. One listed as expected to fail does not; if it
# passes, the list is wrong and that fails the build instead.
def verdict_problems(pages):
    problems = []
    for page in pages:
        verdict, name = page.verdict, display_path(page.source)
        if verdict is None or verdict.status in (NOT_RUN, RUNNING):
            continue
        if verdict.expected_failure is not None:
            if verdict.status == PASSED:
                problems.append(f"{name}: its tests passed, but mkdocs.yml lists it under "
                                "extra.tutorial_tests.expected_failures: remove it from that list")
            continue
        if verdict.status == PASSED:
            continue
        for case in verdict.cases:
            if case.outcome in (FAILED, ERROR):
                location = f"{name}:{case.line}" if case.line else name
                message = textwrap.indent(case.message.strip(), "    ").lstrip()
                problems.append(f"{location}: {case.name} {case.outcome}: {message}")
        problems.append(f"{name}: {verdict_summary(verdict)}")
    return problems


# ## Stage 6: write the pages
#
# Each page is a Markdown file whose body is one block of HTML, the sections
# as rows. MkDocs passes such a block through untouched, so code that holds
# `</script>` or `{{ }}` arrives on the page exactly as written: it was
# escaped once, here, and no template engine ever reads it. The code column
# is kept out of the search index (`data-search-exclude`): readers search
# the explanations, and indexing every line of code would make the build
# several times slower.
@dataclass
class Page:
    source: Path  # the file the page is made from
    name: str  # its page name (the URL path without the trailing slash)
    repo_path: str  # its path in the repository, for "View code on GitHub"
    lang: str
    title: str = ""
    summary: str = ""
    warnings: list = field(default_factory=list)  # (line, message) pairs
    verdict: Verdict = None  # its tests' verdict; None when it has no tests
    downloads: dict = field(default_factory=dict)  # file name beside the page -> bytes
    markdown: str = None  # the page as rendered, ready to write
    line_breaks: str = "join"  # extra.commentary.line_breaks in mkdocs.yml: "join" or "keep"

    @property
    def text_first(self):
        return is_literate_text(self.source)


# Markdown keeps no line numbers, so a warning about commentary finds its
# line by looking for the text it quotes among the section's commentary
# lines, in order: a second `$$\oops$$` is reported at its own line.
class CommentaryWarnings:
    def __init__(self, lines):
        self.lines, self.found = lines, []
        self.section, self.rows, self.quoted = None, [], {}

    def enter(self, section):
        if section is self.section:
            return
        self.section = section
        code = set(section.code_line_numbers)
        self.rows = [row for row in range(section.first_line, section.last_line + 1) if row not in code]
        self.quoted = {}

    def __call__(self, message, quote):
        self.found.append((self.row_of(quote), message))

    def row_of(self, quote):
        needle = quote.strip().split("\n")[0]
        earlier = self.quoted.get(needle, 0)
        self.quoted[needle] = earlier + 1
        for row in self.rows if needle else ():
            count = self.lines[row - 1].count(needle)
            if earlier < count:
                return row
            earlier -= count
        return self.rows[0] if self.rows else 1


def section_html(number, section, line_html, md, marks=""):
    anchor = f"section-{number}"
    docs = render_commentary(section.docs, md) if section.docs.strip() else ""
    code = "".join(
        f'<span class="lp-line" data-ln="{row}">{line_html[row - 1]}</span>\n'
        for row in section.code_line_numbers
    )
    code_cell = (
        f'<div class="highlight"><pre><code>{code}</code></pre></div>' if code else ""
    )
    return (
        f'<div class="lp-section" id="{anchor}">\n'
        f'<div class="lp-docs"><a class="lp-anchor" href="#{anchor}" title="Link to this section">¶</a>\n{marks}{docs}\n</div>\n'
        f'<div class="lp-code" data-search-exclude>{code_cell}</div>\n'
        f"</div>\n"
    )


# The page title is the Markdown heading that opens the module docstring
# (`# Title`); the first sentence after it is the summary shown on the
# index.
#
# A heading may also be underlined with `===`, which Markdown and
# reStructuredText both read as a title: a text-first source starts so.
#
# Without a heading, the first line of a module docstring is the title when
# it is short (at most `SHORT_TITLE` characters, a final full stop dropped),
# as a docstring's summary line is meant to be; else its first sentence is,
# when that is short; else the file name. (Comments make no such promise:
# a page that opens with them keeps its file name.) A series title such as
# `**Overview**:` is no title: the line under it is read instead. A line
# that is the title is shown as the title, not again under it.
SHORT_TITLE = 60
SENTENCE_END = re.compile(r"(?<=[.!?])\s|(?<=[。！？])")


def title_and_summary(sections, fallback, docstring_first=False):
    intro = sections[0].docs if sections else ""
    lines = [line.strip() for line in intro.split("\n") if line.strip()]
    title = fallback
    if lines and lines[0].startswith("# "):
        title = lines.pop(0)[2:].strip()
    elif len(lines) > 1 and set(lines[1]) == {"="}:
        title = lines[0]
        del lines[:2]
    elif docstring_first:
        while lines and SERIES_TITLE.match(lines[0]):
            lines.pop(0)
        first_line_title = lines and short_title(lines[0])
        if first_line_title:
            title = first_line_title
            lines.pop(0)
        elif lines:
            title = short_title(SENTENCE_END.split(lines[0], 1)[0]) or fallback
    return title, (lines[0] if lines else "")


# Whether the first thing Python reads is a string: the module docstring,
# not a comment (the shebang and other comments that tools read aside).
def opens_with_docstring(text):
    skipped = (tokenize.ENCODING, tokenize.NL, tokenize.NEWLINE)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text.lstrip("\ufeff")).readline):
            if token.type == tokenize.COMMENT and is_code_comment(token.string, token.start[0]):
                continue
            if token.type not in skipped:
                return token.type == tokenize.STRING
    except (tokenize.TokenError, SyntaxError):
        pass
    return False


# Prose only: a list item, a formula, a table row or a quote is no title.
def short_title(line):
    text = line.strip().rstrip(".。")
    if not text or len(text) > SHORT_TITLE or conventions.LIST_ITEM.match(text) or text[0] in "$|>`<:*":
        return ""
    return text


def without_title(section, title):
    lines = section.docs.split("\n")
    first = next((index for index, line in enumerate(lines) if line.strip() and not SERIES_TITLE.match(line.strip())),
                 None)
    if lines and lines[0].strip() == f"# {title}":
        heading_lines = slice(0, 1)
    elif len(lines) > 1 and lines[0].strip() == title and set(lines[1].strip()) == {"="}:
        heading_lines = slice(0, 2)
    elif first is not None and short_title(lines[first]) == title:
        heading_lines = slice(first, first + 1)
    else:
        return section
    del lines[heading_lines]
    # A series title left over nothing goes with the line it stood over.
    above = heading_lines.start - 1
    if above >= 0 and SERIES_TITLE.match(lines[above].strip()) and not (
            heading_lines.start < len(lines) and lines[heading_lines.start][:1].isspace()):
        del lines[above]
    return replace(section, docs="\n".join(lines).strip("\n"))


# A text-first source ends a paragraph with `::` where a code block follows.
# On the page the code stands beside it, so the marker goes the way docutils
# takes it away: `text::` shows `text:`, and a `::` alone or after a space
# shows nothing. (`.. name::` starts a directive; it is no such marker.)
def without_literal_markers(section):
    lines = []
    for line in section.docs.split("\n"):
        text = line.rstrip()
        if text.endswith("::") and not text.lstrip().startswith(".."):
            before = text[:-2]
            if not before.strip():
                continue
            line = before.rstrip() if before[-1].isspace() else before + ":"
        lines.append(line)
    return replace(section, docs="\n".join(lines).strip("\n"))


def front_matter(**values):
    # JSON is YAML, and json.dumps quotes whatever a title may contain.
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


# ### The verdict on the page
#
# A page with tests opens with a status line: what its tests did in this
# build, and the versions of Python and of the libraries they ran on. The
# row of each `test_*` function carries that function's own mark, and what
# pytest printed closes the page, collapsed. Whatever the tests said is
# escaped: it is shown as text, never read as markup. The words are
# English on every page, like the output they summarize.
MARKS = {PASSED: "✓", FAILED: "✗", TIMED_OUT: "✗", NOT_RUN: "○", RUNNING: "⋯", SKIPPED: "–", ERROR: "✗"}


def verdict_text(verdict):
    text = f"{MARKS[verdict.status]} {verdict_summary(verdict)}"
    if verdict.expected_failure is not None:
        text += " · expected to fail" + (f": {verdict.expected_failure}" if verdict.expected_failure else "")
    return text


def verdict_state(verdict):
    if verdict.expected_failure is not None and verdict.status in (FAILED, TIMED_OUT):
        return "expected"
    return verdict.status.replace(" ", "-")


def status_line_html(verdict):
    runtime = " · ".join(f"{name} {version}" for name, version in verdict.runtime)
    ran_on = f' <span class="lp-tests__runtime">ran on {html.escape(runtime)}</span>' if runtime else ""
    return (f'<p class="lp-tests lp-tests--{verdict_state(verdict)}" lang="en" data-search-exclude>'
            f"{html.escape(verdict_text(verdict))}{ran_on}</p>\n")


def function_mark(verdict, function):
    cases = [case for case in verdict.cases if case.function == function]
    failing = [case for case in cases if case.outcome in (FAILED, ERROR)]
    if failing:
        state, words = failing[0].outcome, f"{failing[0].outcome}: {first_line(failing[0].message)}"
    elif cases and all(case.outcome == SKIPPED for case in cases):
        state, words = SKIPPED, f"skipped: {first_line(cases[0].message)}"
    elif cases:
        count = f"{len(cases)} cases " if len(cases) > 1 else ""
        state, words = PASSED, f"{count}passed in {sum(case.seconds for case in cases):.2f} s"
    elif verdict.status == TIMED_OUT and function == unfinished_function(verdict):
        state, words = TIMED_OUT, "did not finish: timed out"
    else:
        state, words = FAILED, "did not run"
    return (f'<p class="lp-test-mark lp-test-mark--{state.replace(" ", "-")}" lang="en" data-search-exclude>'
            f"{MARKS[state]} <code>{function}</code> {html.escape(words)}</p>\n")


def function_marks(verdict, functions, sections):
    """{section number: the marks of the test functions that start in that section}"""
    marks = {}
    if verdict is None or verdict.status in (NOT_RUN, RUNNING):
        return marks
    for function, line in functions:
        number = next(n for n, s in enumerate(sections, start=1) if s.first_line <= line <= s.last_line)
        marks[number] = marks.get(number, "") + function_mark(verdict, function)
    return marks


def printed_output_html(verdict):
    if not verdict.output.strip():
        return ""
    return (
        '<details class="lp-test-output" lang="en" data-search-exclude>\n'
        "<summary>What the tests printed</summary>\n"
        f"<pre><code>{html.escape(verdict.output.rstrip())}</code></pre>\n"
        "</details>\n"
    )


# The theme prints titles as HTML, so a title is escaped wherever it is
# written: like raw HTML anywhere in commentary, an author's `<b>` in it is
# shown as text, and reported.
def report_raw_html_in_title(title, report):
    for tag in re.finditer(HTML_RE, title):
        report(f"raw HTML is shown as text: {tag.group(0)!r}", tag.group(0))


def render_page(page, text):
    lines = split_lines(text)
    sections = parse_source(text)
    if page.text_first:
        sections = [without_literal_markers(section) for section in sections]
    page.title, page.summary = title_and_summary(sections, posixpath.basename(page.name), opens_with_docstring(text))
    if sections:
        sections[0] = without_title(sections[0], page.title)
    line_html = highlight_code(lines)
    report = CommentaryWarnings(lines)
    if sections:
        report.enter(sections[0])
    report_raw_html_in_title(page.title, report)
    md = make_markdown(report, page.line_breaks)
    marks = function_marks(page.verdict, find_test_functions(text), sections)
    rows = []
    for number, section in enumerate(sections, start=1):
        report.enter(section)
        rows.append(section_html(number, section, line_html, md, marks.get(number, "")))
    page.warnings.extend(report.found)
    status, output = (status_line_html(page.verdict), printed_output_html(page.verdict)) if page.verdict else ("", "")
    return front_matter(
        title=html.escape(page.title, quote=False), lang=page.lang, source_path=page.repo_path,
        hide=["navigation", "toc"], downloads=download_links(page),
    ) + f'<div class="lp-page" lang="{page.lang}">\n{status}{"".join(rows)}{output}</div>\n'


# The "Test results" page lists every tutorial with its verdict in this
# build, slowest first: the tutorial that holds the build up is the first
# one seen. What tests say is escaped for Markdown as well as for HTML,
# since a table cell is read as Markdown. Like the verdicts, it is in
# English; it links to the tutorials of every language.
TEST_RESULTS_PAGE = "test-results"


def markdown_text(text):
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", html.escape(text, quote=False))


def render_test_results(pages, languages):
    tutorials = [page for page in pages if page.name != GENERATOR_PAGE]

    def ran(page):
        return page.verdict is not None and page.verdict.status not in (NOT_RUN, RUNNING)

    def slowest_first(page):
        return (not ran(page), -page.verdict.seconds if ran(page) else 0, page.name)

    rows = []
    for page in sorted(tutorials, key=slowest_first):
        verdict = page.verdict
        result = verdict_text(verdict) if verdict else "no tests"
        took = f"{verdict.seconds:.1f} s" if ran(page) else ""
        runtime = ", ".join(f"{name} {version}" for name, version in verdict.runtime) if ran(page) else ""
        link = f"{page.name}.md" if page.lang == "en" else url_from(page_url(TEST_RESULTS_PAGE), page, languages)
        rows.append(f"| [{markdown_text(page.title)}]({link}) | {markdown_text(result)} "
                    f"| {took} | {markdown_text(runtime)} |")
    table = "| Tutorial | Result | Time | Ran on |\n| --- | --- | --- | --- |\n" + "\n".join(rows)
    intro = "Every tutorial's tests as this build ran them, or found them unchanged in its cache."
    return front_matter(title="Test results", lang="en", hide=["navigation", "toc"]) + (
        f"# Test results\n\n{intro}\n\n{table}\n")


# A tutorial is a `.py` file, or a `.py.txt` literate text (text first).
def tutorial_sources(source_dir):
    return sorted(path for pattern in ("*.py", "*" + LITERATE_SUFFIX) for path in Path(source_dir).glob(pattern))


def page_name(path):
    return path.name[: -len(LITERATE_SUFFIX)] if is_literate_text(path) else path.stem


# ## Chapters and languages
#
# A folder directly under `source/` is a chapter; the files in it are its
# pages, and the files directly in `source/` are pages outside any chapter.
# Chapters and pages are in the natural order of their names: numbers in
# them count as numbers, so `chapter2` comes before `chapter10` and `2_`
# before `10_`. A numeric prefix such as `01_` is dropped from titles and
# URLs. A chapter's title and introduction are the docstring of its
# `__init__.py`; without one, the title is the folder name made readable
# (`readable_folder_name`).
#
# The languages are those of the mkdocs-static-i18n plugin in `mkdocs.yml`.
# `x.py` is a page in the default language and `x_zh.py` the same page in
# the language whose locale is `zh`: one page in two languages, published
# at the same path in each language's tree (the default language at the
# root of the site, the others under `zh/` and so on). The same goes for a
# chapter's `__init___zh.py`.
NUMERIC_PREFIX = re.compile(r"^(\d+)_")


@dataclass
class Language:
    locale: str
    name: str  # as the language selector shows it: "English", "中文"
    folder: str  # where its tree is published: "" for the default language, else "zh/"


def site_languages(config):
    i18n = config.plugins.get("i18n")
    if i18n is None:
        raise BuildError("mkdocs.yml: the i18n plugin (mkdocs-static-i18n) is missing: it publishes the languages")
    return [Language(language.locale, language.name, "" if language.default else f"{language.locale}/")
            for language in i18n.config.languages if language.build]


def split_locale(stem, languages):
    for language in languages:
        if language.folder and stem.endswith(f"_{language.locale}"):
            return stem[: -len(language.locale) - 1], language.locale
    return stem, next(language.locale for language in languages if not language.folder)


# The name cut into text and numbers: text at even places, numbers at odd
# ones, so that two keys always compare. A name that starts with a number
# starts with "" and so comes before every name that starts with a letter.
def reading_order(path):
    return [int(part) if index % 2 else part for index, part in enumerate(re.split(r"(\d+)", path.name))]


# `01_tensors` reads "Tensors", `chapter1_overview` "Chapter 1: Overview",
# `part-2-more_math` "Part 2: More math": the prefix dropped, `_` and `-`
# as spaces, a number set apart from the word before it, a colon after a
# leading word and number, the first letter a capital.
LEADING_WORD_AND_NUMBER = re.compile(r"^([^\W\d_]+)[ _-]?(\d+)(?:[ _-]+(?=\S))?")


def readable_folder_name(name):
    name = NUMERIC_PREFIX.sub("", name)
    lead = LEADING_WORD_AND_NUMBER.match(name)
    rest = name[lead.end():] if lead else name
    words = re.sub(r"[_-]+", " ", rest).strip()
    if lead:
        words = f"{lead[1]} {lead[2]}" + (f": {words[:1].upper()}{words[1:]}" if words else "")
    return words[:1].upper() + words[1:] if words else name


@dataclass
class Chapter:
    slug: str  # its URL segment: the folder name without its prefix; "" outside any chapter
    headings: dict  # locale -> (title, introduction as Markdown); none outside any chapter
    pages: list  # the Page of each source, every language, in reading order


def find_chapters(source_dir, config_dir, languages):
    source_dir = Path(source_dir)
    folders = sorted((path for path in source_dir.iterdir() if path.is_dir() and tutorial_sources(path)),
                     key=reading_order)
    chapters = [Chapter("", {}, pages_in(source_dir, "", config_dir, languages))]
    for folder in folders:
        nested = next(itertools.chain(folder.glob("*/**/*.py"), folder.glob("*/**/*" + LITERATE_SUFFIX)), None)
        if nested:
            raise BuildError(f"{display_path(nested)}: chapters do not nest: move it up into {display_path(folder)}")
        slug = NUMERIC_PREFIX.sub("", folder.name)
        chapters.append(Chapter(slug, chapter_headings(folder, slug, languages),
                                pages_in(folder, slug, config_dir, languages)))
    check_one_source_per_page([page for chapter in chapters for page in chapter.pages])
    generator = Path(__file__).resolve()
    about = {language.locale: (words(language.locale)["about"], "") for language in languages}
    chapters.append(Chapter("", about, [
        Page(generator, GENERATOR_PAGE, repo_path(generator, config_dir), "en"),
        Page(None, TEST_RESULTS_PAGE, "", "en", "Test results", "Every tutorial's tests in this build, slowest first."),
    ]))
    return chapters


# The pages made from a source file: all but "Test results".
def pages_of(chapters):
    return [page for chapter in chapters for page in chapter.pages if page.source is not None]


def pages_in(folder, slug, config_dir, languages):
    pages = []
    for path in sorted(tutorial_sources(folder), key=reading_order):
        stem, locale = split_locale(page_name(path), languages)
        if stem != "__init__":
            name = posixpath.join(slug, NUMERIC_PREFIX.sub("", stem))
            pages.append(Page(path, name, repo_path(path, config_dir), locale))
    return pages


# A file found in the source folder must really be there: a symbolic link
# that leads out of it (to `/etc/passwd`, to a private folder) is never
# followed into the published site. Links within the folder are fine.
def check_sources_stay_inside(pages, source_dir):
    source_dir = Path(source_dir).absolute()
    inside = source_dir.resolve()
    problems = []
    for page in pages:
        found = Path(page.source).absolute()
        if source_dir not in found.parents:
            continue  # the generator's own page, which is not a source
        target = found.resolve()
        if inside not in target.parents:
            problems.append(f"{display_path(found)}:1:1: links to {target}, outside {display_path(source_dir)}; "
                            "not followed")
    if problems:
        raise BuildError("\n".join(problems))


# MkDocs publishes page `x` at `x/` and `index` or `README` at their folder's
# own address. Two pages at one URL would silently overwrite each other, and
# so would two whose URLs differ only in letter case, on macOS and Windows,
# whose file systems ignore it; `a_b/` and `a-b/` are told apart by no
# reader either. A page `x` beside a folder `x/` of pages takes the address
# of the folder. Each of these stops the build, naming both sources. The
# addresses are those in the page's language tree (`zh/x/`), where the home
# page and "Test results" of each language are taken already.
def page_url(name):
    parts = name.split("/")
    if is_folder_index(name):
        parts.pop()
    return "".join(part + "/" for part in parts)


def is_folder_index(name):
    return name.split("/")[-1] in ("index", "README")


def url_key(url):
    return url.casefold().replace("_", "-")


def check_page_urls(pages, languages):
    owners = {url_key(tree + url): (tree + url, page) for tree in (language.folder for language in languages)
              for url, page in (("", "the home page"), (page_url(TEST_RESULTS_PAGE), "the test results page"))}
    folders = {}
    problems = []
    for page in pages:
        url, source = published_url(page, languages), display_path(page.source)
        if url_key(url) in owners:
            other_url, other = owners[url_key(url)]
            why = "" if url == other_url else " (URLs may not differ only in letter case or in - and _)"
            problems.append(f"{source}:1:1: its page /{url} clashes with /{other_url} of {other}{why}")
        owners.setdefault(url_key(url), (url, source))
        parts = (language_of(page, languages).folder + page.name).split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folders.setdefault(url_key("".join(part + "/" for part in parts[:depth])), source)
    for page in pages:
        url = published_url(page, languages)
        if url_key(url) in folders and not is_folder_index(page.name):
            problems.append(f"{display_path(page.source)}:1:1: its page /{url} is also the folder of "
                            f"{folders[url_key(url)]}")
    if problems:
        raise BuildError("\n".join(problems))


# A language without its own `__init___zh.py` takes the title and
# introduction of the default language.
def chapter_headings(folder, slug, languages):
    def read(suffix, otherwise):
        path = folder / f"__init__{suffix}.py"
        return title_and_intro(path, readable_folder_name(folder.name)) if path.exists() else otherwise

    default = read("", (readable_folder_name(folder.name), ""))
    return {language.locale: read(f"_{language.locale}", default) if language.folder else default
            for language in languages}


def title_and_intro(path, fallback):
    try:
        sections = parse_source(read_source(path))
    except SourceError as error:
        raise located(path, error) from None
    docs = sections[0].docs.strip() if sections else ""
    first, _, rest = docs.partition("\n")
    if first.startswith("# "):
        return first[2:].strip(), rest.strip()
    return fallback, docs


# Two sources that would be published at the same address (`01_a.py` and
# `a.py`) are an error: otherwise one of them would silently vanish.
def check_one_source_per_page(pages):
    seen = {}
    for page in pages:
        other = seen.setdefault((page.lang, page.name), page.source)
        if other != page.source:
            raise BuildError(f"{display_path(page.source)}: page {page.name!r} already comes from {display_path(other)}")


def repo_path(path, config_dir):
    try:
        return Path(path).resolve().relative_to(config_dir).as_posix()
    except ValueError:
        return Path(path).name


# Every page offers its code as a `.py` file and as literate text, both
# written beside the page for MkDocs to copy, and named after its source
# (beside the Chinese page, `autograd_zh.py` and `autograd_zh.py.txt`). A
# code-first page's `.py` is its source, byte for byte, and its text is
# PyLit's. A text-first page's text is its source, and its `.py` the code
# PyLit made of it. A conversion that would not come back unchanged is
# reported; a code-first page then offers no literate text rather than a
# wrong one.
def collect_downloads(page, source_text, code):
    name = download_name(page)
    if page.text_first:
        page.downloads[f"{name}.py"] = code.encode("utf-8")
        page.downloads[name + LITERATE_SUFFIX] = Path(page.source).read_bytes()
        try:
            check_same(source_text, code_to_literate_text(code), "text -> code -> text changes this line")
        except SourceError as error:
            page.warnings.append((error.line, error.message))
        return
    page.downloads[f"{name}.py"] = Path(page.source).read_bytes()
    try:
        page.downloads[name + LITERATE_SUFFIX] = code_to_literate_text(code).encode("utf-8")
    except SourceError as error:
        page.warnings.append((error.line, f"{error.message}; the page offers no literate text"))


def download_name(page):
    return posixpath.join(posixpath.dirname(page.name), page_name(page.source))


# The links are paths from the root of the page's language tree, which the
# theme prefixes with the way back to it from the page.
def download_links(page):
    name = download_name(page)
    links = {"code": f"{name}.py", "text": name + LITERATE_SUFFIX}
    return {kind: name for kind, name in links.items() if name in page.downloads}


# The versions of each page of a chapter, by locale, in reading order.
def translations(pages):
    versions = {}
    for page in pages:
        versions.setdefault(page.name, {})[page.lang] = page
    return list(versions.values())


# Where a page is published, and the URL that leads from one page of the
# site to another across the language trees. Within a language, links are
# to `.md` files, which MkDocs checks; across languages they are URLs.
def language_of(page, languages):
    return next(language for language in languages if language.locale == page.lang)


def published_url(page, languages):
    return language_of(page, languages).folder + page_url(page.name)


def url_from(start_url, page, languages):
    return posixpath.relpath(published_url(page, languages) or ".", start_url or ".") + "/"


# The words the generator writes itself, in each language; a language
# missing here gets the English ones.
WORDS = {
    "en": {
        "home": "Home",
        "about": "About this site",
        "untranslated": 'This page has no English version yet. Read it in {language}: <a href="{url}">{title}</a>.',
    },
    "zh": {
        "home": "首页",
        "about": "关于本站",
        "untranslated": '本页还没有中文版。请阅读 {language} 版:<a href="{url}">{title}</a>。',
    },
}


def words(locale):
    return WORDS.get(locale, WORDS["en"])


# The home page of each language lists the chapters in order, each with
# its title and introduction, and under it every tutorial with its title
# and the first line of its introduction. A tutorial that exists in
# several languages gets a link to each ("中文 | English"); one that is not
# translated into this language is listed in the language it has.
def render_index(chapters, language, languages, config):
    md = make_markdown(lambda message, quote: None)  # the pages report them
    body = [f"# {config['site_name']}"]
    for chapter in chapters:
        if chapter.headings:
            title, intro = chapter.headings[language.locale]
            body += [f"## {markdown_text(title)}", render_commentary(intro, md) if intro else ""]
        entries = [index_entry(versions, language, languages, md) for versions in translations(chapter.pages)]
        body.append("\n".join(entries))
    return front_matter(title=words(language.locale)["home"], lang=language.locale,
                        hide=["navigation", "toc"]) + "\n\n".join(part for part in body if part) + "\n"


def index_entry(versions, language, languages, md):
    page = versions.get(language.locale) or next(iter(versions.values()))

    def link(version):
        return f"{version.name}.md" if version.lang == language.locale else url_from(language.folder, version, languages)

    entry = f"- [{markdown_text(page.title)}]({link(page)})"
    if page.lang != language.locale:
        entry += f" ({language_of(page, languages).name})"
    if page.summary:
        entry += ": " + re.sub(r"^<p>|</p>$", "", render_commentary(page.summary, md))
    if len(versions) > 1:
        entry += " · " + " | ".join(f"[{other.name}]({link(versions[other.locale])})"
                                    for other in languages if other.locale in versions)
    return entry


# A page missing in a language still has its place in that language's
# tree: a notice in that language that links to the versions there are.
# It is kept out of the search index.
def render_notice(page, language, languages):
    url = url_from(language.folder + page_url(page.name), page, languages)
    notice = words(language.locale)["untranslated"].format(
        language=language_of(page, languages).name, url=html.escape(url), title=html.escape(page.title))
    return front_matter(
        title=html.escape(page.title, quote=False), lang=language.locale, source_path=page.repo_path,
        search={"exclude": True}, hide=["navigation", "toc"],
    ) + f'<p class="lp-untranslated" lang="{language.locale}">{notice}</p>\n'


# The navigation of each language: its home page, then the chapters in
# order, each a section titled in that language. mkdocs-static-i18n takes
# a navigation per language.
def navigation(chapters, locale):
    nav = ["index.md"]
    for chapter in chapters:
        names = [f"{next(iter(versions.values())).name}.md" for versions in translations(chapter.pages)]
        if chapter.headings and names:
            nav.append({html.escape(chapter.headings[locale][0], quote=False): names})
        else:
            nav.extend(names)
    return nav


def configure_navigation(config, chapters):
    for language in config.plugins["i18n"].config.languages:
        language.nav = navigation(chapters, language.locale)


# A file is written only when it does not already hold these bytes, so
# that one that outlives the build (the code of a text-first tutorial in
# the cache folder) keeps its time stamp.
def write_if_changed(path, content):
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = Path(path)
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# Each language's pages go in a folder of their own (`en/`, `zh/`), which
# mkdocs-static-i18n publishes as that language's tree, each page with its
# downloads beside it. Every page gets a file in every language, real or a
# notice. "Test results" comes last, when every tutorial has its title.
def write_pages(chapters, languages, docs_dir, config):
    for chapter in chapters:
        for page in chapter.pages:
            text = render_test_results(pages_of(chapters), languages) if page.source is None else page.markdown
            tree = Path(docs_dir) / page.lang
            write_if_changed(tree / f"{page.name}.md", text)
            for name, data in page.downloads.items():
                write_if_changed(tree / name, data)
        for versions in translations(chapter.pages):
            page = next(iter(versions.values()))
            for language in languages:
                if language.locale not in versions:
                    write_if_changed(Path(docs_dir) / language.locale / f"{page.name}.md",
                                     render_notice(page, language, languages))
    for language in languages:
        write_if_changed(Path(docs_dir) / language.locale / "index.md",
                         render_index(chapters, language, languages, config))
    default = next(language.locale for language in languages if not language.folder)
    write_if_changed(Path(docs_dir) / default / MATH_FONT_URL, math_font().read_bytes())


# Formulas are drawn in STIX Two Math, an OpenType math font (SIL Open Font
# License; its notice travels in the font's own name table), served with the
# site rather than left to whatever fonts a reader has. The file comes from
# the `ziamath` package, which ships it; it is copied at build time rather
# than committed. The default language's tree is published at the site's
# root, so it lands at `assets/fonts/` beside `literate.css`, whose
# `@font-face` names it for `math` elements only: a browser fetches a web
# font only for text drawn in it, so pages without math never load it.
MATH_FONT_URL = "assets/fonts/STIXTwoMath-Regular.ttf"


def math_font():
    package = importlib.util.find_spec("ziamath")
    if package is None:
        raise BuildError("the math font comes from the ziamath package: pip install -r requirements.txt")
    return Path(package.submodule_search_locations[0]) / "fonts" / posixpath.basename(MATH_FONT_URL)


# ### Many pages: in parallel, and each only once
#
# What a page looks like depends on its source, on what its tests showed,
# on its place in the site, and on this program and the libraries it
# renders with; on nothing else. A hash of all of them keys a cache of
# rendered pages, kept with the test results (`.cache/pages/`): a page whose
# inputs have not changed since the last build is read from there rather
# than rendered again. Like Python's own `__pycache__`, the cache holds
# pickles, which only this program writes.
#
# The pages that must be rendered are rendered in parallel, a process per
# core, the longest sources first so that no core is left with one long
# file at the end. The workers are forked, and so start at once with all
# of this program loaded. A process that runs other threads (the preview
# server, tests in the background) renders its pages itself: a fork would
# copy any lock another thread held at that moment, and a fresh interpreter
# would have to import all this program imports, which costs more than a
# preview's few pages.
#
# Every source is read before the build stops, so that one run lists every
# file that needs fixing, a line each, in the `path:line:col: message` form
# that editors jump to.
RENDERED = ("title", "summary", "warnings", "downloads", "markdown")


def render_pages(pages, cache_dir):
    jobs = []
    for page in pages:
        key = render_key(page)
        entry = Path(cache_dir) / "pages" / f"{path_digest(page.source)}.pickle"
        stored = cached_rendering(entry, key)
        if stored is None:
            jobs.append((page, key, entry))
        else:
            apply_rendering(page, stored)
    failed = {}
    for (page, _, _), (rendered, error) in zip(jobs, in_parallel(render_source_page, jobs, size=job_size)):
        if error:
            failed[page.source] = error
        else:
            apply_rendering(page, rendered)
    errors = []
    for page in pages:
        if page.source in failed:
            line, col, message = failed[page.source]
            errors.append(f"{display_path(page.source)}:{line}:{col}: {message}")
            continue
        for line, message in page.warnings:
            print(f"{display_path(page.source)}:{line}: warning: {message}", file=sys.stderr)
    if errors:
        raise BuildError("\n".join(errors))


def render_source_page(job):
    """(the rendered fields, None), or (None, (line, col, message)) for a source that cannot be a page."""
    page, key, entry = job
    try:
        source_text = read_source(page.source)
        code = text_first_code(source_text) if page.text_first else source_text
        collect_downloads(page, source_text, code)
        page.markdown = render_page(page, code)
    except SourceError as error:
        return None, (error.line, error.col, error.message)
    rendered = {name: getattr(page, name) for name in RENDERED}
    if key is not None:
        store_rendering(entry, key, rendered)
    return rendered, None


def apply_rendering(page, rendered):
    for name, value in rendered.items():
        setattr(page, name, value)


# The key: this program and its rendering libraries, the page's own fields
# (its source's path, name, language, verdict: whatever is not made by
# rendering), and the bytes of its source. A source that cannot be read
# has no key; rendering it reports why.
def render_key(page):
    try:
        source = Path(page.source).read_bytes()
    except OSError:
        return None
    inputs = {name: value for name, value in asdict(page).items() if name not in RENDERED}
    digest = hashlib.sha256(renderer_fingerprint().encode())
    digest.update(json.dumps(inputs, default=str, sort_keys=True, ensure_ascii=False).encode())
    digest.update(b"\0" + source)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def renderer_fingerprint():
    digest = hashlib.sha256(Path(__file__).read_bytes() + Path(conventions.__file__).read_bytes())
    for library in ("markdown", "pygments", "latex2mathml", "pylit", "griffe"):
        digest.update(f"\0{library} {importlib.metadata.version(library)}".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


# A damaged or foreign entry is a miss, whatever unpickling it raises.
def cached_rendering(entry, key):
    if key is None:
        return None
    try:
        with open(entry, "rb") as file:
            stored = pickle.load(file)
        return stored["rendered"] if stored["key"] == key else None
    except Exception:
        return None


def store_rendering(entry, key, rendered):
    partial = entry.with_name(f"{entry.name}.{os.getpid()}")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(pickle.dumps({"key": key, "rendered": rendered}, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, entry)
    except OSError as error:
        print(f"warning: cannot cache rendered pages in {entry.parent}: {error}", file=sys.stderr)


def job_size(job):
    try:
        return Path(job[0].source).stat().st_size
    except OSError:
        return 0


def in_parallel(function, jobs, size):
    """[function(job) for job in jobs], in a process per core, the largest jobs first."""
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers < 2 or threading.active_count() > 1:
        return [function(job) for job in jobs]
    order = sorted(range(len(jobs)), key=lambda index: -size(jobs[index]))
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        results = dict(zip(order, pool.map(function, [jobs[index] for index in order])))
    return [results[index] for index in range(len(jobs))]


class BuildError(Exception):
    pass


def located(path, error):
    return BuildError(f"{display_path(path)}:{error.line}:{error.col}: {error.message}")


# Paths are shown as found, not resolved: a link is named by its own name.
def display_path(path):
    try:
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


# ## Stage 7: run MkDocs
#
# MkDocs reads `mkdocs.yml`, with the folder of generated pages as its
# `docs_dir`. It builds in strict mode, so that a warning (a broken link, a
# missing page) fails the build instead of scrolling past. The new site is
# built beside the old one and swapped in only when it is complete: a failed
# or interrupted build leaves the previous site as it was.
#
# Paths in `mkdocs.yml` are relative to it, as MkDocs' own are; Material
# reads its `jieba_dict_user` relative to the working directory instead, so
# that one is made absolute here.
def load_mkdocs_config(config_file, docs_dir, site_dir):
    from mkdocs.config import load_config

    quiet_jieba()
    config = load_config(str(config_file), strict=True, docs_dir=str(docs_dir), site_dir=str(site_dir))
    search = config.plugins.get("material/search")
    if search and search.config.jieba_dict_user:
        search.config.jieba_dict_user = str(Path(config_file).parent / search.config.jieba_dict_user)
    return config


def run_mkdocs(config, site_dir, record, fresh_config):
    staging = Path(config["site_dir"])
    inputs = mkdocs_inputs(config)
    previous = recorded_build(record, site_dir)
    if previous is not None and previous["inputs"] == inputs:
        print(f"{display_path(site_dir)}: nothing changed since the last build")
        return
    try:
        build_reusing(config, site_dir, reusable_pages(previous, inputs, config), fresh_config)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_in(staging, site_dir)
    record_build(record, site_dir, inputs)


# ### Building only what changed
#
# MkDocs is most of a build: Markdown, MkDocs and the search plugin each
# parse every tag of every page (the standard library's 168 modules take
# MkDocs 23 s, against 5 s to render them). So a build does only what a
# change calls for. It keeps a record of the last build of each site folder
# (`.cache/sites/`): a hash of everything MkDocs reads, which is the
# generated pages, `mkdocs.yml`, the theme folder, the versions of MkDocs and
# its themes and plugins, this program, and the build date; and a list of
# the site's files with their sizes and times, so that a site changed or
# replaced since is never taken for the one recorded.
#
# - Nothing changed: MkDocs does not run, and the site stays as it is.
# - Only the text of some pages changed, not what every page shows of the
#   others (which pages there are, their titles and the rest of their front
#   matter, which make the navigation): MkDocs builds the changed pages, and
#   each unchanged one is a stub that renders to nothing and stays out of
#   the search index. Its last built page is then linked into the new site
#   (it is the same file a full build would write), and its search entries
#   are taken from the last index, in their place.
# - Anything else, or an incremental build that does not come out as the
#   full one would (a page missing, a file too many): a full build.
#
# The new site is still built beside the old one and swapped in whole; the
# old site is only read. A full and an incremental build of the same input
# give the same bytes (`tests/test_fast_builds.py` checks it).
SITE_RECORD_VERSION = 1
KEPT_PAGE_TEMPLATE = "build_docs-unchanged-page.html"


def site_record(cache_dir, site_dir):
    return Path(cache_dir) / "sites" / f"{path_digest(site_dir)}.json"


def mkdocs_inputs(config):
    docs = Path(config["docs_dir"])
    pages, shape = {}, []
    for path in sorted(docs.rglob("*")):
        if path.is_file():
            name, data = path.relative_to(docs).as_posix(), path.read_bytes()
            pages[name] = hashlib.sha256(data).hexdigest()
            shape.append([name, front_matter_of(data) if name.endswith(".md") else None])
    return {
        "setup": mkdocs_setup_digest(config),
        "date": os.environ.get("SOURCE_DATE_EPOCH"),
        "shape": hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest(),
        "pages": pages,
    }


def front_matter_of(data):
    from mkdocs.utils.meta import get_data

    return get_data(data.decode("utf-8", errors="replace"))[1]


# Everything MkDocs reads besides the pages: its settings (the plugins'
# as this program leaves them, with the navigation it makes), files named
# there (the jieba dictionary of Material's search), the theme folder, and
# the versions of what MkDocs runs.
def mkdocs_setup_digest(config):
    from importlib.metadata import entry_points

    digest = hashlib.sha256(f"{SITE_RECORD_VERSION} {sys.version}".encode())
    plugins = json.dumps({name: plugin.config for name, plugin in config.plugins.items()}, sort_keys=True,
                         default=lambda value: dict(value) if hasattr(value, "keys") else str(value))
    digest.update(plugins.encode())
    files = [Path(config.config_file_path), Path(__file__).resolve()]
    files += [Path(name) for name in re.findall(r'"([^"]+)"', plugins) if Path(name).is_file()]
    if config.theme.custom_dir:
        files += sorted(path for path in Path(config.theme.custom_dir).rglob("*") if path.is_file())
    for path in files:
        digest.update(f"\0{path}\0".encode() + path.read_bytes())
    distributions = {entry.dist.name for group in ("mkdocs.plugins", "mkdocs.themes")
                     for entry in entry_points(group=group)}
    for name in sorted(distributions | {"mkdocs", "markdown", "jinja2", "pygments", "pymdown-extensions"}):
        try:
            digest.update(f"\0{name} {importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            pass
    return digest.hexdigest()


def site_listing(folder):
    listing = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            stat = path.stat()
            listing[path.relative_to(folder).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return listing


# The record of the last build, if the site is still what that build left.
def recorded_build(record, site_dir):
    try:
        stored = json.loads(Path(record).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stored.get("version") != SITE_RECORD_VERSION or not Path(site_dir).is_dir():
        return None
    return stored if stored.get("site") == site_listing(site_dir) else None


def record_build(record, site_dir, inputs):
    record = Path(record)
    stored = {"version": SITE_RECORD_VERSION, "site_dir": str(site_dir), "inputs": inputs,
              "site": site_listing(site_dir)}
    partial = record.with_name(f"{record.name}.{os.getpid()}")
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(stored), encoding="utf-8")
        os.replace(partial, record)
        forget_removed_sites(record.parent)
    except OSError as error:
        print(f"warning: cannot record the build in {record.parent}: {error}", file=sys.stderr)


# Records of sites that no longer exist (a preview's temporary folder) go.
def forget_removed_sites(folder):
    for record in folder.glob("*.json"):
        try:
            site_dir = json.loads(record.read_text(encoding="utf-8")).get("site_dir")
        except (OSError, ValueError):
            site_dir = None
        if not site_dir or not Path(site_dir).exists():
            record.unlink(missing_ok=True)


# The pages that may be stubs: those whose bytes are as last time, when
# nothing else changed but the text of pages. The versions of one page in
# every language go together: mkdocs-static-i18n drops a translation's
# search entry that repeats the default language's word for word, which
# only a build of both can tell. A link to a section of a stub could not be
# checked, so a site that makes a missing section an error is built in full.
def reusable_pages(previous, inputs, config):
    if previous is None or config.validation.links.anchors >= logging.WARNING:
        return []
    before = previous["inputs"]
    if (before["setup"], before["shape"]) != (inputs["setup"], inputs["shape"]):
        return []
    locales = {language.locale for language in site_languages(config)}

    def page(name):
        tree, _, rest = name.partition("/")
        return rest if tree in locales else name

    pages = [name for name in inputs["pages"] if name.endswith(".md")]
    changed = {page(name) for name in pages if before["pages"].get(name) != inputs["pages"][name]}
    return [name for name in pages if page(name) not in changed]


# A build that does not line up is done again in full, with settings loaded
# afresh (`fresh_config()`): plugins keep state from one build to the next
# (mkdocs-static-i18n gathers search entries and alternate pages).
def build_reusing(config, site_dir, unchanged, fresh_config):
    if unchanged:
        docs, staging = Path(config["docs_dir"]), Path(config["site_dir"])
        originals = {name: (docs / name).read_bytes() for name in unchanged}
        with tempfile.TemporaryDirectory(prefix="build_docs-theme-") as theme_dir:
            (Path(theme_dir) / KEPT_PAGE_TEMPLATE).write_text(
                "{#- An unchanged page: build_docs.py keeps its last build. -#}\n", encoding="utf-8")
            config.theme.dirs.append(theme_dir)
            try:
                for name, data in originals.items():
                    (docs / name).write_text(stub_page(data), encoding="utf-8")
                mkdocs_build(config)
                carried = carry_over(site_dir, staging, len(unchanged))
                if carried is not None and splice_search_indexes(site_dir, staging, carried):
                    print(f"MkDocs built the changed pages and kept {len(unchanged)} unchanged")
                    return
            finally:
                config.theme.dirs.remove(theme_dir)
                for name, data in originals.items():
                    (docs / name).write_bytes(data)
        config = fresh_config()
    mkdocs_build(config)


def stub_page(data):
    meta = dict(front_matter_of(data), template=KEPT_PAGE_TEMPLATE)
    meta["search"] = dict(meta.get("search") or {}, exclude=True)
    return front_matter(**meta)


# Each stub left no file: exactly those files of the old site are missing
# from the new one, and each is a page.
def carry_over(site_dir, staging, stubs):
    old, new = site_listing(site_dir), site_listing(staging)
    missing = [name for name in old if name not in new]
    if len(missing) != stubs or set(new) - set(old) or not all(name.endswith(".html") for name in missing):
        return None
    for name in missing:
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(Path(site_dir) / name, staging / name)
        except OSError:
            shutil.copy2(Path(site_dir) / name, staging / name)
    return set(missing)


# The stubs render to nothing, which MkDocs says of each; that is no news.
class UnchangedPagesQuiet(logging.Filter):
    def filter(self, record):
        return not record.getMessage().endswith("Generated empty output.")


def mkdocs_build(config):
    from mkdocs.commands.build import build

    quiet = UnchangedPagesQuiet()
    logging.getLogger("mkdocs.commands.build").addFilter(quiet)
    try:
        build(config)
    finally:
        logging.getLogger("mkdocs.commands.build").removeFilter(quiet)
    split_search_index(config)


# Jinja compiles Material's templates, some ninety of them, on every build
# and again for every language: a third of an incremental build. Jinja's
# own bytecode cache (`.cache/templates/`) keeps them compiled. It checks
# each template's source, so an edited template is compiled again.
def keep_templates_compiled(config, cache_dir):
    import jinja2

    folder = Path(cache_dir) / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # builds are slower, not wrong
    cache, make_env = jinja2.FileSystemBytecodeCache(str(folder)), config.theme.get_env

    def get_env():
        env = make_env()
        env.bytecode_cache = cache
        return env

    config.theme.get_env = get_env


# The search plugin writes its index as JSON, a list of entries in the order
# of the pages; a page's entries have its address as `location`, followed by
# `#section` for its sections. Each stub's entries come from the old index,
# in their place; every address must be a page that was built or kept.
def splice_search_indexes(site_dir, staging, carried):
    for index_file in sorted(staging.rglob("search_index.json")):
        relative = index_file.relative_to(staging)
        old_file = Path(site_dir) / relative
        if not old_file.is_file():
            return False
        base = relative.parent.parent
        old = json.loads(old_file.read_text(encoding="utf-8"))
        new = json.loads(index_file.read_text(encoding="utf-8"))
        old_pages, new_pages = entries_by_page(old["docs"]), entries_by_page(new["docs"])
        if set(new_pages) - set(old_pages) or any(
                page_file(base, page) in carried or not (staging / page_file(base, page)).is_file()
                for page in new_pages):
            return False
        docs = []
        for page, entries in old_pages.items():
            docs.extend(entries if page_file(base, page) in carried else new_pages.get(page, []))
        index_file.write_text(json.dumps(dict(new, docs=docs), separators=(",", ":")), encoding="utf-8")
    return True


# The file of the built site that holds the page at `location`, an address
# relative to the folder `base`.
def page_file(base, location):
    path = urllib.parse.unquote(location)
    if not path or path.endswith("/"):
        path += "index.html"
    return (PurePosixPath(base) / path).as_posix()


def entries_by_page(entries):
    pages = {}
    for entry in entries:
        pages.setdefault(entry["location"].split("#")[0], []).append(entry)
    return pages


# On Linux the two folders trade places in one step (`renameat2` with
# `RENAME_EXCHANGE`), so there is no moment without a site, even for a
# build killed with `kill -9`. Elsewhere, or on a file system that cannot,
# the old site is renamed aside first; a build killed between the two
# renames leaves it there, and the next build puts it back
# (`recover_site`).
RENAME_EXCHANGE, AT_FDCWD = 2, -100


def exchange_folders(a, b):
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    return renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


def retired_site(site_dir):
    return site_dir.with_name(f".{site_dir.name}.old")


def swap_in(staging, site_dir):
    if site_dir.exists() and exchange_folders(staging, site_dir):
        shutil.rmtree(staging)  # which now holds the old site
        return
    retired = retired_site(site_dir)
    shutil.rmtree(retired, ignore_errors=True)
    if site_dir.exists():
        site_dir.rename(retired)
    staging.rename(site_dir)
    shutil.rmtree(retired, ignore_errors=True)


def recover_site(site_dir):
    if retired_site(site_dir).exists() and not site_dir.exists():
        retired_site(site_dir).rename(site_dir)


# Two builds of the same input give the same bytes. The one date MkDocs
# writes (`lastmod` in `sitemap.xml`, and the time inside `sitemap.xml.gz`)
# is its build date, which it takes from `SOURCE_DATE_EPOCH`: unless the
# caller sets that, it is the time of the last commit, or outside a git
# checkout the newest source's modification time.
@contextlib.contextmanager
def reproducible_build_date(config_dir, pages):
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if saved is None:
        os.environ["SOURCE_DATE_EPOCH"] = str(last_change(config_dir, pages))
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]


def last_change(config_dir, pages):
    try:
        log = subprocess.run(["git", "-C", str(config_dir), "log", "-1", "--format=%ct"],
                             capture_output=True, text=True, check=True)
        return int(log.stdout)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return max(int(Path(page.source).stat().st_mtime) for page in pages)


# Material's scripts load the search index from `search/` under the base of
# the site, and mkdocs-static-i18n fills that one index with every
# language. Readers search in their own language, so the index is split:
# each language's entries go to the `search/` folder of its own tree, with
# their addresses made relative to it, and `main.html` makes that tree the
# base of its pages, where Material looks for the index. Both halves keep
# the settings of `mkdocs.yml`.
def split_search_index(config):
    site_dir = Path(config["site_dir"])
    index_file = site_dir / "search" / "search_index.json"
    if not index_file.exists():
        return
    index = json.loads(index_file.read_text(encoding="utf-8"))
    languages = site_languages(config)
    subtrees = tuple(language.folder for language in languages if language.folder)
    for language in languages:
        if language.folder:
            docs = [dict(entry, location=entry["location"][len(language.folder):])
                    for entry in index["docs"] if entry["location"].startswith(language.folder)]
        else:
            docs = [entry for entry in index["docs"] if not entry["location"].startswith(subtrees)]
        write_if_changed(site_dir / language.folder / "search" / "search_index.json",
                         json.dumps(dict(index, docs=docs), separators=(",", ":")))


# Material's search segments Chinese with jieba when it is installed, and
# jieba narrates its start-up at DEBUG level, on its own handler.
def quiet_jieba():
    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)


# The site folder is deleted and replaced on every build, so it must never
# be a folder that holds anything else: not the sources, not the project,
# not a parent of either, and not a folder of other files (`--site-dir .git`
# or `--site-dir ~`). An existing folder is replaced only when it is empty
# or holds a site MkDocs built.
def check_site_dir(site_dir, source_dir, config_dir):
    site_dir = Path(site_dir).resolve()
    for protected in (Path(source_dir).resolve(), Path(config_dir).resolve(), ROOT):
        if site_dir == protected or site_dir in protected.parents:
            raise BuildError(f"refusing --site-dir {site_dir}: it would replace {protected}")
    if site_dir.exists() and not is_replaceable_site(site_dir):
        raise BuildError(f"refusing --site-dir {site_dir}: it holds files that are not a built site")


def is_replaceable_site(folder):
    if not folder.is_dir():
        return False
    return not any(folder.iterdir()) or all((folder / name).is_file() for name in ("index.html", "sitemap.xml"))


# The tutorials' verdicts come before any page is written: a tutorial that
# fails stops the build there, and the previous site stays as it was. A
# preview reports the failure and shows it on the tutorial's page instead.
# Before that, each source must stay inside the source folder and have an
# address of its own.
def judged_chapters(source_dir, config_dir, config, testing):
    languages = site_languages(config)
    chapters = find_chapters(source_dir, config_dir, languages)
    try:
        line_breaks = conventions.line_break_setting(config["extra"], display_path(config.config_file_path))
    except ValueError as error:
        raise BuildError(str(error)) from None
    for page in pages_of(chapters):
        page.line_breaks = line_breaks
    check_sources_stay_inside(pages_of(chapters), source_dir)
    check_page_urls(pages_of(chapters), languages)
    judge_tutorials(pages_of(chapters), source_dir, config, testing or TutorialTestOptions())
    return chapters


def build_site(source_dir, site_dir, config_file, testing=None, preview=False):
    config_file, site_dir = Path(config_file).resolve(), Path(site_dir).resolve()
    check_site_dir(site_dir, source_dir, config_file.parent)
    recover_site(site_dir)
    staging = site_dir.with_name(f".{site_dir.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="build_docs-") as docs_dir:
        cache_dir = (testing or TutorialTestOptions()).cache_dir
        config = load_mkdocs_config(config_file, docs_dir, staging)
        keep_templates_compiled(config, cache_dir)
        chapters = make_pages(source_dir, docs_dir, config, testing, preview)

        def fresh_config():
            again = load_mkdocs_config(config_file, docs_dir, staging)
            keep_templates_compiled(again, cache_dir)
            configure_navigation(again, chapters)
            return again

        with reproducible_build_date(config_file.parent, pages_of(chapters)):
            run_mkdocs(config, site_dir, site_record(cache_dir, site_dir), fresh_config)


def make_pages(source_dir, docs_dir, config, testing, preview=False):
    testing = testing or TutorialTestOptions()
    chapters = judged_chapters(source_dir, Path(config.config_file_path).parent, config, testing)
    problems = verdict_problems(pages_of(chapters))
    if problems and not preview:
        raise BuildError("\n".join(problems))
    for problem in problems:
        print(problem, file=sys.stderr)
    render_pages(pages_of(chapters), testing.cache_dir)
    write_pages(chapters, site_languages(config), docs_dir, config)
    configure_navigation(config, chapters)
    return chapters


# `--pages-only DIR` stops before MkDocs, with the pages and their downloads
# in DIR as MkDocs would read them: to look at, or to time the generator
# alone. Files already in DIR are overwritten, and nothing else is removed.
def write_pages_only(source_dir, pages_dir, config_file, testing=None):
    pages_dir = Path(pages_dir).resolve()
    pages_dir.mkdir(parents=True, exist_ok=True)
    config = load_mkdocs_config(Path(config_file).resolve(), pages_dir, pages_dir.with_name(f".{pages_dir.name}.site"))
    make_pages(source_dir, pages_dir, config, testing)


# ## Preview
#
# `serve` builds the site exactly as `build` does, into a temporary folder,
# and serves it with MkDocs' live-reload server. When a file under the
# sources, `site_templates/` or `mkdocs.yml` changes, the site is built
# again and the browser reloads; a build that fails prints its error and
# leaves the previous preview up. Tests run as in a build, but a failing one
# is reported and shown on its page rather than stopping the preview.
#
# An edit is on the page before the author has looked up from the editor:
# the server looks for changes every tenth of a second (MkDocs' default is
# half a second), a build renders only the edited page and MkDocs builds
# only that one (see "Building only what changed"), and the edited
# tutorial's tests run in the background (see "Tests in the background"):
# the page says they are running, and shows their verdict when they finish.
PREVIEW_POLLING_SECONDS = 0.1


def serve_site(source_dir, config_file, address, testing=None):
    from mkdocs.exceptions import MkDocsException
    from mkdocs.livereload import LiveReloadServer

    config_file = Path(config_file).resolve()
    host, port = address.rsplit(":", 1)
    # Stopped by a signal (a test, a supervisor), the preview ends as on
    # Ctrl-C: tests it started are stopped and its temporary site goes.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with tempfile.TemporaryDirectory(prefix="build_docs-serve-") as folder:
        site_dir = Path(folder) / "site"
        testing = replace(testing or TutorialTestOptions(), notify_dir=Path(folder) / "verdicts")
        testing.notify_dir.mkdir()

        def rebuild():
            try:
                build_site(source_dir, site_dir, config_file, testing, preview=True)
            except (BuildError, MkDocsException) as error:
                print(error, file=sys.stderr)

        try:
            rebuild()
            server = LiveReloadServer(builder=rebuild, host=host, port=int(port), root=str(site_dir),
                                      polling_interval=PREVIEW_POLLING_SECONDS)
            for path in (source_dir, config_file, config_file.parent / "site_templates", Path(__file__).resolve(),
                         testing.notify_dir):
                server.watch(str(path))
            try:
                server.serve()
            except KeyboardInterrupt:
                pass
            finally:
                server.shutdown()
        finally:
            stop_background_tests()


# ## The command line
def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Build the literate-programming site: source/ (chapters of .py and .py.txt files, "
                    "x_zh.py in Chinese) -> side-by-side pages -> site/.",
    )
    parser.add_argument("command", nargs="?", choices=["build", "serve"], default="build",
                        help="build the site (default), or serve a live preview")
    parser.add_argument("--source", default=str(ROOT / "source"), metavar="DIR",
                        help="folder of tutorial sources (default: source/)")
    parser.add_argument("--site-dir", default=str(ROOT / "site"), metavar="DIR",
                        help="where the built site goes (default: site/)")
    parser.add_argument("--config", default=str(ROOT / "mkdocs.yml"), metavar="FILE",
                        help="MkDocs configuration (default: mkdocs.yml)")
    parser.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT",
                        help="address for serve (default: 127.0.0.1:8000)")
    parser.add_argument("--no-run", action="store_true",
                        help="do not run the tutorials' tests; their pages say 'not run'")
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache"), metavar="DIR",
                        help="where test results and rendered pages are kept between builds (default: .cache/)")
    parser.add_argument("--pages-only", metavar="DIR",
                        help="write the generated Markdown pages to DIR and stop, without running MkDocs")
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    testing = TutorialTestOptions(run=not arguments.no_run, cache_dir=Path(arguments.cache_dir))
    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.WARNING)
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    try:
        if arguments.command == "serve":
            logging.getLogger("mkdocs").setLevel(logging.INFO)
            serve_site(arguments.source, arguments.config, arguments.dev_addr, testing)
        elif arguments.pages_only:
            started = time.perf_counter()
            write_pages_only(arguments.source, arguments.pages_only, arguments.config, testing)
            print(f"wrote the pages to {arguments.pages_only} in {time.perf_counter() - started:.1f} s")
        else:
            started = time.perf_counter()
            build_site(arguments.source, arguments.site_dir, arguments.config, testing)
            print(f"built {arguments.site_dir} in {time.perf_counter() - started:.1f} s")
    except BuildError as error:
        print(error, file=sys.stderr)
        return 1
    except OSError as error:  # a site folder that cannot be written, a full disk
        print(f"{error.filename or 'build_docs'}: {error.strerror or error}", file=sys.stderr)
        return 1
    except Exception as error:
        from mkdocs.exceptions import MkDocsException

        if isinstance(error, MkDocsException):
            print(f"mkdocs: {error}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
