"""The build as a whole: what it imports, and a build that stops before
it reads anything when nothing it is made from has changed."""

import ast
import collections
import dataclasses
import subprocess
import sys
import textwrap
import tokenize
from pathlib import Path

import pytest

import build_docs
import literate.build
import literate.cli
import literate.judge
import literate.pages
import literate.publish
import literate.settings
import literate.read
import literate.site
from support import (
    ROOT, build_project, clean_build, lesson, plugin_settings, project_config, run_build, snapshot, write,
)



# ## Importing the build
#
# The build imports neither torch nor numpy, on import or while it builds
# this site (tests not run). A second build, which finds every page in its
# cache, renders nothing and does not load what only rendering needs
# (nbformat with jsonschema, griffe: a quarter of a second of a warm
# build's imports). One cold build of the site serves both.
def test_the_build_imports_no_torch_or_numpy_and_from_the_cache_no_renderer(tmp_path):
    script = textwrap.dedent("""\
        import sys
        import build_docs
        print("on import:", sorted(name for name in ("torch", "numpy") if name in sys.modules))
        status = build_docs.main(["--no-run", "--site-dir", sys.argv[1], "--cache-dir", sys.argv[2]])
        print("after a build:", status, sorted(name for name in ("torch", "numpy") if name in sys.modules))
        print("loaded:", status, sorted(name for name in ("nbformat", "griffe") if name in sys.modules))
    """)

    def build():
        return subprocess.run([sys.executable, "-c", script, str(tmp_path / "site"), str(tmp_path / "cache")],
                              capture_output=True, text=True, cwd=ROOT)

    cold = build()
    assert cold.returncode == 0, cold.stderr
    assert "on import: []" in cold.stdout
    assert "after a build: 0 []" in cold.stdout
    assert "nothing changed since the last build" not in cold.stdout
    warm = build()
    assert warm.returncode == 0, warm.stderr
    assert "nothing changed since the last build" in warm.stdout
    assert warm.stdout.strip().splitlines()[-1] == "loaded: 0 []"


# ## Each source parsed once
#
# Whatever the stages ask of a source (its page, its notebook, its tests,
# what they import), a build tokenizes it once and parses it once. The
# calls are counted by the first line of what they read; with one core,
# every page renders in this process, where the count is kept. The tests
# run, in processes of their own, and what they read is not counted.
def test_each_source_is_tokenized_and_parsed_once_per_build(tmp_path, monkeypatch):
    chapter = tmp_path / "source" / "01_chapter"
    write(chapter, "__init__.py", '"""# Chapter\n\nIntro."""\n')
    write(chapter, "helper.py", "# source helper\ndef double(x):\n    return 2 * x\n")
    write(chapter, "lesson.py", "# source lesson\nfrom helper import double\n\n\n"
                                "def test_double():\n    assert double(2) == 4\n")
    write(chapter, "text.py.txt", "source text\n\nIt doubles::\n\n    from helper import double\n\n"
                                  "    def test_text():\n        assert double(1) == 2\n")
    parses, tokenizings = collections.Counter(), collections.Counter()
    parse, generate_tokens = ast.parse, tokenize.generate_tokens

    def counted_parse(source, *arguments, **options):
        parses[(source.decode() if isinstance(source, bytes) else source).split("\n", 1)[0]] += 1
        return parse(source, *arguments, **options)

    def counted_tokens(readline):
        first = readline()
        tokenizings[first.rstrip("\n")] += 1
        lines = iter([first])
        return generate_tokens(lambda: next(lines, None) or readline())

    monkeypatch.setattr(ast, "parse", counted_parse)
    monkeypatch.setattr(tokenize, "generate_tokens", counted_tokens)
    monkeypatch.setattr(literate.pages.os, "cpu_count", lambda: 1)
    (tmp_path / "docs").mkdir()
    config = literate.settings.load_mkdocs_config(ROOT / "mkdocs.yml", tmp_path / "docs", tmp_path / "site")
    config.plugins["literate"].config.generator_pages = False
    testing = literate.judge.TutorialTestOptions(cache_dir=tmp_path / "cache")
    verdicts = literate.build.make_pages(tmp_path / "source", config, testing).verdicts
    assert {page.name: verdict.status for page, verdict in verdicts.items()} == {
        "chapter/lesson": "passed", "chapter/text": "passed"}
    sources = {'"""# Chapter', "# source helper", "# source lesson", "# source text"}
    assert {line: parses[line] for line in sources} == dict.fromkeys(sources, 1), parses
    assert {line: tokenizings[line] for line in sources} == dict.fromkeys(sources, 1), tokenizings


