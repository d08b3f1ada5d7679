"""A preview builds only what an edit changed, into what a whole build gives."""

import json
import re

import pytest

import literate.build
import literate.mkdocs_plugin
import literate.judge
import literate.rebuild
import literate.publish
import literate.read
import literate.write
from literate.render import page_downloads
from site_html import code_lines
from support import build_project, clean_build, lesson, snapshot, write



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
    return literate.rebuild.PreviewSite(project / "preview")


def test_a_preview_builds_only_the_edited_pages_into_what_a_whole_build_gives(project, capsys, monkeypatch):
    preview = in_both_languages(project)
    preview_build(project, preview)
    pages_before = {path: path.stat().st_mtime_ns for path in preview.docs_dir.rglob("*") if path.is_file()}
    write(project / "source", "beta.py", lesson("Beta", "The Beta lesson.").replace("x = 1", "x = 2").replace(
        "Some words about x.", "Some words about x, edited: findable."))
    write(project / "source", "beta_zh.py", lesson("贝塔", "贝塔这一课。").replace("Some words about x.", "关于 x，改过了。"))
    # Outside git the build date is the newest source's time, which a save moves (see `publish`).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700086400")
    built, write_page = [], literate.rebuild.write_page
    with monkeypatch.context() as patch:
        patch.setattr(literate.publish, "mkdocs_build", lambda config: pytest.fail("MkDocs built every page"))
        patch.setattr(literate.rebuild, "write_page",
                      lambda page, *rest: built.append(page.file.src_uri) or write_page(page, *rest))
        preview_build(project, preview)
    assert sorted(built) == ["en/beta.md", "zh/beta.md"]
    # Built beside the site and moved in, the files leave their folders there for the next edit.
    assert any(preview.scratch.iterdir()) and not any(path.is_file() for path in preview.scratch.rglob("*"))
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


