"""Every page rendered once, in a process per core, and kept: the cache of
rendered pages, and what a rendered page depends on."""

import os
import re
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

import pytest

import build_docs
import literate.build
import literate.pages
import literate.plugin
import literate.settings
import literate.read
import literate.render
import literate.textfirst
from literate import STAGES
from support import ROOT, Counted, build_project, lesson, project_config, run_build, snapshot, write

STDLIB = Path(sysconfig.get_paths()["stdlib"])
# The pages of this site's own that are rendered from a source: the guide's and the generator's.
GUIDE_PAGES = [f"guide/{re.sub(r'^[0-9]+_', '', path.name.removesuffix('.py.txt'))}"
               for path in sorted((ROOT / "literate" / "guide").glob("*.py.txt"))]
GENERATOR_PAGES = GUIDE_PAGES + ["build_docs"] + [f"literate/{stage}" for stage in STAGES]
TEXT_FIRST = ROOT / "source" / "02_autograd" / "01_finite_differences.py.txt"


# ## The cache of rendered pages
def test_a_warm_build_renders_only_the_edited_page(project, capsys, monkeypatch):
    build_project(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    first = snapshot(project / "pages")
    counted = Counted(monkeypatch)
    build_project(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    assert counted.names == [] and snapshot(project / "pages") == first
    write(project / "source", "beta.py", lesson("Beta", "The Beta lesson, edited."))
    build_project(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    assert counted.names == ["beta"]
    assert "The Beta lesson, edited." in (project / "pages" / "en" / "beta.md").read_text(encoding="utf-8")


# The preview builds while the author types. A save that lands after the
# build has read the sources is in the next build, and never makes this
# build cache the page it read under the bytes it did not read.
def test_an_edit_saved_while_a_build_reads_the_sources_is_on_the_next_build(project, capsys, monkeypatch):
    pages = ("site", "cache", "--pages-only", str(project / "pages"))
    build_project(project, capsys, *pages)
    read_pages = literate.build.read_pages

    def read_then_save(sources):
        texts = read_pages(sources)
        write(project / "source", "beta.py", lesson("Beta", "Saved while the build ran."))
        return texts

    monkeypatch.setattr(literate.build, "read_pages", read_then_save)
    write(project / "source", "beta.py", lesson("Beta", "Read by the build."))
    build_project(project, capsys, *pages)
    beta = project / "pages" / "en" / "beta.md"
    assert "Read by the build." in beta.read_text(encoding="utf-8")
    assert (project / "pages" / "en" / "beta.py").read_text(encoding="utf-8") == lesson("Beta", "Read by the build.")
    monkeypatch.setattr(literate.build, "read_pages", read_pages)
    build_project(project, capsys, *pages)
    assert "Saved while the build ran." in beta.read_text(encoding="utf-8")


def test_warnings_of_a_cached_page_are_printed_again(project, capsys, monkeypatch):
    write(project / "source", "alpha.py", lesson("Alpha", r"Bad math: $\notacommand$."))
    pages = ("site", "cache", "--pages-only", str(project / "pages"))
    _, _, first = run_build(project, capsys, *pages)
    counted = Counted(monkeypatch)
    _, _, second = run_build(project, capsys, *pages)
    assert counted.names == []
    assert "alpha.py:4: warning: cannot render math" in first
    assert second == first


# With the generator's pages, which are cached as the tutorials are: the
# build after the first renders only the damaged one.
def test_a_damaged_cache_entry_is_rendered_again(project, capsys, monkeypatch):
    project_config(project, generator_pages=True)
    build_project(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    first = snapshot(project / "pages")
    entries = sorted((project / "cache" / "pages").glob("*.pickle"))
    assert len(entries) == 3 + len(GENERATOR_PAGES)  # three lessons, the guide's and the generator's pages
    entries[0].write_bytes(b"not a pickle")
    counted = Counted(monkeypatch)
    build_project(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    assert len(counted.names) == 1 and snapshot(project / "pages") == first


# A page's verdict is joined in when the page is written: a verdict that
# arrives (here: the tests run after a build that did not run them)
# renders nothing again.
def test_a_new_verdict_renders_nothing_again(project, capsys, monkeypatch):
    write(project / "source", "tested.py", '''\
        """
        # Tested

        A lesson with a test.
        """


        def test_sum():
            assert 1 + 1 == 2
        ''')
    build_project(project, capsys)
    assert "not run in this build" in (project / "site" / "tested" / "index.html").read_text(encoding="utf-8")
    counted = Counted(monkeypatch)
    assert build_docs.main(["--source", str(project / "source"), "--site-dir", str(project / "site"),
                            "--config", str(project / "mkdocs.yml"), "--cache-dir", str(project / "cache")]) == 0
    capsys.readouterr()
    assert counted.names == []
    page = (project / "site" / "tested" / "index.html").read_text(encoding="utf-8")
    assert "1 test passed" in page and "lp-test-mark--passed" in page


POOLED = """\
import os, sys
import build_docs
import literate.pages
import literate.render
renders = sys.argv[1]


def render_page(page, text, *rest, render=literate.render.render_page):
    with open(os.path.join(renders, str(os.getpid())), "a") as log:
        log.write(page.name + "\\n")
    return render(page, text, *rest)


literate.pages.render_page = render_page
literate.pages.os.cpu_count = lambda: 2
print("build process", os.getpid())
sys.exit(build_docs.main(sys.argv[2:]))
"""


# Five modules of the standard library and a text-first tutorial: code and
# literate text, without the generator's pages, which would be most of
# what is rendered, twice.
def test_the_worker_pool_renders_what_one_process_does(tmp_path, capsys, monkeypatch):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("textwrap.py", "shlex.py", "fnmatch.py", "colorsys.py", "bisect.py"):
        (source / name).write_bytes((STDLIB / name).read_bytes())
    (source / TEXT_FIRST.name).write_bytes(TEXT_FIRST.read_bytes())
    arguments = ["--no-run", "--source", str(source), "--config", str(project_config(tmp_path))]
    renders = tmp_path / "renders"
    renders.mkdir()
    pooled = subprocess.run([sys.executable, "-c", POOLED, str(renders), *arguments, "--pages-only",
                             str(tmp_path / "pool"), "--cache-dir", str(tmp_path / "pool-cache")],
                            capture_output=True, text=True, cwd=ROOT)
    assert pooled.returncode == 0, pooled.stderr
    workers = {path.name: path.read_text().split() for path in renders.iterdir()}
    build_process = pooled.stdout.split("build process ")[1].split()[0]
    assert len(workers) == 2 and build_process not in workers  # two workers, not the build itself
    assert sorted(sum(workers.values(), [])) == ["bisect", "colorsys", "finite_differences", "fnmatch", "shlex",
                                                 "textwrap"]
    counted = Counted(monkeypatch)
    assert build_docs.main(arguments + ["--pages-only", str(tmp_path / "alone"), "--cache-dir",
                                        str(tmp_path / "alone-cache")]) == 0
    capsys.readouterr()
    assert len(counted.names) == 6  # rendered here, one after the other
    pool, alone = snapshot(tmp_path / "pool"), snapshot(tmp_path / "alone")
    assert sorted(pool) == sorted(alone) and len(pool) >= 12
    assert [name for name in pool if pool[name] != alone[name]] == []


def process_of(job):
    return os.getpid()


# Whether pages are rendered in worker processes is the caller's choice
# (a preview renders in its own process), not a consequence of whatever
# other thread the process runs: pytest's own, a test's server.
def test_worker_processes_render_even_while_another_thread_runs(monkeypatch):
    monkeypatch.setattr(literate.pages.os, "cpu_count", lambda: 2)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pooled = literate.pages.in_parallel(process_of, list(range(4)), lambda job: job)
        alone = literate.pages.in_parallel(process_of, list(range(4)), lambda job: job, processes=False)
    finally:
        stop.set()
        other.join()
    assert os.getpid() not in pooled and len(pooled) == 4
    assert alone == [os.getpid()] * 4


# A worker finds the jobs in its memory, forked from this process: none is
# pickled to reach it, however large (the site's link targets, the source's
# text), and one that cannot be pickled runs all the same.
class Unpicklable:
    def __reduce__(self):
        raise AssertionError("a job was pickled")


def number_and_process(job):
    _, number = job
    return number, os.getpid()


def test_workers_take_their_jobs_from_the_memory_they_were_forked_with(monkeypatch):
    monkeypatch.setattr(literate.pages.os, "cpu_count", lambda: 2)
    jobs = [(Unpicklable(), number) for number in range(4)]
    done = literate.pages.in_parallel(number_and_process, jobs, lambda job: job[1])
    assert [number for number, _ in done] == [0, 1, 2, 3]
    assert os.getpid() not in {process for _, process in done}
    assert literate.pages.INHERITED is None


# While the workers render, this process does what it is given: the jobs
# wait for what it writes, so they see it only if it runs meanwhile.
def waits_for_the_meanwhile(folder):
    deadline = time.monotonic() + 15
    while not (Path(folder) / "meanwhile").exists():
        if time.monotonic() > deadline:
            return "alone"
        time.sleep(0.01)
    return "meanwhile"


def test_this_process_does_what_it_is_given_while_the_workers_render(tmp_path, monkeypatch):
    monkeypatch.setattr(literate.pages.os, "cpu_count", lambda: 2)
    meanwhile = lambda: (tmp_path / "meanwhile").write_text(str(os.getpid()))  # noqa: E731
    jobs = [str(tmp_path)] * 3
    assert literate.pages.in_parallel(waits_for_the_meanwhile, jobs, len, meanwhile=meanwhile) == ["meanwhile"] * 3
    assert (tmp_path / "meanwhile").read_text() == str(os.getpid())
    (tmp_path / "meanwhile").unlink()
    assert literate.pages.in_parallel(len, jobs, len, processes=False, meanwhile=meanwhile) == [len(jobs[0])] * 3
    assert (tmp_path / "meanwhile").exists()


# Search's dictionary is loaded by the build before MkDocs starts, not by
# Material's search when it does; but not when the settings name one of
# their own, which Material would load anew.
def test_searchs_dictionary_is_loaded_while_the_pages_render(project, capsys, monkeypatch):
    import jieba
    from material.plugins.search.plugin import SearchPlugin

    monkeypatch.setattr(literate.pages.os, "cpu_count", lambda: 2)
    happened = []
    load = jieba.initialize
    monkeypatch.setattr(jieba, "initialize", lambda: (happened.append("dictionary loaded"), load()))
    on_config = SearchPlugin.on_config
    monkeypatch.setattr(SearchPlugin, "on_config",
                        lambda self, config: (happened.append("search configured"), on_config(self, config))[1])
    build_project(project, capsys)
    assert happened == ["dictionary loaded", "search configured"]
    config = literate.settings.load_mkdocs_config(project / "mkdocs.yml", project / "source", project / "elsewhere")
    config.plugins["material/search"].config.jieba_dict = str(project / "words.txt")
    happened.clear()
    literate.plugin.load_search_dictionary(config, {})
    assert happened == []


# Nor for a site with no Chinese to cut: no Chinese language, no user
# dictionary, no Han character in its sources.
def test_searchs_dictionary_is_loaded_only_for_a_site_with_chinese_to_cut(tmp_path, monkeypatch):
    import jieba

    happened = []
    monkeypatch.setattr(jieba, "initialize", lambda: happened.append("dictionary loaded"))
    (tmp_path / "source").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: plain\ndocs_dir: source\ntheme:\n  name: material\n"
                                         "plugins:\n  - search\n  - literate\n", encoding="utf-8")
    config = literate.settings.load_mkdocs_config(tmp_path / "mkdocs.yml", tmp_path / "source", tmp_path / "site")
    english, chinese = (literate.textfirst.SourceRead(text.encode(), text, text) for text in ("# Sums", "# 求和"))
    literate.plugin.load_search_dictionary(config, {"a.py": english, "b.py": literate.read.SourceError("unread")})
    assert happened == []
    literate.plugin.load_search_dictionary(config, {"a.py": english, "b.py": chinese})
    assert happened == ["dictionary loaded"]
    happened.clear()
    config.plugins["material/search"].config.jieba_dict_user = str(tmp_path / "words.txt")
    literate.plugin.load_search_dictionary(config, {"a.py": english})
    assert happened == ["dictionary loaded"]


# ## What the guide promises of rendering and templates

# Pages are rendered in a process per core, the longest sources first. Each
# job notes its process and how many jobs had started with it, then waits
# until two have started: no worker of the two is free before then, so the
# jobs that saw at most two are exactly the first two handed out.
def started_after_the_others(job):
    name, size, folder = job
    mine = Path(folder) / name
    mine.write_text(str(os.getpid()))
    mine.write_text(f"{os.getpid()} {len(list(Path(folder).iterdir()))}")
    deadline = time.monotonic() + 120
    while len(list(Path(folder).iterdir())) < 2:
        assert time.monotonic() < deadline, f"{name} ran alone"
        time.sleep(0.01)
    return name


def test_pages_are_rendered_a_process_per_core_the_longest_first(tmp_path, monkeypatch):
    monkeypatch.setattr(literate.pages.os, "cpu_count", lambda: 2)
    sizes = {"small": 1, "largest": 50, "middle": 20, "tiny": 0, "large": 30}
    jobs = [(name, size, str(tmp_path)) for name, size in sizes.items()]
    assert literate.pages.in_parallel(started_after_the_others, jobs, lambda job: job[1]) == list(sizes)
    noted = {path.name: path.read_text().split() for path in tmp_path.iterdir()}
    assert sorted(name for name, (_, seen) in noted.items() if int(seen) <= 2) == ["large", "largest"]
    processes = {process for process, _ in noted.values()}
    assert len(processes) == 2 and str(os.getpid()) not in processes


# The key of a rendered page covers the stages that render, read.py to
# pages.py, and the libraries they render with; editing build_docs.py or a
# later stage keeps every rendered page. Seen on a copy of the generator.
FINGERPRINTS = """\
import json, sys
from pathlib import Path
import literate.pages as pages

def fingerprint():
    pages.renderer_fingerprint.cache_clear()
    return pages.renderer_fingerprint()

found = {"": fingerprint()}
for name in sys.argv[1:]:
    path = Path(name)
    before = path.read_bytes()
    path.write_bytes(before + b"\\n# an edit\\n")
    found[name] = fingerprint()
    path.write_bytes(before)
print(json.dumps(found))
"""


def test_rendered_pages_depend_on_the_rendering_stages_only(tmp_path):
    import shutil
    shutil.copytree(ROOT / "literate", tmp_path / "literate", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "build_docs.py", tmp_path)
    rendering = STAGES[: STAGES.index("pages") + 1]
    files = ["build_docs.py"] + [f"literate/{stage}.py" for stage in STAGES]
    result = subprocess.run([sys.executable, "-c", FINGERPRINTS, *files], capture_output=True, text=True,
                            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(tmp_path), PYTHONDONTWRITEBYTECODE="1"))
    assert result.returncode == 0, result.stderr
    found = __import__("json").loads(result.stdout)
    changed = sorted(name for name in files if found[name] != found[""])
    assert changed == sorted(f"literate/{stage}.py" for stage in rendering)


@pytest.mark.parametrize("library", ["markdown", "pygments", "latex2mathml", "nh3", "pylit", "nbformat", "griffe"])
def test_rendered_pages_depend_on_the_libraries_that_render(library, monkeypatch):
    literate.pages.renderer_fingerprint.cache_clear()
    before = literate.pages.renderer_fingerprint()
    real = literate.pages.importlib.metadata.version
    monkeypatch.setattr(literate.pages.importlib.metadata, "version",
                        lambda name: "0.0.1" if name == library else real(name))
    literate.pages.renderer_fingerprint.cache_clear()
    try:
        assert literate.pages.renderer_fingerprint() != before
    finally:
        monkeypatch.undo()
        literate.pages.renderer_fingerprint.cache_clear()


# Jinja keeps Material's templates compiled in the cache's templates/: a
# build after the first compiles none, and a template edited in between is
# compiled again, and its edit is on the pages. Material's search plugin
# reads its language settings through an environment of its own, before the
# plugin's `on_env`: those two templates are compiled on every build.
