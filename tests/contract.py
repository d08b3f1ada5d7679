"""The parser contract of build_docs.parse_source, checked independently of
the parser: its own tokenize/ast reading decides what each line is."""

import ast
import io
import re
import tokenize
import warnings

import build_docs
import literate.frontmatter
import literate.parse
import literate.render


def universal_lines(text):
    lines = io.StringIO(text, newline=None).read().split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def comment_rows(source):
    rows = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            rows.add(token.start[0])
    return rows


# A docstring opens the body of a module, class or function, and those
# stand only in lists of statements (bodies, `else`s, `finally`s, handlers,
# `case`s); no statement stands inside an expression, so the walk follows
# those lists alone and leaves out the expressions, most of the tree.
STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def docstring_rows(tree):
    rows = set()
    nodes = [tree]
    while nodes:
        node = nodes.pop()
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                rows.update(range(first.lineno, first.end_lineno + 1))
        nodes.extend(child for name in STATEMENT_LISTS if isinstance(getattr(node, name, None), list)
                     for child in getattr(node, name))
    return rows


def words(line):
    stripped = line.strip().lstrip("#")
    stripped = re.sub(r'^[rRuU]?("""|\'\'\'|"|\')', "", stripped.strip())
    stripped = re.sub(r'("""|\'\'\'|"|\')$', "", stripped)
    return [word for word in stripped.split() if word != literate.parse.SECTION_BREAK]


def check_contract(text, parsed=None):
    """Parse `text` (or take the build's parse of it) and assert every clause
    of the contract; returns the sections."""
    parsed = parsed or literate.parse.parse_code(text)
    sections = parsed.sections
    lines = universal_lines(text)
    if text and "\r" not in text:
        assert lines == text.split("\n")[: len(lines)]
    source = "".join(line + "\n" for line in lines).removeprefix("\ufeff")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(source)
    comments, docstrings = comment_rows(source), docstring_rows(tree)

    expected_first = 1
    for section in sections:
        assert section.first_line == expected_first, "sections leave a gap or overlap"
        assert section.last_line >= section.first_line
        expected_first = section.last_line + 1
        numbers = list(section.code_line_numbers)
        assert numbers == sorted(set(numbers))
        assert all(section.first_line <= n <= section.last_line for n in numbers)
        assert section.code == "\n".join(lines[n - 1] for n in numbers), "code is not verbatim"
        for row in range(section.first_line, section.last_line + 1):
            if row in numbers:
                continue
            line = lines[row - 1].removeprefix("\ufeff") if row == 1 else lines[row - 1]
            if not line.strip():
                continue
            assert row in comments and line.lstrip().startswith("#") or row in docstrings, (
                f"line {row} left the code but is neither comment nor docstring: {line!r}"
            )
            for word in words(line):
                assert word in section.docs, f"line {row}: {word!r} missing from the docs"
    assert expected_first == len(lines) + 1, "the sections do not reach the end of the file"
    check_front_matter(parsed.opens_with_docstring, tree, sections)
    return sections


# Front matter is commentary the page shows as its title, summary and meta
# rather than as text: the parse keeps it in the first section's docs, like
# any commentary (the downloads have it), and the page takes it as metadata
# only when it is the opening of the module docstring and nothing else.
def check_front_matter(opens_with_docstring, tree, sections):
    if not sections or not opens_with_docstring:
        return
    docs = sections[0].docs
    front = literate.frontmatter.read_front_matter(docs)
    if not front.values:
        return
    docstring = ast.get_docstring(tree, clean=False)
    assert docs.endswith(front.rest), "front matter took more than its own block"
    taken = docs[: len(docs) - len(front.rest)]
    assert taken.strip().startswith("---") and taken.strip().endswith(("---", "...")), "front matter unfenced"
    assert all(word in docstring for word in taken.split()), "front matter from outside the module docstring"


def check_file(path):
    """Read and parse `path` as the build does and check the contract.
    Returns the outcome, with the text and the build's parse of it (None
    where the build refused the file) for other checks to use. The outcome
    is "ok"; "refused" when Python itself cannot read or parse the file and
    the build refused it too; or what went wrong."""
    try:
        text = build_docs.read_source(path)
        parsed = literate.parse.parse_code(text)
    except build_docs.SourceError as error:
        if python_refuses(path):
            return "refused", None, None
        return f"{path}:{error.line}:{error.col}: SourceError on a file Python parses: {error.message}", None, None
    except Exception as error:  # a crash of the build's reading
        return f"{path}: {type(error).__name__}: {error}", None, None
    try:
        check_contract(text, parsed)
    except Exception as error:  # AssertionError from the contract, or a crash
        return f"{path}: {type(error).__name__}: {error}", text, parsed
    return "ok", text, parsed


def python_refuses(path):
    try:
        with tokenize.open(path) as file, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(file.read())
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return True
    return False
