"""What every test file shares: the import path, the markers, a cache of
this run's own, and the real site, built once per run.

Tests never write into the working tree. Every build a test starts is given
a `--cache-dir` (or `TutorialTestOptions(cache_dir=...)`) and a site folder
under pytest's temporary folder; `working_tree_untouched` fails the run if
anything new appeared in the checkout all the same.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# The tests import build_docs and the helpers of tests/ as top-level modules.
ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import build_docs  # noqa: E402  (needs the path above)

# Folders that Python and pytest themselves keep beside what they run.
THEIR_OWN = {".git", "__pycache__", ".pytest_cache"}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs over the whole standard library (left out by -m 'not slow')")
    config.addinivalue_line("markers", "browser: drives Chromium over the built site (left out by -m 'not browser')")
    # pytest-benchmark, where installed, makes its folder where pytest runs;
    # no test here saves a benchmark.
    if getattr(config.option, "benchmark_storage", None) == "file://./.benchmarks":
        config.option.benchmark_storage = "file://" + tempfile.gettempdir()
    # Hypothesis keeps what it learns in `.hypothesis/` where pytest runs,
    # from collection on; here, in a folder of this run's.
    from hypothesis.configuration import set_hypothesis_home_dir

    config.hypothesis_home = tempfile.mkdtemp(prefix="pytest-hypothesis-")
    set_hypothesis_home_dir(config.hypothesis_home)


def pytest_unconfigure(config):
    if hasattr(config, "hypothesis_home"):
        shutil.rmtree(config.hypothesis_home, ignore_errors=True)


def checkout_files():
    found = set()
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in THEIR_OWN]
        found.update(os.path.relpath(os.path.join(folder, name), ROOT) for name in files + subfolders)
    return found


@pytest.fixture(scope="session", autouse=True)
def working_tree_untouched():
    before = checkout_files()
    yield
    new = sorted(checkout_files() - before)
    assert not new, f"the tests wrote into the working tree: {new[:20]}"


@pytest.fixture(scope="session", autouse=True)
def test_cache(tmp_path_factory):
    """This run's cache of verdicts, rendered pages and compiled templates,
    shared by every build of the run that does not need a cache of its own,
    and never the checkout's `.cache/`."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def testing(test_cache):
    return build_docs.TutorialTestOptions(cache_dir=test_cache)


@pytest.fixture(scope="session")
def real_site(tmp_path_factory, testing):
    """The project's own site, built once, in this process, for every test
    that reads it. The date in it comes from git or the sources, as on a
    machine without SOURCE_DATE_EPOCH."""
    site_dir = tmp_path_factory.mktemp("real") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        build_docs.build_site(ROOT / "source", site_dir, ROOT / "mkdocs.yml", testing)
    return site_dir
