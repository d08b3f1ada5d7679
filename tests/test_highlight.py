"""Highlighting: the parser's tokens coloured with Pygments' classes, every character kept.

Pygments coloured the code column before; it is the reference here. Where
the new colours differ on purpose, the case says what Pygments gave and why.
"""

import re
import sys

import pytest
from pygments.lexers import PythonLexer
from pygments.token import STANDARD_TYPES

import literate.highlight
import literate.parse
from literate.read import SourceError
from site_html import text_of

pytestmark = pytest.mark.quick

SPAN = re.compile(r'<span class="([a-z0-9]+)">(.*?)</span>|([^<]+)')


def highlighted(lines):
    """The lines coloured as a page colours them: from the tokens the parser made."""
    parsed = literate.parse.parse_code("".join(line + "\n" for line in lines))
    return literate.highlight.highlight_code(lines, parsed.tokens, parsed.tree)


def coloured_characters(code):
    """[(character, class)] of the code as highlighted, over all its lines."""
    lines = literate.parse.split_lines(code)
    found = []
    for line in highlighted(lines):
        for name, inside, plain in SPAN.findall(line):
            found.extend((character, name) for character in text_of(inside or plain))
        found.append(("\n", ""))
    return found


def pygments_characters(code):
    found = []
    for token_type, value in PythonLexer(stripnl=False, ensurenl=False, tabsize=0).get_tokens(code):
        while token_type not in STANDARD_TYPES:
            token_type = token_type.parent
        found.extend((character, STANDARD_TYPES[token_type]) for character in value)
    return found


def marked(snippet):
    """The code, and the (start, end) of each «marked» part of it."""
    code, spans = "", []
    for index, part in enumerate(re.split("[«»]", snippet)):
        if index % 2:
            spans.append((len(code), len(code) + len(part)))
        code += part
    return code + "\n", spans


def classes_at(characters, spans):
    return [" ".join(sorted({name for character, name in characters[start:end] if not character.isspace()}))
            for start, end in spans]


# Each «marked» part of the snippet, in order, and the class it should
# have: the same as Pygments gave.
AS_PYGMENTS = [
    ("«if» x «and» «not» y: «pass»", ["k", "ow", "ow", "k"]),
    ("x = «None» «if» y «is» «True» «else» «False»", ["kc", "k", "ow", "kc", "k", "kc"]),
    ("«import» «os.path» «as» «p»", ["kn", "nn", "k", "nn"]),
    ("«from» «..pkg» «import» «name»", ["kn", "nn", "kn", "n"]),
    ("def «area»(r):\n    return r", ["nf"]),
    ("class «Circle»(«Shape»):\n    pass", ["nc", "n"]),
    ("«@property»\ndef f(self):\n    pass", ["nd"]),
    ("x = «len»(y) + y.«len» + «print»", ["nb", "n", "nb"]),
    ("def f(«self», «cls»):\n    return «self».x, «NotImplemented»", ["bp", "bp", "bp", "bp"]),
    ("raise «ValueError»(«KeyError»)", ["ne", "ne"]),
    ("x = «42» + «1_000» + «1.5» + «2e-3» + «.5» + «0xFF» + «0o17» + «0b101»",
     ["mi", "mi", "mf", "mf", "mf", "mh", "mo", "mb"]),
    ("x = «\"two\"» + «'one'» + «\"\"\"three\"\"\"»", ["s2", "s1", "s2"]),
    ("x = «rb»«'\\d'» + «u»«\"a\"» + «f»«\"b\"»", ["sa", "s1", "sa", "s2", "sa", "s2"]),
    ("x = \"a«\\n»b«\\x41»«\\N{EM DASH}»«\\u00e9»\" + b\"«\\t»\"", ["se", "se", "se", "se", "se"]),
    ("x = r\"«\\n»\"", ["s2"]),
    ("x = \"«%d» «%(name)s» «{0}» «{key!r:>10}» {{no}}\"", ["si", "si", "si", "si"]),
    ("x = f\"a«{»«len»«(»x«)»«}» «{{»«x»«}}»\"", ["si", "nb", "p", "p", "si", "se", "s2", "se"]),
    ("x = f\"«{»y«!r:»«>10»«}» «{»y«:»«>»«{»w«}}»\"", ["si", "si", "s2", "si", "si", "si", "s2", "si", "si"]),
    ("x = f'«{»d[«\"k\"»]«}»'", ["si", "s2", "si"]),
    ("x = f\"«{»a «!=» b«}»\"", ["si", "o", "si"]),
    ("def f():\n    «\"\"\"Doc «\\n» string.\"\"\"»\n    return 1", ["sd", "sd"]),
    ("x = 1  «# why»", ["c1"]),
    ("«#!/usr/bin/env python»\n«# -*- coding: utf-8 -*-»\nx = 1", ["ch", "c1"]),
    ("«match» command:\n    «case» [«_», x]:\n        pass\n    «case» «_»:\n        pass",
     ["k", "k", "k", "k", "k"]),
    ("«match» = re.«match»(p, s)\n«case» = «_» = 1", ["n", "n", "n", "n"]),
    ("x «+=» a «@» b «**» «-»c «//» d", ["o", "o", "o", "o", "o"]),
    ("f«(»x«,» y«[»1«:»2«]»«)»«;» z = «{»1«}»", ["p", "p", "p", "p", "p", "p", "p", "p", "p"]),
    ("y «=» «(»z «:=» 1«)»\nq = «...»\ndef g() «->» x«.»y: pass", ["o", "p", "o", "p", "o", "o", "o"]),
    ("with «open»(p) as f:\n    «yield» «from» f", ["nb", "k", "k"]),
]


