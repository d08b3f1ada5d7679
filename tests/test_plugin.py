"""The MkDocs plugin: MkDocs never reads the code column, the other
languages are built in a process of their own, and templates stay compiled."""

import collections
import json
import os
import re
import traceback
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority

import literate.build
import literate.judge
import literate.plugin
import literate.settings
import literate.read
from site_html import code_lines
from support import ROOT, build_project, clean_build, lesson, run_build, snapshot, write



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
    load = literate.settings.load_mkdocs_config

    def load_with_witness(*arguments, **options):
        config = load(*arguments, **options)
        config.plugins["witness"] = witness
        return config

    monkeypatch.setattr(literate.build, "load_mkdocs_config", load_with_witness)
    # Code that looks like a marker, or like a replacement string's escapes, comes back as written.
    code = "x = '\\1 \\g<0> <!--lp-code-column--> <!--lp-page-body-->'"
    write(project / "source", "delta.py", f"# Back slashes.[^1]\n#\n# [^1]: And markers.\n{code}\n")
    build_project(project, capsys)
    assert witness.markdown["en/delta.md"] == "<!--lp-page-body-->"
    assert "# Test results" in witness.markdown["en/test-results.md"]  # Markdown pages are Markdown's
    indexed = witness.indexed["en/delta.md"]
    assert "Back slashes." in indexed
    assert not any('class="lp-line"' in page for page in witness.indexed.values()), "search read the code column"
    assert witness.anchors["en/delta.md"] == {"section-1", "fn:1", "fnref:1"}
    assert code_lines((project / "site" / "delta" / "index.html").read_text(encoding="utf-8")) == {4: code}
    assert snapshot(project / "site") == clean_build(project, capsys)


# What the plugin gives back for a tutorial's page is what Markdown would
# have made of it, on every page of this site: Markdown reads it as one
# block of HTML and changes nothing. The pages are those this run
# rendered once.
def test_markdown_would_pass_every_tutorial_page_through_unchanged(tmp_path, rendered_pages):
    import markdown

    (tmp_path / "docs").mkdir()
    config = literate.settings.load_mkdocs_config(ROOT / "mkdocs.yml", tmp_path / "docs", tmp_path / "site")
    testing = literate.judge.TutorialTestOptions(run=False, cache_dir=rendered_pages(tmp_path / "cache"))
    files = literate.build.make_pages(ROOT / "source", config, testing).files
    bodies = [files[path].decode("utf-8").split("\n---\n", 1)[1] for path in config.plugins["literate"].pages]
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
    load = literate.settings.load_mkdocs_config

    def load_with_framing(*arguments, **options):
        config = load(*arguments, **options)
        config.plugins["framing"] = Framing(drop)
        return config

    monkeypatch.setattr(literate.build, "load_mkdocs_config", load_with_framing)
    status, _, err = run_build(project, capsys)
    if drop:
        assert status == 1 and "Aborted" in err
        assert "en/alpha.md: the page's HTML went out of it, and came back 0 times" in caplog.text
        return
    assert status == 0, err
    page = (project / "site" / "alpha" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"</div>\n\n<p>Added <em>after</em> the page.</p>", page)
    assert "The Alpha lesson." in page


# The plugin takes a tutorial's page as data, not out of its Markdown: a
# plugin that changed the page before the plugin read it would see its
# change lost, and stops the build instead; so does a plugin that loses a
# code column's marker between search and the page's template, or a
# marker of what search read lighter.
class Meddling(BasePlugin):
    def __init__(self, where):
        super().__init__()
        self.where = where

    @event_priority(150)
    def on_page_markdown(self, markdown, page, config, files):
        return markdown.replace("The Alpha lesson.", "Changed.") if self.where == "markdown" else markdown

    @event_priority(0)
    def _at_search(self, context, page, config, nav):
        if self.where == "search":
            page.content = page.content.replace(literate.plugin.SEARCH_MARKER, "", 1)
        return context

    @event_priority(-50)
    def _before_template(self, context, page, config, nav):
        if self.where == "column":
            page.content = page.content.replace("<!--lp-code-column-->", "", 1)
        return context

    on_page_context = CombinedEvent(_at_search, _before_template)


@pytest.mark.parametrize("where, error", [
    ("markdown", "en/alpha.md: the page's Markdown is not the one the generator wrote"),
    ("column", "en/alpha.md: 2 code columns went out of the page, and 1 came back"),
    ("search", "en/alpha.md: 8 marks of what search read lighter went out of the page, and 7 came back"),
])
def test_a_page_changed_before_the_plugin_or_a_lost_code_column_stops_the_build(where, error, project, capsys,
                                                                               caplog, monkeypatch):
    load = literate.settings.load_mkdocs_config

    def load_with_meddling(*arguments, **options):
        config = load(*arguments, **options)
        config.plugins["meddling"] = Meddling(where)
        return config

    monkeypatch.setattr(literate.build, "load_mkdocs_config", load_with_meddling)
    status, _, err = run_build(project, capsys)
    assert status == 1 and error in err + caplog.text


