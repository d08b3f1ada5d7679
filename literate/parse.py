"""
# Parse: text becomes sections

`tokenize` and `ast` cut a source into commentary and the code it explains.

In: a source's code, as text. Out: its sections, each some commentary and
the code it explains, covering every line of the file in order.
"""

import ast
import collections
import io
import re
import tokenize
import warnings
from dataclasses import dataclass
from typing import NamedTuple

from literate.read import SourceError, reject_nul


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


# Lines are what Python's universal newlines make of the file: `\n`, `\r\n`
# and `\r` end a line, and nothing else does. (`str.splitlines` would also
# split on form feeds and other characters that real files contain.)
def split_lines(text):
    # Without a `\r`, splitting at `\n` alone gives the same lines, for less.
    lines = re.split(r"\r\n|\r|\n", text) if "\r" in text else text.split("\n")
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
OP, COMMENT_TOKEN = tokenize.OP, tokenize.COMMENT
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
        first, last = token.start[0], token.end[0]
        # Most tokens sit on one row, and most rows hold no docstring.
        rows = (first,) if first == last else wanted.intersection(range(first, last + 1))
        for row in rows:
            if row in wanted and token.type not in LAYOUT_TOKENS:
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
def classify_lines(lines, tree, tokens):
    kinds = [Line(BLANK if not line.strip() else CODE) for line in lines]
    depth = 0
    comments = {}
    for kind, string, (row, col), _, _ in tokens:
        if kind == OP:
            if string in "([{":
                depth += 1
            elif string in ")]}":
                depth -= 1
        elif kind == COMMENT_TOKEN and depth == 0 and not lines[row - 1][:col].strip():
            comments[row] = string
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
#
# The tokens and the syntax tree go on with the sections: highlighting
# colours the same tokens, and everything later stages ask of the code is
# read from them here, so that no stage parses a source again.
@dataclass(frozen=True)
class Parsed:
    sections: list
    tokens: list
    tree: ast.Module
    kinds: list  # each line's `Line`: what it is, and the commentary it gives
    tests: tuple  # (name, line) of each `test_*` function pytest collects
    opens_with_docstring: bool

    @property
    def facts(self):
        return CodeFacts(tuple(name for name, _ in self.tests), import_statements(self.tree))


# What running a tutorial's tests needs of its code: which tests it has, and
# what it imports (which files its verdict depends on). Small, so that it
# crosses from a worker process and stays in the cache with the page.
class CodeFacts(NamedTuple):
    tests: tuple  # the names of its test functions, in the file's order
    imports: tuple  # (level, module, name) of each name an import statement loads


def parse_source(text):
    return parse_code(text).sections


def parse_code(text):
    lines = split_lines(text)
    if lines and lines[0].startswith("\ufeff"):
        tokenizable = [lines[0][1:]] + lines[1:]
    else:
        tokenizable = lines
    tree, tokens = tokenize_lines(tokenizable)
    kinds = classify_lines(tokenizable, tree, tokens)
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
    return Parsed(sections, tokens, tree, kinds, collected_tests(tree), opens_with_docstring(tokens))


# The commentary of a run of lines that holds no code (a Markdown cell of
# the notebook), as `parse_code` would join it: one text per section.
def commentary_of(kinds):
    sections, docs = [], []
    for line in kinds + [Line(BREAK)]:
        if line.kind == BREAK:
            sections.append("\n".join(docs).strip("\n"))
            docs = []
        elif line.kind == COMMENT or (line.kind == DOCSTRING and line.text):
            if line.kind == DOCSTRING and docs and docs[-1] != "":
                docs.append("")
            docs.append(line.text)
        elif line.kind == BLANK and docs and docs[-1] != "":
            docs.append("")
    return [text for text in sections if text]


# pytest collects the `test_*` functions at the top of a module; those are
# the ones a page marks, at the line of their first decorator.
def collected_tests(tree):
    return tuple(
        (node.name, node.decorator_list[0].lineno if node.decorator_list else node.lineno)
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
    )


# An import is a statement, at any depth (in a function, a `try`), and
# statements hold statements only in their bodies, handlers and cases: the
# tree is walked as `ast.walk` walks it, breadth first, but never into an
# expression, which holds none (and holds most of a tree's nodes).
STATEMENT_NODES = (ast.stmt, ast.excepthandler, ast.match_case)


def import_statements(tree):
    found, pending = [], collections.deque([tree])
    while pending:
        node = pending.popleft()
        if isinstance(node, ast.Import):
            found.extend((0, None, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.extend((node.level, node.module, alias.name) for alias in node.names)
        pending.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, STATEMENT_NODES))
    return tuple(found)


# Whether the first thing Python reads is a string: the module docstring,
# not a comment (the shebang and other comments that tools read aside).
def opens_with_docstring(tokens):
    for token in tokens:
        if token.type == tokenize.COMMENT and is_code_comment(token.string, token.start[0]):
            continue
        if token.type not in (tokenize.ENCODING, tokenize.NL, tokenize.NEWLINE):
            return token.type == tokenize.STRING
    return False


# The soft keywords `match`, `case`, `_` and `type` are keywords only where
# Python reads them so, and only the syntax tree knows where: a variable
# named `match` is a name. Their places are given as tokens give them,
# (row, column) in characters (the tree counts UTF-8 bytes). Most files
# have no such statement, and their tree is not walked.
SOFT_KEYWORD_STATEMENT = re.compile(r"^[ \t\f]*(match|type)\b", re.MULTILINE)
TYPE_ALIAS = getattr(ast, "TypeAlias", ())  # `type X = ...`, since Python 3.12


def find_soft_keywords(tree, lines, source):
    if not SOFT_KEYWORD_STATEMENT.search(source):
        return frozenset()
    keywords, pending = set(), [tree]

    def at(node):
        line = lines[node.lineno - 1]
        return node.lineno, len(line.encode("utf-8")[:node.col_offset].decode("utf-8", "replace"))

    def case_before(pattern):  # `case` is no node of the tree: it is the word before a pattern
        row, column = at(pattern)
        before = lines[row - 1][:column].rstrip(" \t([{")
        return row, len(before) - 4 if before.endswith("case") else -1

    while pending:
        node = pending.pop()
        if isinstance(node, ast.Match):
            keywords.add(at(node))
            for case in node.cases:
                keywords.add(case_before(case.pattern))
                keywords.update(at(wildcard) for wildcard in ast.walk(case.pattern)
                                if isinstance(wildcard, ast.MatchAs) and wildcard.pattern is wildcard.name is None)
        elif isinstance(node, TYPE_ALIAS):
            keywords.add(at(node))
        for name in STATEMENT_LISTS:
            children = getattr(node, name, ())
            if isinstance(children, list):
                pending.extend(children)
    return frozenset(keywords)
