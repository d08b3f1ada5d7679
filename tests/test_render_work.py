"""What rendering a page costs: work it need not do is not done, and the page is the same for it."""

import gc
import sys
import sysconfig
from pathlib import Path

import pytest

import literate.commentary
import literate.pages
import literate.parse
import literate.render
import literate.site
import literate.textfirst
from support import ROOT

pytestmark = pytest.mark.quick

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def job(path):
    page = literate.site.Page(source=path, name=path.stem, repo_path=path.name, lang="en")
    read = literate.textfirst.source_read(path.read_bytes(), text_first=False)
    return page, None, None, read, None, "join"


# Python's cycle collector walks every object of the process now and then;
# a page makes hundreds of thousands of objects and no cycle worth it, so
# none runs while one is made, and it runs again as before afterwards.
def test_no_cycle_collection_runs_while_a_page_is_made():
    collections = []  # (generation, whether a page was being made)

    stages = {literate.parse.parse_code.__code__, literate.render.render_page.__code__}

    def making_a_page():
        frame = sys._getframe()
        while frame and frame.f_code not in stages:
            frame = frame.f_back
        return frame is not None

    def heard(phase, info):
        if phase == "start":
            collections.append((info["generation"], making_a_page()))

    gc.callbacks.append(heard)
    try:
        made, error = literate.pages.render_source_page(job(STDLIB / "argparse.py"))
        assert error is None and made.body.rows and gc.isenabled()
        garbage = []
        for _ in range(100_000):
            cycle = []
            cycle.append(cycle)
            garbage.append(len(garbage))
    finally:
        gc.callbacks.remove(heard)
    during = [generation for generation, making in collections if making]
    assert during == [], f"the collector ran {len(during)} times while the page was made"
    assert collections, "the collector did not run again after the page was made"


def test_a_collector_turned_off_stays_off():
    gc.disable()
    try:
        literate.pages.render_source_page(job(STDLIB / "textwrap.py"))
        assert not gc.isenabled()
    finally:
        gc.enable()


# Plain prose skips Markdown (see "commentary"): it must come out as
# Markdown would have made it, for every comment and docstring of this
# repository's sources and of a few standard modules that takes that way.
TRICKY_PLAIN = [
    "Hello.", "One line\nand the next.", "A paragraph.\n\nAnother one.\nIts second line.",
    "It's \"quoted\" (maybe) 100% a/b + c = d; mail@example.org? Yes!", "x", "Ends with a colon:",
    "Spaces  inside  are kept.", "A - B -- C", "Note: this is: fine", "## A heading", "# Title\nIts first line.",
    "A paragraph\n### cut by a heading\nand after it.", "#### Four\n\nA paragraph.\n\n###### Six",
]


def markdown_html(source, md):
    md.reset()
    return literate.commentary.sanitize(md.convert(source))


def commentary_texts():
    paths = sorted((ROOT / "source").rglob("*.py")) + sorted((ROOT / "literate").glob("*.py"))
    paths += [STDLIB / name for name in ("argparse.py", "textwrap.py", "pathlib.py", "typing.py")]
    for path in paths:
        for section in literate.parse.parse_code(path.read_text(encoding="utf-8")).sections:
            if section.docs.strip():
                yield section.docs


def test_plain_prose_becomes_what_markdown_makes_of_it():
    md = literate.commentary.make_markdown(lambda message, quote: None)
    plain = 0
    for text in [*TRICKY_PLAIN, *commentary_texts()]:
        source = literate.commentary.translate_series_conventions(literate.commentary.docstring_sections(text))
        if literate.commentary.PLAIN_PROSE.fullmatch(source):
            plain += 1
            assert literate.commentary.render_commentary(text, md) == markdown_html(source, md), text
    assert plain > 300, "too few comments took the plain way to test it"


def test_prose_with_markup_still_goes_through_markdown():
    md = literate.commentary.make_markdown(lambda message, quote: None)
    for text in ("snake_case_name here", "1. a list", "####### Seven", "#Heading", "## Closed ##", "Two spaces end  \nthis line", "Use `code`", "a < b & c"):
        assert not literate.commentary.PLAIN_PROSE.fullmatch(text)
        assert literate.commentary.render_commentary(text, md) == markdown_html(text, md)