# MkDocs keeps the plugin object for every build in its process. A preview
# that follows another site's build there (one in a single language, by
# MkDocs' own command) builds its edits with its own languages only.
def test_a_preview_after_another_sites_build_knows_only_its_own_languages(project, tmp_path_factory, capsys,
                                                                          monkeypatch):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    other = tmp_path_factory.mktemp("other")
    write(other / "source", "alpha.py", lesson("Alpha", "The Alpha lesson."))
    (other / "mkdocs.yml").write_text("site_name: Other\ndocs_dir: source\ntheme: {name: material, font: false}\n"
                                      "plugins: [search, literate]\n", encoding="utf-8")
    config = load_config(str(other / "mkdocs.yml"), site_dir=str(other / "site"))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    preview = in_both_languages(project)
    preview_build(project, preview)
    assert list(config.plugins["literate"].built) == ["en", "zh"]
    write(project / "source", "beta.py", lesson("Beta", "The Beta lesson.").replace("x = 1", "x = 2"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700086400")
    preview_build(project, preview)
    assert snapshot(project / "site") == clean_build(project, capsys)


def with_a_data_file(page, read):
    downloads, warnings = page_downloads(page, read)
    if page.source.name == "beta.py":
        downloads["beta.csv"] = b"x,f\n1,1\n"
    return downloads, warnings


@pytest.mark.parametrize("edit", ["a title", "a new page", "a new download"])
def test_a_preview_edit_that_other_pages_show_builds_every_page(edit, project, capsys, monkeypatch):
    preview = in_both_languages(project)
    preview_build(project, preview)
    if edit == "a title":  # shown in every page's navigation
        write(project / "source", "beta.py", lesson("Beta, renamed", "The Beta lesson."))
    elif edit == "a new page":
        write(project / "source", "delta.py", lesson("Delta", "The Delta lesson."))
    else:  # a file MkDocs did not know, beside a page that keeps its title
        monkeypatch.setattr(literate.pages, "page_downloads", with_a_data_file)
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
    assert not any(path.is_file() for path in preview.scratch.rglob("*"))  # nothing of the failed edit is kept
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
        patch.setattr(literate.rebuild, "build_pages_again", lambda *arguments: pytest.fail("MkDocs built pages"))
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


# The site's own pages (404, `sitemap.xml`) show the build date, and
# nothing else that an edit keeping every title changes: an edit on the
# same day builds them not again, one on the next day does.
@pytest.mark.parametrize("epoch, built", [("1700003600", []),  # an hour after the fixture's date
                                          ("1700086400", ["404.html", "sitemap.xml"])])  # the next day
def test_a_preview_builds_the_sites_own_pages_again_when_the_date_changed(epoch, built, project, capsys,
                                                                           monkeypatch):
    preview = in_both_languages(project)
    preview_build(project, preview)
    templates, write_template = [], literate.rebuild.write_template
    monkeypatch.setattr(literate.rebuild, "write_template",
                        lambda name, *rest: templates.append(name) or write_template(name, *rest))
    write(project / "source", "beta.py", lesson("Beta", "The Beta lesson, edited."))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    preview_build(project, preview)
    assert sorted(templates) == built
    assert snapshot(project / "site") == clean_build(project, capsys)


# The home pages show every folder's introduction, in both languages: an
# edit of a tutorial renders none of them again, and an edited
# introduction reaches both home pages, as a whole build would show it.
def test_a_preview_renders_again_only_the_introductions_an_edit_changed(project, capsys, monkeypatch):
    preview = in_both_languages(project)
    write(project / "source", "__init__.py", '"""\n# The course\n\nStart at [Alpha](alpha.py).\n"""\n')
    write(project / "source" / "basics", "one.py", lesson("One", "The first one."))
    write(project / "source" / "basics", "__init__.py", '"""\n# Basics\n\nWhere [Beta](../beta.py) starts.\n"""\n')
    preview_build(project, preview)
    rendered, introduction_html = [], literate.write.introduction_html
    monkeypatch.setattr(literate.write, "introduction_html",
                        lambda intro, *rest, **options: rendered.append(intro)
                        or introduction_html(intro, *rest, **options))
    write(project / "source", "beta.py", lesson("Beta", "The Beta lesson, edited."))
    preview_build(project, preview)
    assert rendered == []
    write(project / "source" / "basics", "__init__.py", '"""\n# Basics\n\nWhere [Beta](../beta.py) *begins*.\n"""\n')
    preview_build(project, preview)
    # In English, and in Chinese for want of a translation.
    assert rendered == ["Where [Beta](../beta.py) *begins*."] * 2
    site = snapshot(project / "site")
    assert 'Where <a href="beta/">Beta</a> <em>begins</em>.' in site["index.html"].decode()
    assert 'Where <a href="beta/">Beta</a> <em>begins</em>.' in site["zh/index.html"].decode()
    assert site == clean_build(project, capsys)


# mkdocs-static-i18n leaves the language selector of the last page built
# in MkDocs' settings; the 404 page, built after it, must offer the home
# pages instead.
def test_the_404_page_offers_the_home_page_of_each_language(project, capsys):
    build_project(project, capsys)
    page = (project / "site" / "404.html").read_text(encoding="utf-8")
    languages = re.findall(r'<a href="([^"]*)" hreflang="(\w+)" class="md-select__link">', page)
    assert [(lang, href.rstrip("./")) for href, lang in languages] == [("en", ""), ("zh", "/zh")]


# ## `mkdocs serve`
#
# Its events as MkDocs' `serve` sends them, with a command-line option
# (`--no-directory-urls`): MkDocs' first build is the preview's, which
# builds no site of its own; an edit is built into it with MkDocs'
# settings, and a whole build is MkDocs' own builder, which loads them
# again as its command line says.
class Server:
    def __init__(self, root):
        self.root, self.watched, self.builder = str(root), [], None

    def watch(self, path):
        self.watched.append(path)


def test_mkdocs_serve_builds_once_at_start_and_keeps_its_command_line(project, monkeypatch):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    served, serve_url = project / "served", "http://127.0.0.1:8000/"

    def get_config():
        config = load_config(str(project / "mkdocs.yml"), site_dir=str(served), use_directory_urls=False)
        config.site_url = serve_url
        return config

    builds, own, mkdocs_build = [], [], literate.publish.mkdocs_build

    def builder(config=None):
        builds.append("first" if config else "again")
        build(config or get_config(), serve_url=serve_url)

    monkeypatch.setattr(literate.publish, "mkdocs_build", lambda config: own.append(1) or mkdocs_build(config))
    monkeypatch.setattr(literate.mkdocs_plugin.signal, "signal", lambda *arguments: None)
    config = get_config()
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        builder(config)
        server = config.plugins.on_serve(Server(served), config=config, builder=builder)
        assert (builds, own) == (["first"], [])
        write(project / "source", "beta.py", lesson("Beta", "The Beta lesson, edited."))
        server.builder()
        assert (builds, own) == (["first"], [])
        assert "edited" in (served / "beta.html").read_text(encoding="utf-8")
        write(project / "source", "delta.py", lesson("Delta", "The Delta lesson."))
        server.builder()
        assert (builds, own) == (["first", "again"], [])
        assert (served / "delta.html").is_file()
        assert config.plugins["literate"].command == "serve"
    finally:
        config.plugins.on_shutdown()
    assert not [path for path in served.rglob("index.html") if path.parent.name in ("alpha", "beta", "delta")], \
        "a page built as a folder: the option was lost"
