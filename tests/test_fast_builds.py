"""Fast builds stay right: the cache of rendered pages, the worker pool, the
MkDocs plugin and MkDocs run only when something changed all give what a
clean build gives, byte for byte. How fast they are is measured by tests/benchmarks/bench_build.py,
not here."""

import json
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
import threading
import time
from pathlib import Path

import pytest
import yaml
from mkdocs.plugins import BasePlugin, event_priority

import build_docs
import literate.build
import literate.judge
import literate.pages
import literate.plugin
import literate.rebuild
import literate.publish
import literate.read
from literate.render import collect_downloads
import literate.render
from literate import STAGES
from site_html import code_lines

ROOT = Path(build_docs.__file__).resolve().parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])
GENERATOR_PAGES = ["build_docs"] + [f"literate/{stage}" for stage in STAGES]


def snapshot(folder):
    folder = Path(folder)
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def write(folder, name, text):
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def lesson(title, words):
    return f'"""\n# {title}\n\n{words}\n"""\n\n# Some words about x.\nx = 1\n\n\n# And about f.\ndef f():\n    return x\n'


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Three lessons, the project's mkdocs.yml and theme, one build date."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for name, title in (("alpha", "Alpha"), ("beta", "Beta"), ("gamma", "Gamma")):
        write(tmp_path / "source", f"{name}.py", lesson(title, f"The {title} lesson."))
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["theme"]["custom_dir"] = str(ROOT / "site_templates")
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "search" in plugin:
            plugin["search"]["jieba_dict_user"] = str(ROOT / plugin["search"]["jieba_dict_user"])
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return tmp_path


def run(project, capsys, site="site", cache="cache", *options):
    """The build's command line on the project: (exit status, stdout, stderr)."""
    status = build_docs.main(["--no-run", "--source", str(project / "source"), "--site-dir", str(project / site),
                              "--config", str(project / "mkdocs.yml"), "--cache-dir", str(project / cache),
                              *options])
    out, err = capsys.readouterr()
    return status, out, err


def build(project, capsys, site="site", cache="cache", *options):
    status, out, err = run(project, capsys, site, cache, *options)
    assert status == 0, err
    return out


def clean_build(project, capsys):
    """The same sources built from nothing: no cache, no previous site."""
    build(project, capsys, site="clean-site", cache="clean-cache")
    return snapshot(project / "clean-site")


class Counted:
    """Wraps literate.render.render_page where literate.pages looks it up, counting the pages rendered.
    One core: every page is then rendered in this process, where the count is kept."""

    def __init__(self, monkeypatch):
        self.names, self.render_page = [], literate.render.render_page
        monkeypatch.setattr(literate.pages, "render_page", self)
        monkeypatch.setattr(literate.pages.os, "cpu_count", lambda: 1)

    def __call__(self, page, text, *parsed):
        self.names.append(page.name)
        return self.render_page(page, text, *parsed)


# ## Importing the build
def test_the_build_imports_neither_torch_nor_numpy(tmp_path):
    script = textwrap.dedent("""\
        import sys
        import build_docs
        imported = sorted(name for name in ("torch", "numpy") if name in sys.modules)
        print("on import:", imported)
        status = build_docs.main(["--no-run", "--site-dir", sys.argv[1], "--cache-dir", sys.argv[2]])
        print("after a build:", status, sorted(name for name in ("torch", "numpy") if name in sys.modules))
    """)
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "site"), str(tmp_path / "cache")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "on import: []" in result.stdout
    assert "after a build: 0 []" in result.stdout