# ## What search reads
#
# Search indexes a lighter copy of each tutorial's page: its formulas as
# their text, each section's opening without its attributes and link, no
# code column. The index is the one the whole page gives, byte for byte,
# in each language, and so is the site; search reads far fewer tags.
FORMULAS = r'''"""
# Sums $\sum_i x_i$ by hand

Where $x_{i+1} = \alpha\,x_i$, $a~b$ and $\text{two  words}\ c$, with a [link](#section-2):

$$
\begin{align}
y &= \mathop{Attention}(Q, K, V) \\
  &+ \frac{1}{n} \sum_{i=1}^{n} x_i^2
\end{align}
$$

## {heading} $\beta < \gamma$

- an item with $\gamma \,\,$ and `code`;
- a footnote.[^1]

[^1]: A note with $\delta > 0$.
"""

# ### Beside code, $e^{x}$ and **bold**
#
# ```python
# print("fenced")
# ```
x = 1


def f():
    """**Returns**: $x^2$, where $x$ is `x`."""
    return x * x


# $$\mathbf{W} \;\; \mathrm{d}t$$
#
# #### Last
y = f()
'''


class SearchRead(BasePlugin):
    """The start tags of each page's HTML as search has read it (registered after `search`, at its priority)."""

    def __init__(self):
        super().__init__()
        self.tags = {}

    def on_page_context(self, context, page, config, nav):
        counter = TagCounter()
        counter.feed(page.content)
        self.tags[page.file.src_uri] = counter.tags
        return context


class TagCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = collections.Counter()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1


def test_search_reads_a_lighter_page_and_indexes_it_as_the_whole_one(project, capsys, monkeypatch):
    write(project / "source", "delta.py", FORMULAS.replace("{heading}", "Heading"))
    write(project / "source", "delta_zh.py", FORMULAS.replace("{heading}", "标题，中文"))
    witness, load = SearchRead(), literate.settings.load_mkdocs_config

    def load_with_witness(*arguments, **options):
        config = load(*arguments, **options)
        config.plugins["witness"] = witness
        return config

    monkeypatch.setattr(literate.build, "load_mkdocs_config", load_with_witness)
    built_in_one_process(monkeypatch)  # the witness sees every language
    build_project(project, capsys)
    lighter, read = snapshot(project / "site"), dict(witness.tags)
    with monkeypatch.context() as whole:
        whole.setattr(literate.plugin, "for_search", lambda html: (html, ()))
        assert lighter == clean_build(project, capsys)
    for path in ("en/delta.md", "zh/delta.md"):
        assert read[path]["math"] == 0 and witness.tags[path]["math"] == 11
        assert sum(read[path].values()) * 4 < sum(witness.tags[path].values()), (read[path], witness.tags[path])
    indexed = [entry["text"] for entry in json.loads(lighter["search/search_index.json"])["docs"]]
    assert any("\\alpha" in text and "two  words" in text for text in indexed)


# Only what search reads the same way is lightened: a formula of MathML
# alone, found as a tag, not in an attribute's value; a stray `<` is text.
def test_a_formula_holding_another_tag_or_a_quoted_one_stays_whole():
    formula = ('<math display="inline" alttext="a&nbsp;b"><semantics><mrow><mi>a</mi><mtext>&nbsp;</mtext>'
               '<mi>b</mi></mrow><annotation encoding="application/x-tex">a~b</annotation></semantics></math>')
    foreign = '<math display="block"><mi>c</mi><span class="x">d</span></math>'
    quoted = '<a title="1 > <math><mi>e</mi></math>">f</a>'
    lighter, regions = literate.plugin.for_search(f"<p>{formula}, {foreign} {quoted} < 1</p>")
    assert regions == (formula,)
    assert lighter == f"<p><!--lp-search-->a<!---->&nbsp;<!---->ba~b<!--lp-search-->, {foreign} {quoted} < 1</p>"


# ## The other languages, in a process of their own
#
# A build forks a process for the languages after the first; a preview and
# a machine of one core build them in one process. Either way the site is
# the same, byte for byte.
def built_in_one_process(monkeypatch):
    prepare = literate.plugin.LiteratePlugin.prepare
    monkeypatch.setattr(literate.plugin.LiteratePlugin, "prepare",
                        lambda plugin, cache_dir, processes: prepare(plugin, cache_dir, False))


