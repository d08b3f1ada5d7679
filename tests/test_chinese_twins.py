"""The Chinese twins: written for Chinese readers, in the site's own terms.

A twin `x_zh.py` (or `x_zh.py.txt`) is `x.py` with its commentary in
Chinese and its code unchanged. Its prose is what `tokenize` finds: the
comments, and the strings that stand alone as statements (docstrings); a
text-first source is read as the code PyLit makes of it, whose comments
are its paragraphs (the `::` that ends a paragraph before a code block is
markup, and the page does not show it). Inside that prose, math (`$...$`, `$$...$$`), code
spans and links are not Chinese and keep their own punctuation. So do the
lines of the seed page, the page this site began from: they stay exactly
as the seed has them, wherever they appear.
"""

import collections
import io
import re
import tokenize

import pytest

import build_docs
import literate.textfirst
from needs import unavailable
from support import SEED, SOURCE

GLOSSARY = SOURCE / "glossary_zh.tsv"
HALF_WIDTH = ",:;()"
# Not Chinese prose: display and inline math, code spans (double and single
# backticks), and links (the source's `<link URL link>` and a Markdown link's
# target), in that order, so that `$` inside a code span is code.
NOT_PROSE = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|``.+?``|`[^`]+`|<link \S+ link>|(?<=\])\([^)\s]*\)")
# A docstring heading, `**Title**:` (English) or `**标题**：`, is markup.
HEADING = re.compile(r"^\*\*(.+?)\*\*[:：]$")


def twins():
    found = []
    for path in sorted(SOURCE.rglob("*")):
        name = path.name
        for suffix in (".py", literate.textfirst.LITERATE_SUFFIX):
            if name.endswith("_zh" + suffix):
                found.append((path.with_name(name[: -len("_zh" + suffix)] + suffix), path))
    return found


def code_of(path):
    text = path.read_text(encoding="utf-8")
    return build_docs.literate_text_to_code(text) if literate.textfirst.is_literate_text(path) else text


def prose_lines(path):
    """(line number in the code, text) for each line of commentary."""
    lines = []
    at_statement_start = True
    for token in tokenize.generate_tokens(io.StringIO(code_of(path)).readline):
        if token.type == tokenize.COMMENT:
            lines.append((token.start[0], token.string.lstrip("#").strip()))
        elif token.type == tokenize.STRING and at_statement_start:
            body = re.sub(r"^[rRuU]?(\"\"\"|'''|\"|')|(\"\"\"|'''|\"|')$", "", token.string)
            lines += [(token.start[0] + offset, line.strip()) for offset, line in enumerate(body.split("\n"))]
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            at_statement_start = token.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
    return [(number, line) for number, line in lines if line]


def code_tokens(path):
    """The code of a source without its commentary: what both twins must share."""
    tokens = []
    at_statement_start = True
    for token in tokenize.generate_tokens(io.StringIO(code_of(path)).readline):
        is_docstring = token.type == tokenize.STRING and at_statement_start
        if token.type not in (tokenize.COMMENT, tokenize.NL) and not is_docstring:
            tokens.append((token.type, token.string))
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            at_statement_start = token.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
    return tokens


# A seed line as the seed shows it: links as "Related Link", no code marks,
# a heading without its markup.
def as_the_seed_shows(line):
    line = re.sub(r"<link \S+ link>", "Related Link", line).replace("``", "")
    heading = HEADING.match(line)
    return heading.group(1) if heading else line


def seed_lines():
    """The seed page's lines, which keep their own punctuation: without them
    the twins' prose cannot be told from the seed's, so the test waits for them."""
    if not SEED.exists():
        unavailable(f"the seed page is not beside this clone: {SEED}")
    return {line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()}


def chinese_prose(path, seed):
    """(line, prose without math, code or links) for each line of commentary that is not the seed's."""
    found = []
    for number, line in prose_lines(path):
        if as_the_seed_shows(line) in seed:
            continue
        if literate.textfirst.is_literate_text(path):
            line = re.sub(r"\s*::$", "", line)  # the mark of a literal block, which the page does not show
        heading = HEADING.match(line)
        found.append((number, NOT_PROSE.sub(" ", heading.group(1) if heading else line)))
    return found


def glossary():
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            english, chinese, *avoided = line.split("\t")
            rows.append((english, chinese, avoided[0].split("、") if avoided and avoided[0] else []))
    return rows


TWINS = twins()
IDS = [chinese.relative_to(SOURCE).as_posix() for _, chinese in TWINS]


def test_every_tutorial_has_a_chinese_twin():
    tutorials = [path for path in SOURCE.rglob("*") if path.name.endswith((".py", literate.textfirst.LITERATE_SUFFIX))
                 and "_zh." not in path.name]
    assert sorted(tutorials) == sorted(english for english, _ in TWINS)


@pytest.mark.parametrize("english, chinese", TWINS, ids=IDS)
def test_twins_share_their_code(english, chinese):
    assert code_tokens(english) == code_tokens(chinese)


@pytest.mark.parametrize("english, chinese", TWINS, ids=IDS)
def test_chinese_prose_has_full_width_punctuation(english, chinese):
    seed = seed_lines()
    wrong = [f"{chinese.name}:{number}: {text.strip()}" for number, text in chinese_prose(chinese, seed)
             if re.search("[\u4e00-\u9fff]", text) and any(mark in text for mark in HALF_WIDTH)]
    assert not wrong, "half-width punctuation in Chinese prose:\n" + "\n".join(wrong)


def test_the_punctuation_check_sees_comments_and_docstrings_and_skips_math_code_and_the_seed(tmp_path):
    sample = tmp_path / "sample_zh.py"
    sample.write_text('"""\n标题:$f(x)$ 与 ``g(a, b)``。\n"""\n\n\ndef f():\n    """**概述**：\n        一句话,两句话。\n    """\n'
                      '    # 注释(有括号)\n    return "字符串,不是注释"\n', encoding="utf-8")
    found = [text for _, text in chinese_prose(sample, {"一句话,两句话。"}) if any(m in text for m in HALF_WIDTH)]
    assert [text.strip() for text in found] == ["标题:  与  。", "注释(有括号)"]


def test_the_glossary_is_read():
    rows = glossary()
    assert ("stretch", "拉伸", ["伸展"]) in rows and len(rows) >= 10


@pytest.mark.parametrize("english, chinese", TWINS, ids=IDS)
def test_the_twins_use_the_glossarys_terms(english, chinese):
    seed = seed_lines()
    english_prose = NOT_PROSE.sub(" ", " ".join(text for _, text in prose_lines(english))).lower()
    prose = chinese_prose(chinese, seed)
    chinese_text = " ".join(text for _, text in prose)
    problems = []
    for term, chosen, avoided in glossary():
        if re.search(rf"\b{re.escape(term.lower())}", english_prose) and chosen not in chinese_text:
            problems.append(f"the English says {term!r}, the Chinese never says {chosen}")
        for variant in avoided:
            problems += [f"{chinese.name}:{number}: {variant} where the glossary says {chosen}"
                         for number, text in prose if variant in text]
    assert not problems, "\n".join(problems)


def test_the_seed_lines_stay_on_the_chinese_custom_function_page():
    if not SEED.exists():
        unavailable(f"the seed page is not beside this clone: {SEED}")
    (page,) = [path for path in (SOURCE / "02_autograd").glob("*_zh.py")
               if re.sub(r"^\d+_", "", path.name) == "autograd_zh.py"]
    shown = collections.Counter(as_the_seed_shows(line) for _, line in prose_lines(page))
    shown.update(line.strip() for line in code_of(page).splitlines())
    seed = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    # The page's header (three lines) and footer (one) come from the site, not from the source.
    missing = [line for line in seed[3:-1] if line not in shown]
    assert not missing, missing