# Finding the site reads no source but the home page's introduction: a
# section's title and introduction come from rendering its index page, in
# a worker, where it is parsed once. A build that finds every page in its
# cache parses no source at all, and titles its sections the same.
def test_a_build_from_the_page_cache_parses_nothing_and_titles_its_sections_the_same(tmp_path, monkeypatch):
    chapter = tmp_path / "source" / "01_chapter"
    write(chapter, "__init__.py", '"""# Chapter one\n\nIt opens."""\n')
    write(chapter, "__init___zh.py", '"""# 第一章\n\n开篇。"""\n')
    write(chapter / "02_part", "__init__.py", '"""Untitled."""\n\nx = 1\n')
    write(chapter / "02_part", "lesson.py", '"""# Lesson"""\n\ny = 2\n')
    monkeypatch.setattr(literate.pages.os, "cpu_count", lambda: 1)
    (tmp_path / "docs").mkdir()
    config = literate.settings.load_mkdocs_config(ROOT / "mkdocs.yml", tmp_path / "docs", tmp_path / "site")
    config.plugins["literate"].config.generator_pages = False
    testing = literate.judge.TutorialTestOptions(run=False, cache_dir=tmp_path / "cache")

    def headings(made):
        return {chapter.slug: (chapter.headings, chapter.index_listed)
                for chapter in literate.site.all_chapters(made.chapters) if chapter.slug}

    cold = headings(literate.build.make_pages(tmp_path / "source", config, testing))
    assert cold == {"chapter": ({"en": ("Chapter one", "It opens."), "zh": ("第一章", "开篇。")}, False),
                    "chapter/part": ({"en": ("Part", ""), "zh": ("Part", "")}, True)}
    parses, parse = [], ast.parse
    monkeypatch.setattr(ast, "parse", lambda source, *arguments, **options: (
        parses.append(source[:20]), parse(source, *arguments, **options))[1])
    assert headings(literate.build.make_pages(tmp_path / "source", config, testing)) == cold
    assert parses == []


