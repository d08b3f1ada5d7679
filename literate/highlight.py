"""
# Highlight: code becomes coloured HTML, a line at a time

Pygments colours the whole file at once; the colours are then cut into lines.

In: the lines of a source's code. Out: the HTML of each line, coloured with
Pygments' token classes, which Material's light and dark schemes style.
"""

import functools
import html

from pygments.lexers import PythonLexer
from pygments.token import STANDARD_TYPES


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