def test_the_other_languages_are_built_in_a_process_of_their_own_into_the_same_site(project, capsys,
                                                                                     monkeypatch):
    write(project / "source", "beta_zh.py", lesson("贝塔", "贝塔这一课。"))
    witness, build_language = project / "built-by", literate.plugin.build

    def build_and_say_where(config):
        witness.write_text(f"{os.getpid()} {config.plugins['i18n'].current_language}")
        build_language(config)

    monkeypatch.setattr(literate.plugin, "build", build_and_say_where)
    build_project(project, capsys)
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
    build_project(project, capsys)
    before = snapshot(project / "site")
    parent, code_columns_back = os.getpid(), literate.plugin.LiteratePlugin._code_columns_back

    def other_languages_fail(config):
        if failure == "an error":
            raise literate.read.BuildError("the other languages stopped on purpose")
        os._exit(3)

    @event_priority(-100)
    def first_language_fails(plugin, context, page, config, nav):
        if os.getpid() == parent:
            raise literate.read.BuildError("the first language stopped on purpose")
        return code_columns_back(plugin, context, page, config, nav)

    started = forks_recorded(monkeypatch, "OtherLanguages")
    if failure == "the first language":
        monkeypatch.setattr(literate.plugin.LiteratePlugin, "on_page_context", first_language_fails)
    else:
        monkeypatch.setattr(literate.plugin, "build", other_languages_fail)
    write(project / "source", "beta.py", lesson("Beta", "Edited."))
    status, _, err = run_build(project, capsys)
    assert status == 1 and len(started) == 1
    assert {"an error": "the other languages stopped on purpose",
            "an exit": "the process that built the other languages ended with status 3",
            "the first language": "the first language stopped on purpose"}[failure] in err + caplog.text
    assert_stopped_leaving_the_old_site(project, started, before)


def forks_recorded(monkeypatch, name):
    """The ids of the processes that `literate.plugin.<name>` forks, once forked."""
    started = []

    class Recorded(getattr(literate.plugin, name)):
        def __init__(self, *arguments):
            super().__init__(*arguments)
            started.append(self.pid)

    monkeypatch.setattr(literate.plugin, name, Recorded)
    return started


def assert_stopped_leaving_the_old_site(project, started, before):
    with pytest.raises(ChildProcessError):  # reaped, not left to finish or to linger
        os.waitpid(started[0], os.WNOHANG)
    assert snapshot(project / "site") == before
    assert sorted(path.name for path in project.iterdir()) == ["cache", "mkdocs.yml", "site", "source"]


