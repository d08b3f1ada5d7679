"""What every test file shares: the import path, a cache of this run's
own, the real site, built once per run, and the browser.

Tests never write into the working tree. Every build a test starts is given
a `--cache-dir` (or `TutorialTestOptions(cache_dir=...)`) and a site folder
under pytest's temporary folder; `working_tree_untouched` fails the run if
anything new appeared in the checkout all the same.

Under pytest-xdist each worker is a process with its own session; what is
made once per run (the real site, the browser pass) is made by the first
worker that asks, in a folder all workers share, while the others wait.
"""

import fcntl
import importlib.util
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

# The tests import build_docs and the helpers of tests/ as top-level modules.
ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import build_docs  # noqa: E402  (needs the path above)
import literate.build  # noqa: E402
import literate.judge  # noqa: E402
import literate.settings  # noqa: E402
import literate.testrun  # noqa: E402
from needs import unavailable  # noqa: E402
from support import (CHROMIUM, CONFIG, DESKTOP, SOURCE, Visitor, chromium, lesson, plugin_settings,  # noqa: E402
                     project_config, served, write)

# pytest-xdist runs a worker per core, and the notebooks' kernels and the
# tutorials' scripts run a process per core too: as in a build's tutorial
# runs (`literate.testrun.ONE_THREAD`), each gets one math thread, unless
# whoever runs the tests chose a number. Set before any test imports torch.
for name, threads in literate.testrun.ONE_THREAD.items():
    os.environ.setdefault(name, threads)

# Folders that Python and pytest themselves keep beside what they run.
THEIR_OWN = {".git", "__pycache__", ".pytest_cache"}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # pytest-benchmark, where installed, makes its folder where pytest runs;
    # no test here saves a benchmark.
    if getattr(config.option, "benchmark_storage", None) == "file://./.benchmarks":
        config.option.benchmark_storage = "file://" + tempfile.gettempdir()
    # Hypothesis keeps what it learns in `.hypothesis/` where pytest runs,
    # from collection on; here, in a folder of this run's.
    from hypothesis.configuration import set_hypothesis_home_dir

    config.hypothesis_home = tempfile.mkdtemp(prefix="pytest-hypothesis-")
    set_hypothesis_home_dir(config.hypothesis_home)
    # pytest-xdist (3.7 on) hands out the files with the most tests first,
    # not in the order of collection, unless told otherwise: the files that
    # take longest (LONGEST_FIRST below) hold few tests, and went last.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


# The quick tier (`pytest -m quick`, its tests marked `quick`) builds no
# site and opens no browser; a test marked so that needs either is a
# mistake in the marks, named before anything runs.
NOT_QUICK = {"real_build", "once_per_run", "browser", "visits"}


