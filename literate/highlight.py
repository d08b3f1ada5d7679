"""
# Highlight: code becomes coloured HTML, a line at a time

The parser's own tokens are coloured, and the colours are cut into lines.

In: the lines of a source's code, with the tokens and the syntax tree that
the parser made of them. Out: the HTML of each line, coloured with
Pygments' token classes, which Material's light and dark schemes style.
"""

import builtins
import io
import itertools
import keyword
import re
import tokenize

from literate.parse import find_soft_keywords


# ## Colouring the parser's tokens
#
# To colour `def area(r):`, a highlighter first cuts it into tokens: the
# keyword `def`, the name `area`, the punctuation `(`, and so on. The
# parser has done that already, with Python's own `tokenize`, and has the
# syntax tree from `ast` too; both are handed on here, so a page's colours
# cost one pass over tokens that exist anyway. Pygments, which coloured the
# code before, lexed every file a second time with regular expressions,
# and that was most of the time a page took to render. (tree-sitter is
# fast too, but it is two more wheels and one more parse of every file.)
#
# Each token gets Pygments' short class name (`k` a keyword, `nf` a
# function being defined, `s2` a double-quoted string ...): those are what
# Material's light and dark schemes colour, so the site's CSS is unchanged.
#
# Python's keywords come from `keyword`, its built-in names from
# `builtins`: a built-in function or type is `nb`, an exception `ne`, and
# `self`, `cls`, `Ellipsis` and `NotImplemented` are `bp`, as in Pygments.
# The names that the `site` module adds for the interactive prompt are no
# part of the language.
KEYWORD_CLASSES = {name: "k" for name in keyword.kwlist} | {"True": "kc", "False": "kc", "None": "kc", "and": "ow",
                                                            "in": "ow", "is": "ow", "not": "ow", "or": "ow",
                                                            "import": "kn", "from": "kn"}
ADDED_BY_SITE = {"copyright", "credits", "exit", "help", "license", "quit"}


def builtin_class(name):
    value = getattr(builtins, name)
    if isinstance(value, type) and issubclass(value, BaseException):
        return "ne"
    return "bp" if name in ("Ellipsis", "NotImplemented") else "nb"


BUILTIN_CLASSES = {
    name: builtin_class(name) for name in dir(builtins)
    if name not in ADDED_BY_SITE and name not in KEYWORD_CLASSES and (not name.startswith("_") or name == "__import__")
} | {"self": "bp", "cls": "bp"}
PUNCTUATION = frozenset("()[]{}:,;")
NAME, OP, STRING, NUMBER, COMMENT, NL = (tokenize.NAME, tokenize.OP, tokenize.STRING, tokenize.NUMBER,
                                          tokenize.COMMENT, tokenize.NL)
LAYOUT = frozenset({tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER})
# Python 3.12 gives an f-string as tokens of its own, from its opening
# quote to its closing one; 3.11 gives it as one string. Both are coloured
# from their text, below, so they look the same on every Python.
FSTRING_START = {getattr(tokenize, name) for name in ("FSTRING_START", "TSTRING_START") if hasattr(tokenize, name)}
FSTRING_END = {getattr(tokenize, name) for name in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, name)}


# ## Strings
#
# A string's prefix is `sa`, and the rest is `s2` or `s1` after its quote.
# Inside it, escapes (`\n`, `\x41`, `\N{DASH}`) are `se`, and the fields
# that `%` and `str.format` fill are `si`, as Pygments shows them. A
# triple-quoted string that opens its line reads as a docstring: `sd`,
# without escapes or fields, in the colour of comments.
STRING_START = re.compile(r"([A-Za-z]*)('''|\"\"\"|'|\")")
BYTES_ESCAPE = r"""\\(?:[\\'"abfnrtv\n]|x[0-9a-fA-F]{2}|[0-7]{1,3})"""
TEXT_ESCAPE = r"\\(?:N\{[^}\n]*\}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})|" + BYTES_ESCAPE
FIELDS = (r"%(?:\(\w+\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?[diouxXeEfFgGcrsa%]"
          r"|\{(?:\w+(?:\.\w+|\[[^\]\n]+\])*)?(?:![rsa])?"
          r"(?::(?:.?[<>=^])?[-+ ]?z?#?0?\d*[_,]?(?:\.\d+)?[bcdeEfFgGnosxX%]?)?\}")


# A raw string has no escapes, except that a backslash still keeps its
# quote or another backslash from ending it.
def string_parts(prefix, quote):
    if "r" in prefix:
        escape = "(?!)" if len(quote) == 3 else rf"\\[\\{quote}\n]"
    else:
        escape = BYTES_ESCAPE if "b" in prefix else TEXT_ESCAPE
    return re.compile(rf"(?P<se>{escape})|(?P<si>{FIELDS})|(?P<plain>\{{\{{)")