@pytest.mark.parametrize("snippet, expected", AS_PYGMENTS, ids=[case[0][:40] for case in AS_PYGMENTS])
def test_tokens_are_coloured_as_pygments_coloured_them(snippet, expected):
    code, spans = marked(snippet)
    assert classes_at(coloured_characters(code), spans) == expected
    assert classes_at(pygments_characters(code), spans) == expected


# On purpose, and why: the first class is ours, the second Pygments'.
UNLIKE_PYGMENTS = [
    # A special method being defined is a function being defined; Pygments'
    # `fm` is a class that Material does not colour.
    ("def «__init__»(self):\n    pass", ["nf"], ["fm"]),
    # The whole decorator, not only its first name.
    ("«@functools.lru_cache»(maxsize=None)\ndef f():\n    pass", ["nd"], ["n nd o"]),
    # `raise ... from` imports nothing: its name is no namespace.
    ("raise E «from» «error»", ["k", "n"], ["kn", "nn"]),
    # `match` at the start of a line is a variable here, as Python reads it.
    ("«match».group(1)", ["n"], ["k"]),
    # An imaginary number is one number.
    ("x = «2j»", ["mf"], ["mi n"]),
    # Built-ins of Python 3 that Pygments' lists miss.
    ("«exec»(code)\nraise «ExceptionGroup»('', [])", ["nb", "ne"], ["n", "n"]),
    # Dunder names are names; Pygments' `vm` is no class Material colours.
    ("x = «__name__»", ["n"], ["vm"]),
    # Commas between imported modules are punctuation, as everywhere else.
    ("import a«,» b", ["p"], ["o"]),
]


@pytest.mark.parametrize("snippet, ours, theirs", UNLIKE_PYGMENTS, ids=[case[0][:40] for case in UNLIKE_PYGMENTS])
def test_where_the_colours_differ_from_pygments_on_purpose(snippet, ours, theirs):
    code, spans = marked(snippet)
    assert classes_at(coloured_characters(code), spans) == ours
    assert classes_at(pygments_characters(code), spans) == theirs


@pytest.mark.skipif(sys.version_info < (3, 12), reason="`type X = ...` is Python 3.12's")
def test_type_is_a_keyword_only_in_a_type_statement():
    code, spans = marked("«type» Vector = list[float]\nx = «type»(y)\n")
    assert classes_at(coloured_characters(code), spans) == ["k", "nb"]


@pytest.mark.skipif(sys.version_info < (3, 12), reason="f-strings nest their own quotes since Python 3.12")
def test_nested_fstrings_of_python_3_12():
    code, spans = marked('x = f"«{»f"«{»«len»(y)«}»"«}» «{»z«:»«>»«{»w«}}»"\n')
    assert classes_at(coloured_characters(code), spans) == ["si", "si", "nb", "si", "si", "si", "si", "s2", "si", "si"]


# Every character of every line comes back, whatever it is.
EDGE_CASES = {
    "byte-order mark": "\ufeff# coding: utf-8\nx = 1\n",
    "form feed": "x = 1\n\x0c\ndef f():\n\x0c    pass  # \x0c\n",
    "CRLF and CR": "x = '''a\r\nb'''\ry = 2\r\n",
    "tabs": "if x:\n\ty = '\t'\n",
    "line continuation": "x = 1 + \\\n    2\ns = 'a\\\nb'\n",
    "multi-line strings": 's = """\n\n  <b> & </b>\n"""\nt = f"""{\nx\n!r}"""\n',
    "markdown's characters": "x = '\x02\x03\x0b\x1c\x1d\x1e\x85\u2028\u2029'\n",
    "unicode names": "π = 1\ncase = π\nmatch π:\n    case 1: pass\n",
    "empty": "",
}


@pytest.mark.parametrize("name", EDGE_CASES)
def test_every_character_of_every_line_is_kept(name):
    code = EDGE_CASES[name]
    lines = literate.parse.split_lines(code)
    rendered = highlighted(lines)
    assert [text_of(line) for line in rendered] == lines


def test_a_byte_order_mark_leaves_the_colours_in_place():
    rendered = highlighted(["\ufeff#!/usr/bin/env python", "x = 1"])
    assert rendered == ['\ufeff<span class="ch">#!/usr/bin/env python</span>',
                        '<span class="n">x</span> <span class="o">=</span> <span class="mi">1</span>']


def test_a_source_python_refuses_is_refused_before_it_is_coloured():
    with pytest.raises(SourceError):
        literate.parse.parse_code("x = (\n")
    with pytest.raises(SourceError):
        literate.parse.parse_code("x = '\n")