# A build that finds every page in its cache renders nothing, and does not
# load what only rendering needs (nbformat with jsonschema, griffe: a
# quarter of a second of a warm build's imports).
def test_a_build_from_the_cache_loads_no_renderer_of_notebooks_or_docstrings(tmp_path):
    script = textwrap.dedent("""\
        import sys
        import build_docs
        status = build_docs.main(["--no-run", "--site-dir", sys.argv[1], "--cache-dir", sys.argv[2]])
        print("loaded:", status, sorted(name for name in ("nbformat", "griffe") if name in sys.modules))
    """)
    for _ in range(2):  # a cold build, then a warm one
        result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "site"), str(tmp_path / "cache")],
                                capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stderr
    assert "nothing changed since the last build" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "loaded: 0 []"


# ## The cache of rendered pages
def test_a_warm_build_renders_only_the_edited_page(project, capsys, monkeypatch):
    build(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    first = snapshot(project / "pages")
    counted = Counted(monkeypatch)
    build(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    assert counted.names == [] and snapshot(project / "pages") == first
    write(project / "source", "beta.py", lesson("Beta", "The Beta lesson, edited."))
    build(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    assert counted.names == ["beta"]
    assert "The Beta lesson, edited." in (project / "pages" / "en" / "beta.md").read_text(encoding="utf-8")


# The preview builds while the author types. A save that lands after the
# build has read the sources is in the next build, and never makes this
# build cache the page it read under the bytes it did not read.
def test_an_edit_saved_while_a_build_reads_the_sources_is_on_the_next_build(project, capsys, monkeypatch):
    pages = ("site", "cache", "--pages-only", str(project / "pages"))
    build(project, capsys, *pages)
    read_pages = literate.build.read_pages

    def read_then_save(sources):
        texts = read_pages(sources)
        write(project / "source", "beta.py", lesson("Beta", "Saved while the build ran."))
        return texts

    monkeypatch.setattr(literate.build, "read_pages", read_then_save)
    write(project / "source", "beta.py", lesson("Beta", "Read by the build."))
    build(project, capsys, *pages)
    beta = project / "pages" / "en" / "beta.md"
    assert "Read by the build." in beta.read_text(encoding="utf-8")
    assert (project / "pages" / "en" / "beta.py").read_text(encoding="utf-8") == lesson("Beta", "Read by the build.")
    monkeypatch.setattr(literate.build, "read_pages", read_pages)
    build(project, capsys, *pages)
    assert "Saved while the build ran." in beta.read_text(encoding="utf-8")


def test_warnings_of_a_cached_page_are_printed_again(project, capsys, monkeypatch):
    write(project / "source", "alpha.py", lesson("Alpha", r"Bad math: $\notacommand$."))
    pages = ("site", "cache", "--pages-only", str(project / "pages"))
    _, _, first = run(project, capsys, *pages)
    counted = Counted(monkeypatch)
    _, _, second = run(project, capsys, *pages)
    assert counted.names == []
    assert "alpha.py:4: warning: cannot render math" in first
    assert second == first


def test_a_damaged_cache_entry_is_rendered_again(project, capsys, monkeypatch):
    build(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    first = snapshot(project / "pages")
    entries = sorted((project / "cache" / "pages").glob("*.pickle"))
    assert len(entries) == 3 + len(GENERATOR_PAGES)  # three lessons and the generator's pages
    entries[0].write_bytes(b"not a pickle")
    counted = Counted(monkeypatch)
    build(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
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
    build(project, capsys)
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


def render_page(page, text, *parsed, render=literate.render.render_page):
    with open(os.path.join(renders, str(os.getpid())), "a") as log:
        log.write(page.name + "\\n")
    return render(page, text, *parsed)


literate.pages.render_page = render_page
literate.pages.os.cpu_count = lambda: 2
print("build process", os.getpid())
sys.exit(build_docs.main(sys.argv[2:]))
"""


def test_the_worker_pool_renders_what_one_process_does(tmp_path, capsys, monkeypatch):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("textwrap.py", "shlex.py", "fnmatch.py", "colorsys.py", "bisect.py"):
        (source / name).write_bytes((STDLIB / name).read_bytes())
    arguments = ["--no-run", "--source", str(source)]
    renders = tmp_path / "renders"
    renders.mkdir()
    pooled = subprocess.run([sys.executable, "-c", POOLED, str(renders), *arguments, "--pages-only",
                             str(tmp_path / "pool"), "--cache-dir", str(tmp_path / "pool-cache")],
                            capture_output=True, text=True, cwd=ROOT)
    assert pooled.returncode == 0, pooled.stderr
    workers = {path.name: path.read_text().split() for path in renders.iterdir()}
    build_process = pooled.stdout.split("build process ")[1].split()[0]
    assert len(workers) == 2 and build_process not in workers  # two workers, not the build itself
    assert sorted(sum(workers.values(), [])) == sorted(["bisect", "colorsys", "fnmatch", "shlex", "textwrap"]
                                                       + GENERATOR_PAGES)
    counted = Counted(monkeypatch)
    assert build_docs.main(arguments + ["--pages-only", str(tmp_path / "alone"), "--cache-dir",
                                        str(tmp_path / "alone-cache")]) == 0
    capsys.readouterr()
    assert len(counted.names) == 5 + len(GENERATOR_PAGES)  # rendered here, one after the other
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
    build(project, capsys)
    assert happened == ["dictionary loaded", "search configured"]
    config = literate.publish.load_mkdocs_config(project / "mkdocs.yml", project / "source", project / "elsewhere")
    config.plugins["material/search"].config.jieba_dict = str(project / "words.txt")
    happened.clear()
    literate.plugin.load_search_dictionary(config)
    assert happened == []


# ## MkDocs only when something changed
def test_nothing_changed_runs_no_mkdocs_and_leaves_the_site_alone(project, capsys, monkeypatch):
    build(project, capsys)
    before = {path: path.stat().st_mtime_ns for path in (project / "site").rglob("*")}
    monkeypatch.setattr(literate.publish, "mkdocs_build", lambda config: pytest.fail("MkDocs ran"))
    monkeypatch.setattr(literate.publish, "write_files", lambda files, folder: pytest.fail("the pages were written"))
    out = build(project, capsys)
    assert "nothing changed since the last build" in out
    assert {path: path.stat().st_mtime_ns for path in (project / "site").rglob("*")} == before


# With nothing changed, not even the sources are read again (see "Build"):
# the build prints the warnings the last one printed, and stops.
class MadePages:
    """Counts the builds that went as far as making the pages."""

    def __init__(self, monkeypatch):
        self.count, self.make_pages = 0, literate.build.make_pages
        monkeypatch.setattr(literate.build, "make_pages", self)

    def __call__(self, *arguments, **options):
        self.count += 1
        return self.make_pages(*arguments, **options)


def test_nothing_changed_reads_no_source_and_repeats_the_last_warnings(project, capsys, monkeypatch):
    write(project / "source", "beta.py", lesson("Beta", "Open <URL> in a browser."))
    _, _, err = run(project, capsys)
    where = literate.read.display_path(project / "source" / "beta.py")
    warning = f"{where}:4: warning: raw HTML is shown as text: '<URL>'"
    assert warning in err.splitlines()
    made = MadePages(monkeypatch)
    status, out, err = run(project, capsys)
    assert status == 0 and made.count == 0
    assert "nothing changed since the last build" in out and warning in err.splitlines()


@pytest.mark.parametrize("change", ["a file of the source folder", "a package installed", "the tests run",
                                    "the build date", "mkdocs.yml"])
def test_whatever_a_site_is_made_from_is_read_again_when_it_changes(change, project, capsys, monkeypatch):
    write(project / "source", "data.csv", "x,f\n1,1\n")
    build(project, capsys)
    made = MadePages(monkeypatch)
    if change == "a file of the source folder":
        write(project / "source", "data.csv", "x,f\n1,2\n")
    elif change == "a package installed":
        installed = literate.build.installed_packages()
        monkeypatch.setattr(literate.build, "installed_packages", lambda: installed + ["newly-1.0.dist-info"])
    elif change == "the tests run":
        monkeypatch.setattr(build_docs, "TutorialTestOptions",
                            lambda run, cache_dir: literate.judge.TutorialTestOptions(True, cache_dir))
    elif change == "the build date":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    else:
        with open(project / "mkdocs.yml", "a", encoding="utf-8") as settings:
            settings.write("# edited\n")
    build(project, capsys)
    assert made.count == 1
    build(project, capsys)
    assert made.count == 1  # recorded, even when MkDocs had nothing to do


def test_an_edited_page_rebuilds_into_what_a_clean_build_gives(project, capsys):
    build(project, capsys)
    write(project / "source", "beta.py", lesson("Beta", "The Beta lesson, edited: findable."))
    out = build(project, capsys)
    assert "nothing changed" not in out
    rebuilt = snapshot(project / "site")
    assert b"findable" in rebuilt["beta/index.html"]
    assert b"findable" in rebuilt["search/search_index.json"]
    assert rebuilt == clean_build(project, capsys)


def test_a_site_changed_by_hand_is_built_again(project, capsys):
    build(project, capsys)
    before = snapshot(project / "site")
    (project / "site" / "gamma" / "index.html").unlink()
    out = build(project, capsys)
    assert "nothing changed" not in out
    assert snapshot(project / "site") == before


# The build fails after MkDocs wrote the new site, while the plugin splits
# the search index: the old site is as it was.
def test_a_failed_build_leaves_the_site_as_it_was(project, capsys, monkeypatch):
    build(project, capsys)
    before = snapshot(project / "site")

    def fails(config):
        assert (Path(config["site_dir"]) / "beta" / "index.html").is_file()
        raise literate.read.BuildError("stopped on purpose")

    monkeypatch.setattr(literate.plugin, "split_search_index", fails)
    write(project / "source", "beta.py", lesson("Beta", "Edited."))
    status, _, err = run(project, capsys)
    assert status == 1 and "stopped on purpose" in err
    assert snapshot(project / "site") == before
    assert sorted(path.name for path in project.iterdir()) == ["cache", "mkdocs.yml", "site", "source"]


# ## A preview builds only what an edit changed
#
# `serve` keeps a PreviewSite between its builds; an edit that changes no
# title and no set of files builds only the pages whose Markdown changed,
# and the site must still be the one a whole build makes.
def preview_build(project, preview):
    testing = literate.judge.TutorialTestOptions(run=False, cache_dir=project / "cache")
    literate.build.build_site(project / "source", project / "site", project / "mkdocs.yml", testing,
                              preview=True, preview_site=preview)


def in_both_languages(project):
    write(project / "source", "beta_zh.py", lesson("贝塔", "贝塔这一课。"))
    return literate.publish.PreviewSite(project / "preview")


def test_a_preview_builds_only_the_edited_pages_into_what_a_whole_build_gives(project, capsys, monkeypatch):
    preview = in_both_languages(project)
    preview_build(project, preview)
    pages_before = {path: path.stat().st_mtime_ns for path in preview.docs_dir.rglob("*") if path.is_file()}
    write(project / "source", "beta.py", lesson("Beta", "The Beta lesson.").replace("x = 1", "x = 2").replace(
        "Some words about x.", "Some words about x, edited: findable."))
    write(project / "source", "beta_zh.py", lesson("贝塔", "贝塔这一课。").replace("Some words about x.", "关于 x，改过了。"))
    # Outside git the build date is the newest source's time, which a save moves (see `publish`).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700086400")
    built, build_page = [], literate.rebuild._build_page
    with monkeypatch.context() as patch:
        patch.setattr(literate.publish, "mkdocs_build", lambda config: pytest.fail("MkDocs built every page"))
        patch.setattr(literate.rebuild, "_build_page",
                      lambda page, *rest: built.append(page.file.src_uri) or build_page(page, *rest))
        preview_build(project, preview)
    assert sorted(built) == ["en/beta.md", "zh/beta.md"]
    rewritten = [path.relative_to(preview.docs_dir).as_posix() for path, mtime in pages_before.items()
                 if path.stat().st_mtime_ns != mtime]
    assert sorted(rewritten) == ["en/beta.ipynb", "en/beta.md", "en/beta.py", "en/beta.py.txt",  # the page, its downloads
                                 "zh/beta.md", "zh/beta_zh.ipynb", "zh/beta_zh.py", "zh/beta_zh.py.txt"]
    site = snapshot(project / "site")
    assert "x = 2" in code_lines(site["beta/index.html"].decode()).values()
    assert b"findable" in site["search/search_index.json"]
    chinese = json.loads(site["zh/search/search_index.json"])["docs"]
    assert any("改过了" in entry["text"].replace("\u200b", "") for entry in chinese)  # jieba marks the words
    assert site == clean_build(project, capsys)


def with_a_data_file(page, read):
    collect_downloads(page, read)
    if page.source.name == "beta.py":
        page.downloads["beta.csv"] = b"x,f\n1,1\n"


@pytest.mark.parametrize("edit", ["a title", "a new page", "a new download"])
def test_a_preview_edit_that_other_pages_show_builds_every_page(edit, project, capsys, monkeypatch):
    preview = in_both_languages(project)
    preview_build(project, preview)
    if edit == "a title":  # shown in every page's navigation
        write(project / "source", "beta.py", lesson("Beta, renamed", "The Beta lesson."))
    elif edit == "a new page":
        write(project / "source", "delta.py", lesson("Delta", "The Delta lesson."))
    else:  # a file MkDocs did not know, beside a page that keeps its title
        monkeypatch.setattr(literate.pages, "collect_downloads", with_a_data_file)
        write(project / "source", "beta.py", lesson("Beta", "The Beta lesson, with data."))
    whole, mkdocs_build = [], literate.publish.mkdocs_build
    with monkeypatch.context() as patch:
        patch.setattr(literate.publish, "mkdocs_build", lambda config: whole.append(1) or mkdocs_build(config))
        preview_build(project, preview)
    assert whole == [1]
    site = snapshot(project / "site")
    assert site == clean_build(project, capsys)
    assert ("beta.csv" in site) == (edit == "a new download")


# What goes wrong while the edited pages are built again (here, splitting
# the search index) is found again by the whole build that follows, which
# reports it; the preview's site stays as it was.
def test_a_preview_edit_that_fails_leaves_the_site_as_it_was(project, capsys, monkeypatch):
    preview = in_both_languages(project)
    preview_build(project, preview)
    before = snapshot(project / "site")
    write(project / "source", "beta.py", lesson("Beta", "Edited."))
    attempts = []

    def fails(config):
        attempts.append(config["site_dir"])
        raise literate.read.BuildError("stopped on purpose")

    with monkeypatch.context() as patch:
        for stage in (literate.rebuild, literate.plugin):  # the edited pages alone, then every page
            patch.setattr(stage, "split_search_index", fails)
        with pytest.raises(literate.read.BuildError, match="stopped on purpose"):
            preview_build(project, preview)
    assert len(attempts) == 2  # the edited pages alone, then every page
    assert snapshot(project / "site") == before
    preview_build(project, preview)
    assert snapshot(project / "site") == clean_build(project, capsys)


# A preview remembers what it built in its own folder, rather than
# recording it in the cache as a build does.
def test_a_preview_with_nothing_changed_builds_nothing_and_records_nothing(project, capsys, monkeypatch):
    preview = in_both_languages(project)
    preview_build(project, preview)
    before = {path: path.stat().st_mtime_ns for path in (project / "site").rglob("*")}
    with monkeypatch.context() as patch:
        patch.setattr(literate.publish, "mkdocs_build", lambda config: pytest.fail("MkDocs built every page"))
        patch.setattr(literate.publish, "build_pages_again", lambda *arguments: pytest.fail("MkDocs built pages"))
        preview_build(project, preview)
    assert "nothing changed since the last build" in capsys.readouterr().out
    assert {path: path.stat().st_mtime_ns for path in (project / "site").rglob("*")} == before
    assert not (project / "cache" / "sites").exists()


# The home pages keep their texts rendered between a preview's builds: an
# edited summary must reach both languages' home pages all the same.
def test_a_preview_shows_an_edited_summary_on_the_home_pages(project, capsys):
    preview = in_both_languages(project)
    preview_build(project, preview)
    write(project / "source", "beta.py", lesson("Beta", "The *edited* Beta lesson."))
    write(project / "source", "beta_zh.py", lesson("贝塔", "贝塔这一课，*改过了*。"))
    preview_build(project, preview)
    site = snapshot(project / "site")
    assert "The <em>edited</em> Beta lesson." in site["index.html"].decode()
    assert "贝塔这一课，<em>改过了</em>。" in site["zh/index.html"].decode()
    assert site == clean_build(project, capsys)


# mkdocs-static-i18n leaves the language selector of the last page built
# in MkDocs' settings; the 404 page, built after it, must offer the home
# pages instead.
def test_the_404_page_offers_the_home_page_of_each_language(project, capsys):
    build(project, capsys)
    page = (project / "site" / "404.html").read_text(encoding="utf-8")
    languages = re.findall(r'<a href="([^"]*)" hreflang="(\w+)" class="md-select__link">', page)
    assert [(lang, href.rstrip("./")) for href, lang in languages] == [("en", ""), ("zh", "/zh")]


# ## The plugin: MkDocs never reads the code column
#
# A plugin registered after ours sees each page as MkDocs, Markdown and
# search do. It must find no code in the Markdown nor in the HTML that
# search indexes, and the built pages must still hold every line.
class Witness(BasePlugin):
    """What Markdown (after the plugin, at 50) and search (at 0) got of each page, and the anchors MkDocs kept."""

    def __init__(self):
        super().__init__()
        self.markdown, self.indexed, self.anchors = {}, {}, {}

    @event_priority(50)
    def on_page_markdown(self, markdown, page, config, files):
        self.markdown[page.file.src_uri] = markdown
        return markdown

    @event_priority(0)
    def on_page_context(self, context, page, config, nav):
        self.indexed[page.file.src_uri] = page.content
        self.anchors[page.file.src_uri] = page.present_anchor_ids
        return context


def test_markdown_never_reads_a_tutorial_and_search_never_its_code(project, capsys, monkeypatch):
    witness = Witness()
    load = literate.publish.load_mkdocs_config

    def load_with_witness(*arguments, **options):
        config = load(*arguments, **options)
        config.plugins["witness"] = witness
        return config

    monkeypatch.setattr(literate.build, "load_mkdocs_config", load_with_witness)
    # Code that looks like a marker, or like a replacement string's escapes, comes back as written.
    code = "x = '\\1 \\g<0> <!--lp-code-column 0--> <!--lp-page-body-->'"
    write(project / "source", "delta.py", f"# Back slashes.[^1]\n#\n# [^1]: And markers.\n{code}\n")
    build(project, capsys)
    assert witness.markdown["en/delta.md"] == "<!--lp-page-body-->"
    assert "# Test results" in witness.markdown["en/test-results.md"]  # Markdown pages are Markdown's
    indexed = witness.indexed["en/delta.md"]
    assert "Back slashes." in indexed
    assert '<div class="lp-code" data-search-exclude><!--lp-code-column 0--></div>' in indexed
    assert not any('class="lp-line"' in page for page in witness.indexed.values()), "search read the code column"
    assert witness.anchors["en/delta.md"] == {"section-1", "fn:1", "fnref:1"}
    assert code_lines((project / "site" / "delta" / "index.html").read_text(encoding="utf-8")) == {4: code}
    assert snapshot(project / "site") == clean_build(project, capsys)


# What the plugin gives back for a tutorial's page is what Markdown would
# have made of it, on every page of this site: Markdown reads it as one
# block of HTML and changes nothing.
def test_markdown_would_pass_every_tutorial_page_through_unchanged(tmp_path):
    import markdown

    (tmp_path / "docs").mkdir()
    config = literate.publish.load_mkdocs_config(ROOT / "mkdocs.yml", tmp_path / "docs", tmp_path / "site")
    testing = literate.judge.TutorialTestOptions(run=False, cache_dir=tmp_path / "cache")
    _, files, _ = literate.build.make_pages(ROOT / "source", config, testing)
    pages = [data.decode("utf-8").split("\n---\n", 1)[1] for path, data in files.items() if path.endswith(".md")]
    bodies = [page for page in pages if page.lstrip("\n").startswith(literate.plugin.PAGE_BODY)]
    assert len(bodies) > 20
    for body in bodies:
        converter = markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"])
        assert converter.convert(body) == body.strip("\n")


class Framing(BasePlugin):
    """Adds a paragraph of Markdown after each page, or with `drop`, takes the page's Markdown away."""

    def __init__(self, drop=False):
        super().__init__()
        self.drop = drop

    @event_priority(40)
    def on_page_markdown(self, markdown, page, config, files):
        return "Gone." if self.drop else f"{markdown}\n\nAdded *after* the page.\n"


@pytest.mark.parametrize("drop", [False, True])
def test_another_plugins_markdown_around_a_tutorial_is_kept_and_its_loss_stops_the_build(drop, project, capsys,
                                                                                         caplog, monkeypatch):
    load = literate.publish.load_mkdocs_config

    def load_with_framing(*arguments, **options):
        config = load(*arguments, **options)
        config.plugins["framing"] = Framing(drop)
        return config

    monkeypatch.setattr(literate.build, "load_mkdocs_config", load_with_framing)
    status, _, err = run(project, capsys)
    if drop:
        assert status == 1 and "Aborted" in err
        assert "en/alpha.md: the page's HTML went out of it, and came back 0 times" in caplog.text
        return
    assert status == 0, err
    page = (project / "site" / "alpha" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"</div>\n\n<p>Added <em>after</em> the page.</p>", page)
    assert "The Alpha lesson." in page


# ## The other languages, in a process of their own
#
# A build forks a process for the languages after the first; a preview and
# a machine of one core build them in one process. Either way the site is
# the same, byte for byte.
def built_in_one_process(monkeypatch):
    plugin = literate.plugin.LiteratePlugin
    monkeypatch.setattr(literate.publish, "LiteratePlugin", lambda cache_dir, processes: plugin(cache_dir, False))


def test_the_other_languages_are_built_in_a_process_of_their_own_into_the_same_site(project, capsys,
                                                                                     monkeypatch):
    write(project / "source", "beta_zh.py", lesson("贝塔", "贝塔这一课。"))
    witness, build_language = project / "built-by", literate.plugin.build

    def build_and_say_where(config):
        witness.write_text(f"{os.getpid()} {config.plugins['i18n'].current_language}")
        build_language(config)

    monkeypatch.setattr(literate.plugin, "build", build_and_say_where)
    build(project, capsys)
    pid, language = witness.read_text().split()
    assert int(pid) != os.getpid() and language == "zh"
    site = snapshot(project / "site")
    assert "贝塔这一课" in site["zh/beta/index.html"].decode()
    for index, words in (("zh/search/search_index.json", "贝塔这一课"), ("search/search_index.json", "The Beta lesson")):
        assert any(words in entry["text"].replace("\u200b", "") for entry in json.loads(site[index])["docs"])
    assert not any(".other-languages" in path for path in site)
    with monkeypatch.context() as patch:
        built_in_one_process(patch)
        witness.unlink()
        assert site == clean_build(project, capsys)
        assert not witness.exists()


# What stops the other languages' process stops the build, with its own
# error, or with how the process ended when it could not say; what stops
# the first language stops the other process. The old site stays.
@pytest.mark.parametrize("failure", ["an error", "an exit", "the first language"])
def test_a_failure_in_either_process_stops_the_build_and_the_other_process(failure, project, capsys, caplog,
                                                                          monkeypatch):
    build(project, capsys)
    before = snapshot(project / "site")
    started, parent, on_page_context = [], os.getpid(), literate.plugin.LiteratePlugin.on_page_context

    def other_languages_fail(config):
        if failure == "an error":
            raise literate.read.BuildError("the other languages stopped on purpose")
        os._exit(3)

    @event_priority(-100)
    def first_language_fails(plugin, context, page, config, nav):
        if os.getpid() == parent:
            raise literate.read.BuildError("the first language stopped on purpose")
        return on_page_context(plugin, context, page, config, nav)

    class Recorded(literate.plugin.OtherLanguages):
        def __init__(self, *arguments):
            super().__init__(*arguments)
            started.append(self.pid)

    monkeypatch.setattr(literate.plugin, "OtherLanguages", Recorded)
    if failure == "the first language":
        monkeypatch.setattr(literate.plugin.LiteratePlugin, "on_page_context", first_language_fails)
    else:
        monkeypatch.setattr(literate.plugin, "build", other_languages_fail)
    write(project / "source", "beta.py", lesson("Beta", "Edited."))
    status, _, err = run(project, capsys)
    assert status == 1 and len(started) == 1
    assert {"an error": "the other languages stopped on purpose",
            "an exit": "the process that built the other languages ended with status 3",
            "the first language": "the first language stopped on purpose"}[failure] in err + caplog.text
    with pytest.raises(ChildProcessError):  # reaped, not left to finish or to linger
        os.waitpid(started[0], os.WNOHANG)
    assert snapshot(project / "site") == before
    assert sorted(path.name for path in project.iterdir()) == ["cache", "mkdocs.yml", "site", "source"]


# ## What the README promises of rendering and templates

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
SEARCH_SETTINGS = {"language.html", "en.html"}
class Compiles:
    def __init__(self, monkeypatch):
        import jinja2
        self.files, compile_ = [], jinja2.Environment.compile

        def counted(environment, source, name=None, filename=None, *rest, **options):
            if filename:
                self.files.append(Path(filename).name)
            return compile_(environment, source, name, filename, *rest, **options)
        monkeypatch.setattr(jinja2.Environment, "compile", counted)


def test_templates_stay_compiled_and_an_edited_one_is_compiled_again(project, capsys, monkeypatch):
    import shutil
    templates = project / "templates"
    shutil.copytree(ROOT / "site_templates", templates)
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    config["theme"]["custom_dir"] = str(templates)
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    compiles = Compiles(monkeypatch)
    build(project, capsys)
    assert "main.html" in compiles.files and list((project / "cache" / "templates").iterdir())
    compiles.files.clear()
    write(project / "source", "beta.py", lesson("Beta", "An edit, so that MkDocs runs again."))
    build(project, capsys)
    assert set(compiles.files) == SEARCH_SETTINGS, compiles.files
    main = templates / "main.html"
    main.write_text(main.read_text(encoding="utf-8").replace(
        '<aside class="md-grid lp-feedback"', '<aside data-edited="yes" class="md-grid lp-feedback"'),
        encoding="utf-8")
    build(project, capsys)
    assert [name for name in compiles.files if name not in SEARCH_SETTINGS] == ["main.html"]
    assert 'data-edited="yes"' in (project / "site" / "beta" / "index.html").read_text(encoding="utf-8")