# ## F-strings
#
# An f-string is a string with code inside: each replacement field is
# `si` at its braces, its expression is coloured as any other code (it is
# cut into tokens on its own), and so are a conversion (`!r`) and the `:`
# that opens a format spec, which is then string again, and may hold
# fields of its own. `{{` and `}}` are escapes.
FSTRING_TEXT = {False: re.compile(r"\{\{|\}\}|\{|\}|" + TEXT_ESCAPE), True: re.compile(r"\{\{|\}\}|\{|\}")}
FORMAT_SPEC = re.compile(r"\{|\}")
FIELD_TAIL = re.compile(r"(=\s*)?(![a-z])?(:)?")


# The colours are collected as runs of the file's text, in order, each
# with its class: text that no token colours (spaces, a line-ending
# backslash) is a run without one, and neighbours of one class are one
# run. No text is ever coloured twice, so every character of the file is
# kept, once.
class Colouring:
    def __init__(self, source):
        self.source, self.done, self.runs = source, 0, []  # runs: [class, start, end]

    def colour(self, start, end, name):
        if start < self.done:
            start = self.done
        if end <= start:
            return
        runs = self.runs
        if start > self.done:
            runs.append(["", self.done, start])
        elif runs and runs[-1][0] == name:
            runs[-1][2] = end
            self.done = end
            return
        runs.append([name, start, end])
        self.done = end


def colour_string(out, start, end, at_line_start=False):
    prefix, quote = STRING_START.match(out.source, start).groups()
    prefix, body = prefix.lower(), start + len(prefix)
    name = "s2" if quote[0] == '"' else "s1"
    out.colour(start, body, "sa")
    if "f" in prefix or "t" in prefix:
        out.colour(body, body + len(quote), name)
        colour_fstring_text(out, body + len(quote), end - len(quote), name, FSTRING_TEXT["r" in prefix])
        return out.colour(end - len(quote), end, name)
    if at_line_start and len(quote) == 3:
        return out.colour(body, end, "sd")
    done = body
    for part in string_parts(prefix, quote).finditer(out.source, body + len(quote), end - len(quote)):
        out.colour(done, part.start(), name)
        out.colour(part.start(), part.end(), name if part.lastgroup == "plain" else part.lastgroup)
        done = part.end()
    out.colour(done, end, name)


# Returns where the text ends: at its end, or at the `}` that closes the
# field whose format spec it is.
def colour_fstring_text(out, at, end, name, specials):
    source = out.source
    while at < end:
        found = specials.search(source, at, end)
        if found is None:
            break
        out.colour(at, found.start(), name)
        if found.group() == "{":
            at = colour_field(out, found.start(), end, name)
        elif found.group() == "}":
            return found.start()
        else:
            out.colour(found.start(), found.end(), "se")
            at = found.end()
    out.colour(at, end, name)
    return end


def colour_field(out, start, end, name):
    source = out.source
    out.colour(start, start + 1, "si")
    expression_end = end_of_expression(source, start + 1, end)
    colour_code(out, source[start + 1:expression_end], start + 1)
    tail = FIELD_TAIL.match(source, expression_end, end)
    out.colour(expression_end, tail.end(), "si")
    at = colour_fstring_text(out, tail.end(), end, name, FORMAT_SPEC) if tail.group(3) else tail.end()
    out.colour(at, min(at + 1, end), "si")
    return min(at + 1, end)


# A field's expression ends at the first `}`, `!`, `:` or `=` (the one
# that shows the expression too) outside brackets and strings; `!=`, `==`,
# `<=` and `>=` are comparisons.
def end_of_expression(source, at, end):
    depth = 0
    while at < end:
        character = source[at]
        if character in "'\"":  # a string inside: skip to its closing quote
            quote = source[at:at + 3] if source[at:at + 3] in ('"""', "'''") else character
            at += len(quote)
            while at < end and not source.startswith(quote, at):
                at += 2 if source[at] == "\\" else 1
            at += len(quote)
            continue
        if depth == 0 and (character in "}:" or character == "!" and source[at + 1] != "="
                           or character == "=" and source[at + 1] != "=" and source[at - 1] not in "=!<>"):
            return at
        depth += (character in "([{") - (character in ")]}")
        at += 1
    return end


# The code of a field is cut into tokens on its own, in brackets so that
# it may span lines as it does in a triple-quoted f-string.
def colour_code(out, code, start):
    if not code.strip():
        return
    tokens = list(tokenize.generate_tokens(io.StringIO(f"({code})").readline))
    starts = line_starts(f"({code})".split("\n"))
    inside = [token for token in tokens[1:]
              if starts[token.end[0] - 1] + token.end[1] <= len(code) + 1 and token.type not in LAYOUT]
    colour_tokens(out, inside, starts, start - 1, frozenset())


def line_starts(lines):
    return [0, *itertools.accumulate(len(line) + 1 for line in lines)]


