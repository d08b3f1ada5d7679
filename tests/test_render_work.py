"""What rendering a page costs: work it need not do is not done, and the page is the same for it."""

import gc
import sys
import sysconfig
from pathlib import Path

import pytest

import literate.pages
import literate.parse
import literate.render
import literate.site
import literate.textfirst

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