# ## One language's pages, on both cores
#
# A build of a site in one language, with no plugin but search and this
# one, forks a process for the first pages; a preview and a machine of one
# core build them all in one process. Either way the site is the same, byte
# for byte, its search index and sitemap included.
@pytest.fixture
def one_language(tmp_path, monkeypatch):
    """Five pages in one language, two with formulas and sections: search has entries of its own for them."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for name, title in (("alpha", "Alpha"), ("beta", "Beta"), ("gamma", "Gamma")):
        write(tmp_path / "source", f"{name}.py", lesson(title, f"The {title} lesson."))
    for name, heading in (("delta", "Delta"), ("epsilon", "Epsilon")):
        write(tmp_path / "source", f"{name}.py", FORMULAS.replace("{heading}", heading))
    (tmp_path / "mkdocs.yml").write_text("site_name: Sums\ndocs_dir: source\ntheme: {name: material, font: false}\n"
                                         "plugins: [search, literate]\n", encoding="utf-8")
    return tmp_path


def pages_built_where(monkeypatch, witness):
    """Each page MkDocs writes, with the process that writes it, into the file `witness`."""
    post_page = literate.plugin.LiteratePlugin.on_post_page

    def say_where(plugin, output, page, config):
        if output.strip():
            with open(witness, "a", encoding="utf-8") as said:
                said.write(f"{os.getpid()} {page.file.src_uri}\n")
        return post_page(plugin, output, page, config)

    monkeypatch.setattr(literate.plugin.LiteratePlugin, "on_post_page", say_where)


def test_one_languages_pages_are_built_by_two_processes_into_the_same_site(one_language, capsys, monkeypatch):
    witness = one_language / "built-by"
    pages_built_where(monkeypatch, witness)
    build_project(one_language, capsys)
    built = [line.split() for line in witness.read_text(encoding="utf-8").splitlines()]
    pages = [uri for _, uri in built]
    assert sorted(pages) == sorted(set(pages)) and "delta.md" in pages, built  # each page once
    assert {int(pid) == os.getpid() for pid, _ in built} == {True, False}, built
    site = snapshot(one_language / "site")
    assert any(path.endswith("delta/index.html") for path in site) and "sitemap.xml" in site
    index = json.loads(site["search/search_index.json"])["docs"]
    assert len(index) > len(pages) and any("\\alpha" in entry["text"] for entry in index)
    with monkeypatch.context() as patch:
        built_in_one_process(patch)
        witness.unlink()
        assert site == clean_build(one_language, capsys)
        assert {line.split()[0] for line in witness.read_text(encoding="utf-8").splitlines()} == {str(os.getpid())}


# `mkdocs build --dirty` builds only the pages it finds changed, and the
# last page, where the build waits for the first pages' process, may be
# none of them: every page it builds is built in its own process.
def test_a_dirty_mkdocs_build_builds_its_pages_in_one_process(one_language, monkeypatch):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    witness = one_language / "built-by"
    pages_built_where(monkeypatch, witness)
    # In a process of its own: MkDocs keeps its plugins for the process's
    # later builds, and Material's search a dirty build's index with them.
    builder = os.fork()
    if builder == 0:
        code = 1
        try:
            config = load_config(str(one_language / "mkdocs.yml"), site_dir=str(one_language / "site"))
            config.plugins.on_startup(command="build", dirty=True)
            try:
                build(config, dirty=True)
            finally:
                config.plugins.on_shutdown()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(builder, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    built = [line.split() for line in witness.read_text(encoding="utf-8").splitlines()]
    assert "delta.md" in [uri for _, uri in built] and {pid for pid, _ in built} == {str(builder)}, built


# A site in one language gets its downloads and the math font from memory:
# only its pages are written for MkDocs to read, and the site is the same.
def test_one_languages_downloads_reach_mkdocs_from_memory_and_only_its_pages_are_written(one_language, capsys,
                                                                                       monkeypatch):
    written, write_files = [], literate.publish.write_files

    def write_and_say(files, folder):
        written.extend(files)
        write_files(files, folder)

    monkeypatch.setattr(literate.publish, "write_files", write_and_say)
    build_project(one_language, capsys)
    assert "alpha.md" in written and all(path.endswith(".md") for path in written), written
    site = snapshot(one_language / "site")
    for download in ("alpha.py", "alpha.ipynb", "alpha.py.txt", "assets/fonts/STIXTwoMath-Regular.ttf"):
        assert site[download], download
    with monkeypatch.context() as patch:
        patch.setattr(literate.plugin.LiteratePlugin, "files_on_disk", lambda plugin, files, config: files)
        assert site == clean_build(one_language, capsys)
    assert any(path.endswith(".ipynb") for path in written)


# What stops the first pages' process stops the build, with its own error,
# or with how the process ended when it could not say; what stops the rest
# of the pages stops the other process. The old site stays.
@pytest.mark.parametrize("failure", ["an error", "an exit", "the other pages"])
def test_a_failure_in_either_process_of_one_languages_pages_stops_the_build_and_the_other(
        failure, one_language, capsys, caplog, monkeypatch):
    build_project(one_language, capsys)
    before = snapshot(one_language / "site")
    parent, post_page = os.getpid(), literate.plugin.LiteratePlugin.on_post_page

    def fail(plugin, output, page, config):
        if output.strip() and os.getpid() != parent and failure == "an error":
            raise literate.read.BuildError("the first pages stopped on purpose")
        if output.strip() and os.getpid() != parent:
            os._exit(3)
        if output.strip() and failure == "the other pages":
            raise literate.read.BuildError("the other pages stopped on purpose")
        return post_page(plugin, output, page, config)

    started = forks_recorded(monkeypatch, "PagesElsewhere")
    monkeypatch.setattr(literate.plugin.LiteratePlugin, "on_post_page", fail)
    write(one_language / "source", "beta.py", lesson("Beta", "Edited."))
    status, _, err = run_build(one_language, capsys)
    assert status == 1 and len(started) == 1
    assert {"an error": "the first pages stopped on purpose",
            "an exit": "the process that built the first pages ended with status 3",
            "the other pages": "the other pages stopped on purpose"}[failure] in err + caplog.text
    assert_stopped_leaving_the_old_site(one_language, started, before)


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
    build_project(project, capsys)
    assert "main.html" in compiles.files and list((project / "cache" / "templates").iterdir())
    compiles.files.clear()
    write(project / "source", "beta.py", lesson("Beta", "An edit, so that MkDocs runs again."))
    build_project(project, capsys)
    assert set(compiles.files) == SEARCH_SETTINGS, compiles.files
    main = templates / "main.html"
    main.write_text(main.read_text(encoding="utf-8").replace(
        '<aside class="md-grid lp-feedback"', '<aside data-edited="yes" class="md-grid lp-feedback"'),
        encoding="utf-8")
    build_project(project, capsys)
    assert [name for name in compiles.files if name not in SEARCH_SETTINGS] == ["main.html"]
    assert 'data-edited="yes"' in (project / "site" / "beta" / "index.html").read_text(encoding="utf-8")
