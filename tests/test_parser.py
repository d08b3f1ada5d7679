"""The parser contract on each hard case (on the standard library: test_standard_library.py)."""


import pytest

import build_docs
from contract import check_contract

pytestmark = pytest.mark.quick

def docs_and_code(text):
    return [(s.docs, s.code) for s in check_contract(text)]


def test_comment_then_code():
    assert docs_and_code("# Why.\nx = 1\n") == [("Why.", "x = 1")]


def test_comment_after_code_starts_a_section():
    assert docs_and_code("x = 1\n# Then y.\ny = 2\n") == [("", "x = 1"), ("Then y.", "y = 2")]


def test_trailing_comment_stays_in_code():
    assert docs_and_code("x = 1  # not commentary\n") == [("", "x = 1  # not commentary")]


def test_hash_lines_inside_a_string_are_code():
    text = 's = """\n# not a comment\n"""\n# a comment\ny = s\n'
    assert docs_and_code(text) == [("", 's = """\n# not a comment\n"""'), ("a comment", "y = s")]


def test_hash_in_strings_and_fstrings_is_code():
    text = "a = '# no'\nb = f\"{a} # no {'#'}\"\n"
    assert docs_and_code(text) == [("", text.rstrip("\n"))]


def test_one_line_docstring_does_not_swallow_the_file():
    text = 'def f():\n    """Short."""\n    return 1\n\n\ndef g():\n    return 2\n'
    sections = check_contract(text)
    assert sections[0].docs == "Short."
    assert "return 1" in sections[0].code and "def g():" in sections[0].code


@pytest.mark.parametrize("quote", ['r"""', "'''", 'R"""', 'u"""', "r'''"])
def test_every_docstring_quote_style(quote):
    closing = quote.lstrip("rRuU")
    text = f"{quote}\nIntro with $\\nabla$.\n{closing}\nx = 1\n"
    assert docs_and_code(text) == [("Intro with $\\nabla$.", "x = 1")]


def test_text_on_the_opening_quotes_line_is_kept():
    text = 'def f():\n    """First words\n    and more.\n    """\n    pass\n'
    assert check_contract(text)[0].docs == "First words\nand more."


def test_docstring_sharing_a_line_with_code_stays_code():
    text = 'def f(): """doc"""\n'
    assert docs_and_code(text) == [("", 'def f(): """doc"""')]


def test_docstring_sits_beside_its_def_and_decorators():
    text = "x = 1\n@a\n# why b\n@b\ndef f():\n    # before the docstring\n    '''Doc.'''\n    return x\n"
    sections = check_contract(text)
    assert [s.code for s in sections] == ["x = 1", "@a\n@b\ndef f():\n    return x"]
    assert sections[1].docs == "why b\nbefore the docstring\n\nDoc."


def test_comments_before_the_module_docstring():
    text = '# Copyright\n"""Intro."""\nimport os\n'
    assert docs_and_code(text) == [("Copyright\n\nIntro.", "import os")]


def test_main_block_is_code():
    text = 'if __name__ == "__main__":\n    # run it\n    main()\n'
    assert docs_and_code(text) == [("", 'if __name__ == "__main__":'), ("run it", "    main()")]


def test_crlf_and_lone_cr_line_endings():
    assert docs_and_code("# a\r\nx = 1\r\n# b\ry = 2\r") == [("a", "x = 1"), ("b", "y = 2")]


def test_form_feed_does_not_split_a_line():
    text = "x = 1\n\x0c\ny = 2  # \x0c\x1c\n"
    sections = check_contract(text)
    assert sections[0].last_line == 3


def test_tabs_are_kept_verbatim():
    text = "if True:\n\t# tabbed\n\tx = 1\n"
    assert docs_and_code(text) == [("", "if True:"), ("tabbed", "\tx = 1")]


def test_byte_order_mark():
    text = "\ufeff# Intro\nx = 1\n"
    assert docs_and_code(text) == [("Intro", "x = 1")]


def test_shebang_and_cookie_stay_code():
    text = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nx = 1\n"
    assert docs_and_code(text) == [("", text.rstrip("\n"))]


# The eight tool pragmas the guide names ("The source format").
@pytest.mark.parametrize("pragma", ["noqa: E501", "type: ignore", "pragma: no cover", "fmt: off",
                                    "pylint: disable=invalid-name", "mypy: ignore-errors", "isort: skip_file",
                                    "ruff: noqa"])
def test_tool_pragmas_stay_code(pragma):
    text = f"# {pragma}\nx = 1\n"
    assert docs_and_code(text) == [("", text.rstrip("\n"))]


def test_delimiter_forces_a_break_and_shows_nothing():
    text = "# one\nx = 1\n# delimiter\ny = 2\n"
    assert docs_and_code(text) == [("one", "x = 1"), ("", "y = 2")]


def test_comment_inside_brackets_stays_with_its_expression():
    text = "f(a,\n  # why b\n  b)\n"
    assert docs_and_code(text) == [("", text.rstrip("\n"))]


def test_blank_lines_between_comments_make_paragraphs():
    assert check_contract("# one\n\n# two\nx = 1\n")[0].docs == "one\n\ntwo"


def test_empty_file_has_no_sections():
    assert build_docs.parse_source("") == []


def test_syntax_error_names_the_line_and_column():
    with pytest.raises(build_docs.SourceError) as caught:
        build_docs.parse_source("x = 1\ndef f(:\n")
    assert (caught.value.line, caught.value.col) == (2, 7)


# What a tutorial imports decides which files its verdict depends on: every
# import statement, at any depth, in the order `ast.walk` meets them
# (breadth first), however deep the expressions around them.
@pytest.mark.quick
def test_every_import_statement_is_found_at_any_depth_in_walking_order():
    import ast

    import literate.parse

    source = (
        "import a, b as c\n"
        "x = [lambda: __import__('no') for _ in range(3)]\n"
        "def f(y=(1, 2)):\n"
        "    from . import d\n"
        "    try:\n"
        "        import e\n"
        "    except ImportError:\n"
        "        from ..f import g\n"
        "    else:\n"
        "        import h\n"
        "    finally:\n"
        "        import i\n"
        "class K:\n"
        "    match y:\n"
        "        case [1, *_]:\n"
        "            import j\n"
        "from k.l import m\n"
    )
    assert literate.parse.import_statements(ast.parse(source)) == (
        (0, None, "a"), (0, None, "b"), (0, "k.l", "m"), (1, None, "d"), (0, None, "e"), (0, None, "h"),
        (0, None, "i"), (2, "f", "g"), (0, None, "j"))