# The longest files run first. pytest-xdist (`--dist loadfile`) hands out
# files in the order they are collected, and a long file handed out last
# leaves the other worker idle while it runs. The second worker starts on
# the notebooks, not on the second browser pass: that pass would wait for
# the real site, which the first worker is building, while the notebooks
# need only the rendered pages and run their kernels meanwhile.
LONGEST_FIRST = ["test_browser.py", "test_notebooks.py", "test_browser_views.py", "test_standard_library.py",
                 "test_tutorial_runs.py", "test_bad_input.py", "test_browser_actions.py", "test_mutants.py",
                 "test_any_repository.py", "test_build.py", "test_tutorials.py", "test_serve.py", "test_site.py",
                 "test_plugin.py", "test_literate.py", "test_tex.py", "test_fuzz.py", "test_publish.py"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("quick"):
            heavy = NOT_QUICK & set(getattr(item, "fixturenames", ()))
            if heavy or item.get_closest_marker("slow"):
                raise pytest.UsageError(f"{item.nodeid} is marked quick but is slow or needs {sorted(heavy)}")
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


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


# ## A small project of three lessons
@pytest.fixture
def project(tmp_path, monkeypatch):
    """Three lessons, the project's mkdocs.yml and theme (without the generator's pages), one build date."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for name, title in (("alpha", "Alpha"), ("beta", "Beta"), ("gamma", "Gamma")):
        write(tmp_path / "source", f"{name}.py", lesson(title, f"The {title} lesson."))
    project_config(tmp_path)
    return tmp_path


# ## Made once per run
@pytest.fixture(scope="session")
def run_folder(tmp_path_factory):
    """A folder of this run's, the same for every xdist worker (their own
    temporary folders are inside the run's)."""
    own = tmp_path_factory.getbasetemp()
    return own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own


@contextmanager
def locked(path):
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def once_per_run(run_folder):
    """`once_per_run(name, make)`: the folder `make(folder)` filled, made by
    whichever worker asks first; a worker that asks meanwhile waits for it.
    A `make` that raised is tried again by the next to ask."""
    def made(name, make):
        folder = run_folder / name
        with locked(run_folder / f"{name}.lock"):
            if not (folder / ".made").exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                make(folder)
                (folder / ".made").touch()
        return folder
    return made


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
def vector_site(once_per_run):
    """The site built from every injection vector (`test_sanitize.py`), once
    per run: the sanitizer's checks read its HTML, the browser opens it."""
    from test_sanitize import build_vector_site

    return once_per_run("vectors", build_vector_site) / "site"


@pytest.fixture(scope="session")
def real_site(real_build):
    return real_build / "site"


@pytest.fixture(scope="session")
def real_cache(real_build):
    """The cache the real site was built with: its tutorials' verdicts."""
    return real_build / "cache"


@pytest.fixture(scope="session")
def rendered_pages(once_per_run):
    """`rendered_pages(cache_dir)`: fills `cache_dir` with every page of
    this site rendered (the generator's and the guide's too), so that a
    build of the site with it renders none. They are rendered once per
    run, from the sources as they are, by the code under test; the page
    cache's key holds everything a page depends on, so a page the build
    would render otherwise is rendered all the same."""
    def make(folder):
        (folder / "docs").mkdir()
        config = literate.settings.load_mkdocs_config(ROOT / "mkdocs.yml", folder / "docs", folder / "site")
        literate.build.make_pages(SOURCE, config, build_docs.TutorialTestOptions(run=False, cache_dir=folder / "cache"))

    def fill(cache_dir):
        made = once_per_run("rendered", make)
        shutil.copytree(made / "cache" / "pages", Path(cache_dir) / "pages", dirs_exist_ok=True)
        return Path(cache_dir)

    return fill


@pytest.fixture(scope="session")
def real_build(once_per_run, rendered_pages):
    """The project's own site, built once per run, for every test that reads
    it, with a cache of its own beside it. The date in it comes from git or
    the sources, as on a machine without SOURCE_DATE_EPOCH.

    README has the site built before the tests run, and so does `.ci/run`:
    that build's verdicts, where the checkout's cache holds them, start this
    cache (a copy; the checkout's is never written). A verdict is used only
    while its fingerprint (the tutorial, what it imports, the versions it
    ran with) still matches. The pages are this run's own (`rendered_pages`),
    never the checkout's."""
    def make(folder):
        rendered_pages(folder / "cache")
        settings = plugin_settings(CONFIG)
        checkout_cache = ROOT / settings.get("cache_dir", literate.settings.LiterateConfig.cache_dir.default)
        checkout_verdicts = literate.judge.cache_entry(checkout_cache, SOURCE).parent
        if checkout_verdicts.is_dir():
            shutil.copytree(checkout_verdicts, literate.judge.cache_entry(folder / "cache", SOURCE).parent)
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv("SOURCE_DATE_EPOCH", raising=False)
            build_docs.build_site(ROOT / "source", folder / "site", ROOT / "mkdocs.yml",
                                  build_docs.TutorialTestOptions(cache_dir=folder / "cache"))

    return once_per_run("real", make)


# ## The browser
@pytest.fixture(scope="session")
def artifacts(run_folder):
    """Screenshots and axe's findings: in the folder that the environment
    variable LITERATE_ARTIFACTS names (CI uploads it), else in
    `screenshots/` under pytest's temporary folder; never in the checkout."""
    folder = Path(os.environ.get("LITERATE_ARTIFACTS") or run_folder / "screenshots").resolve()
    if folder.is_relative_to(ROOT.resolve()):
        pytest.fail(f"LITERATE_ARTIFACTS={folder} is inside the checkout: name a folder outside it")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser_available():
    """Skips (fails in CI) a test that needs Chromium or Playwright where they are missing."""
    for package in ("playwright", "axe_playwright_python"):
        if importlib.util.find_spec(package) is None:
            unavailable(f"the {package} package is missing: pip install -r requirements.txt")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")


@pytest.fixture(scope="session")
def browser(browser_available):
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def base_url(real_site):
    with served(real_site) as base:
        yield base


@pytest.fixture
def visitors(browser):
    """`visitors(viewport, **context options)`: a fresh browser profile,
    closed after the test."""
    opened = []

    def visit(viewport=DESKTOP, **options):
        opened.append(Visitor(browser, viewport, **options))
        return opened[-1]

    yield visit
    for visitor in opened:
        visitor.close()