# ## Names
#
# A name's colour depends on the tokens before it: the name after `def` is
# a function being defined (`nf`), after `class` a class (`nc`); the
# modules of an import are namespaces (`nn`); `@` at the start of a
# statement begins a decorator (`nd`), dotted names and all; a built-in
# name after a `.` is an attribute, no built-in. `from` in `yield from`
# and `raise ... from` imports nothing.
#
# The soft keywords `match`, `case`, `_` and `type` are keywords only
# where Python reads them so, which the syntax tree says: a variable named
# `match` stays a name.
def colour_tokens(out, tokens, starts, base, soft_keywords, lines=None):
    previous, importing, decorating = "", None, False
    index, colour, count = 0, out.colour, len(tokens)
    while index < count:
        token = tokens[index]
        kind, text, (row, column), _, _ = token
        index += 1
        if kind in LAYOUT:
            if kind != NL:
                previous, importing, decorating = "", None, False
            continue
        start = base + starts[row - 1] + column
        end = start + len(text)  # Python 3.12.1 counts some ends in bytes
        if kind == NAME:
            if text in KEYWORD_CLASSES:
                name = KEYWORD_CLASSES[text]
                if text == "from":
                    importing = "from" if previous in ("", ":") else None
                    name = "kn" if importing else "k"
                elif text == "import":
                    importing = None if importing == "from" else "import"
            elif previous in ("def", "class"):
                name = "nf" if previous == "def" else "nc"
            elif importing:
                name = "nn"
            elif decorating:
                name = "nd"
            elif soft_keywords and (row, column) in soft_keywords:
                name = "k"
            elif previous != ".":
                name = BUILTIN_CLASSES.get(text, "n")
            else:
                name = "n"
        elif kind == OP:
            decorating = (decorating or text == "@" and previous == "") and text in "@."
            name = "nd" if decorating else "nn" if importing and text in (".", "...") else \
                "p" if text in PUNCTUATION else "o"
        elif kind == STRING:
            colour_string(out, start, end, lines is not None and not lines[row - 1][:column].strip())
            previous = text
            continue
        elif kind in FSTRING_START:
            index = fstring_end(tokens, index)
            closing = tokens[index - 1]
            end = base + starts[closing.start[0] - 1] + closing.start[1] + len(closing.string)
            colour_string(out, start, end)
            previous = text
            continue
        elif kind == NUMBER:
            name = number_class(text.lower())
        elif kind == COMMENT:
            name = "ch" if (row, column) == (1, 0) and text.startswith("#!") and lines is not None else "c1"
        else:
            name = ""
        colour(start, end, name)
        if kind != COMMENT:
            previous = "" if text == ";" else text
            importing = None if text == ";" else importing


def fstring_end(tokens, index):
    depth = 1
    while depth:
        depth += (tokens[index].type in FSTRING_START) - (tokens[index].type in FSTRING_END)
        index += 1
    return index


def number_class(text):
    based = {"0x": "mh", "0o": "mo", "0b": "mb"}.get(text[:2])
    return based or ("mf" if "." in text or "e" in text or "j" in text else "mi")


# ## Lines
#
# Every tag costs: MkDocs, Markdown and the search plugin each parse every
# tag of a page, and on code-heavy pages that is most of the build. So
# whitespace, which takes no colour, goes without a `<span>`, and
# neighbouring tokens of one class share one, as in Pygments' own HTML.
#
# MkDocs passes each page through Markdown, which expands tabs to spaces and
# deletes the two characters it uses as placeholders, and mkdocs-static-i18n
# cuts each page into lines with `str.splitlines`, which also ends a line at
# a form feed and at the other line separators of Unicode; written as
# character references they reach the browser as the author typed them.
KEPT_FROM_MARKDOWN = {character: f"&#{ord(character)};" for character in "\t\x02\x03\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
ESCAPES = str.maketrans(KEPT_FROM_MARKDOWN | {"&": "&amp;", "<": "&lt;", ">": "&gt;"})
NEEDS_ESCAPES = re.compile("[" + "".join(KEPT_FROM_MARKDOWN) + "&<>]")


def escaped(text):
    return text.translate(ESCAPES) if NEEDS_ESCAPES.search(text) else text


# `tokens` and `tree` are what the parser made of the lines (without a
# byte-order mark): `Parsed.tokens` and `Parsed.tree`.
def highlight_code(lines, tokens, tree):
    bom = "\ufeff" if lines and lines[0].startswith("\ufeff") else ""
    if bom:
        lines = [lines[0][1:]] + lines[1:]
    source = "".join(line + "\n" for line in lines)
    soft_keywords = find_soft_keywords(tree, lines, source)
    out = Colouring(source)
    colour_tokens(out, tokens, line_starts(lines), 0, soft_keywords, lines)
    out.colour(out.done, len(source), "")
    parts = []
    for name, start, end in out.runs:
        text = source[start:end]
        if not name or not text.strip():
            parts.append(escaped(text))
        elif "\n" not in text:
            parts.append(f'<span class="{name}">{escaped(text)}</span>')
        else:
            parts.append("\n".join(f'<span class="{name}">{escaped(piece)}</span>' if piece.strip()
                                   else escaped(piece) for piece in text.split("\n")))
    rendered = "".join(parts).split("\n")
    rendered[0] = bom + rendered[0]
    return rendered[: len(lines)]