# ## Each stage returns its product
#
# Finding the site makes the pages; every stage after it hands what it made
# to the next (the renderings, the verdicts, the files) and writes nothing
# into a page or a chapter: they are what finding the site knew of them, to
# the end of the build. The pages render in this process, where a write
# would show.
def test_no_stage_writes_into_a_page_or_a_chapter(tmp_path, monkeypatch):
    chapter = tmp_path / "source" / "01_chapter"
    write(chapter, "__init__.py", '"""# Chapter\n\nIntro."""\n')
    write(chapter, "lesson.py", '"""# Lesson\n\nIt doubles."""\n\n\ndef test_double():\n    assert 2 * 2 == 4\n')
    write(chapter, "lesson_zh.py", '"""# 一课\n\n翻倍。"""\n\n\ndef test_double():\n    assert 2 * 2 == 4\n')
    found, found_chapters, site_chapters = [], [], literate.build.site_chapters

    def as_found(*arguments):
        chapters = site_chapters(*arguments)
        found.extend((page, dict(vars(page))) for page in literate.site.pages_of(chapters))
        found_chapters.extend((chapter, dict(vars(chapter)), list(chapter.pages), list(chapter.sections))
                              for chapter in literate.site.all_chapters(chapters))
        return chapters

    monkeypatch.setattr(literate.build, "site_chapters", as_found)
    monkeypatch.setattr(literate.pages.os, "cpu_count", lambda: 1)
    (tmp_path / "docs").mkdir()
    config = literate.settings.load_mkdocs_config(ROOT / "mkdocs.yml", tmp_path / "docs", tmp_path / "site")
    testing = literate.judge.TutorialTestOptions(run=False, cache_dir=tmp_path / "cache")
    made = literate.build.make_pages(tmp_path / "source", config, testing)
    assert [page for page, _ in found] == literate.site.pages_of(made.chapters)
    assert [(page.name, vars(page)) for page, _ in found] == [(page.name, fields) for page, fields in found]
    assert {(page.name, page.lang): made.rendered[page].title for page, _ in found
            if page.name.startswith("chapter/")} == {
        ("chapter/index", "en"): "Chapter", ("chapter/lesson", "en"): "Lesson", ("chapter/lesson", "zh"): "一课"}
    assert {(page.name, page.lang): verdict.status for page, verdict in made.verdicts.items()} == {
        ("chapter/lesson", "en"): "not run", ("chapter/lesson", "zh"): "not run"}
    assert [(vars(chapter), list(chapter.pages), list(chapter.sections)) for chapter, *_ in found_chapters] == [
        (fields, pages, sections) for _, fields, pages, sections in found_chapters]
    with pytest.raises(dataclasses.FrozenInstanceError):
        found[0][0].title = "written by a stage"
    chapter = found_chapters[1][0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        chapter.pages = ()
    with pytest.raises(AttributeError):
        chapter.pages.append(found[0][0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        literate.site.site_languages(config)[0].folder = "elsewhere/"


# ## MkDocs only when something changed
def test_nothing_changed_runs_no_mkdocs_and_leaves_the_site_alone(project, capsys, monkeypatch):
    build_project(project, capsys)
    before = {path: path.stat().st_mtime_ns for path in (project / "site").rglob("*")}
    monkeypatch.setattr(literate.publish, "mkdocs_build", lambda config: pytest.fail("MkDocs ran"))
    monkeypatch.setattr(literate.publish, "write_files", lambda files, folder: pytest.fail("the pages were written"))
    out = build_project(project, capsys)
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
    _, _, err = run_build(project, capsys)
    where = literate.read.display_path(project / "source" / "beta.py")
    warning = f"{where}:4: warning: raw HTML is shown as text: '<URL>'"
    assert warning in err.splitlines()
    made = MadePages(monkeypatch)
    status, out, err = run_build(project, capsys)
    assert status == 0 and made.count == 0
    assert "nothing changed since the last build" in out and warning in err.splitlines()


@pytest.mark.parametrize("change", ["a file of the source folder", "a package installed", "the tests run",
                                    "the build date", "mkdocs.yml"])
def test_whatever_a_site_is_made_from_is_read_again_when_it_changes(change, project, capsys, monkeypatch):
    write(project / "source", "data.csv", "x,f\n1,1\n")
    build_project(project, capsys)
    made = MadePages(monkeypatch)
    if change == "a file of the source folder":
        write(project / "source", "data.csv", "x,f\n1,2\n")
    elif change == "a package installed":
        installed = literate.build.installed_packages()
        monkeypatch.setattr(literate.build, "installed_packages", lambda: installed + ["newly-1.0.dist-info"])
    elif change == "the tests run":
        monkeypatch.setattr(literate.cli, "TutorialTestOptions",
                            lambda run, **options: literate.judge.TutorialTestOptions(True, **options))
    elif change == "the build date":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    else:
        with open(project / "mkdocs.yml", "a", encoding="utf-8") as settings:
            settings.write("# edited\n")
    build_project(project, capsys)
    assert made.count == 1
    build_project(project, capsys)
    assert made.count == 1  # recorded, even when MkDocs had nothing to do


def test_an_edited_page_rebuilds_into_what_a_clean_build_gives(project, capsys):
    build_project(project, capsys)
    write(project / "source", "beta.py", lesson("Beta", "The Beta lesson, edited: findable."))
    out = build_project(project, capsys)
    assert "nothing changed" not in out
    rebuilt = snapshot(project / "site")
    assert b"findable" in rebuilt["beta/index.html"]
    assert b"findable" in rebuilt["search/search_index.json"]
    assert rebuilt == clean_build(project, capsys)


def test_a_site_changed_by_hand_is_built_again(project, capsys):
    build_project(project, capsys)
    before = snapshot(project / "site")
    (project / "site" / "gamma" / "index.html").unlink()
    out = build_project(project, capsys)
    assert "nothing changed" not in out
    assert snapshot(project / "site") == before


# The build fails after MkDocs wrote the new site, while the plugin splits
# the search index: the old site is as it was.
def test_a_failed_build_leaves_the_site_as_it_was(project, capsys, monkeypatch):
    build_project(project, capsys)
    before = snapshot(project / "site")

    def fails(config):
        assert (Path(config["site_dir"]) / "beta" / "index.html").is_file()
        raise literate.read.BuildError("stopped on purpose")

    monkeypatch.setattr(literate.plugin, "split_search_index", fails)
    write(project / "source", "beta.py", lesson("Beta", "Edited."))
    status, _, err = run_build(project, capsys)
    assert status == 1 and "stopped on purpose" in err
    assert snapshot(project / "site") == before
    assert sorted(path.name for path in project.iterdir()) == ["cache", "mkdocs.yml", "site", "source"]


# ## `mkdocs build` and `build_docs.py`: one site
#
# With the plugin listed in mkdocs.yml, MkDocs' own command makes the
# pages as `build_docs.py` does, tests and all: the same site, byte for
# byte, given the same build date (the fixture's) and the same cache, so
# that the tests' durations on "Test results" are the same too. The first
# build is quiet (`-q`): it says nothing, not even the verdicts, which
# MkDocs' build then says.
def test_mkdocs_build_gives_the_site_build_docs_gives(project, capsys):
    write(project / "source", "sums.py", "# Sums.\ndef test_sum():\n    assert 1 + 1 == 2\n")
    project_config(project, lambda config: plugin_settings(config).update(cache_dir=str(project / "cache")))
    status = build_docs.main(["-q", "--site-dir", str(project / "site"), "--config", str(project / "mkdocs.yml")])
    out, err = capsys.readouterr()
    assert (status, out) == (0, ""), err
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", "mkdocs-site"],
                          cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "source/sums.py: 1 test passed" in done.stdout and "(cached)" in done.stdout
    built = snapshot(project / "site")
    assert b"lp-tests--passed" in built["sums/index.html"]
    assert snapshot(project / "mkdocs-site") == built
