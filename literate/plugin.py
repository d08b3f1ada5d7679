"""
# The MkDocs plugin: MkDocs only for what MkDocs is for

MkDocs reads each page's commentary; the code column goes around it.

In: MkDocs' events, while it builds the folder of pages. Out: the site
MkDocs would build from those pages, with each page's code column taken
out before Markdown, mkdocs-static-i18n and search read the page, and put
back once search has indexed it; Material's templates kept compiled; each
language with its own search index; and, for a preview, the few pages an
edit changed built again into the site of the last build.
"""

import html
import json
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import NamedTuple

import jinja2
from mkdocs.commands.build import _build_page, _build_theme_template, _populate_page
from mkdocs.exceptions import Abort, PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.utils import CountHandler, get_build_date

from literate.read import write_if_changed
from literate.site import site_languages


# The code column is most of a page's bytes (88% on the standard library's
# modules), and three HTML parsers would each read all of it: Python-
# Markdown's raw-HTML preprocessor, MkDocs' collector of anchors and
# Material's search, which then leaves it out of the index
# (`data-search-exclude`). None of them has anything to do with it: it
# holds no link, no anchor and no Markdown, only the escaped source as
# `render.section_html` wrote it. So each column's code goes out of the
# page before the first of them runs, a marker in its place, and comes back
# after the last of them.
#
# The page's code was escaped when it was rendered, so no `<` of the source
# can start a marker or end the column early. A marker that does not come
# back once (some plugin dropped or copied it) stops the build: no line of
# code may vanish from a page.
CODE_COLUMN = re.compile(
    r'(<div class="lp-code" data-search-exclude>)(<div class="highlight"><pre><code>.*?</code></pre></div>)(</div>)',
    re.S)
MARKER = re.compile(r"<!--lp-code-column (\d+)-->")

# The rest of a tutorial's page is HTML too, which Markdown passes through
# unchanged (but for the blank lines around it), after two more parsers
# have read it: Python-Markdown's, to find where the HTML ends, and
# MkDocs', to collect the anchors that links may point to. So the whole
# page goes around Markdown, a marker in its place, and comes back as the
# HTML Markdown would have made of it, with its anchors: the `id` of any
# element and the `name` of a link, as MkDocs collects them. Every
# attribute of the page is quoted with `"`: `render` writes them so, and
# the sanitizer writes the commentary's so. What another plugin adds to
# the Markdown around the marker is Markdown's, as before; a marker that
# does not come back once stops the build.
PAGE_BODY = '<div class="lp-page" '
BODY_MARKER = "<!--lp-page-body-->"
START_TAG = re.compile(r'<([a-zA-Z][^\s/>]*)((?:\s+[^\s/>="]+(?:="[^"]*")?)*)\s*/?>')
ATTRIBUTE = re.compile(r'([^\s/>="]+)(?:="([^"]*)")?')


class LiteratePlugin(BasePlugin):
    """Registered by `publish.load_mkdocs_config` on the settings it loads, as `literate`."""

    def __init__(self, cache_dir=None):
        super().__init__()
        self.columns = {}  # id(page) -> the code of its columns, in order, while MkDocs reads the page
        self.bodies = {}  # id(page) -> its HTML, while Markdown reads the marker in its place
        self.templates = template_cache(cache_dir)
        self.built = {}  # language -> its LanguageBuild, in the order MkDocs built them

    # Events of one priority run in the order the plugins were registered;
    # mkdocs-static-i18n cuts each page into lines at 50.
    @event_priority(100)
    def on_page_markdown(self, markdown, page, config, files):
        columns = self.columns.setdefault(id(page), [])

        def lift(match):
            columns.append(match.group(2))
            return f"{match.group(1)}<!--lp-code-column {len(columns) - 1}-->{match.group(3)}"

        markdown = CODE_COLUMN.sub(lift, markdown)
        if markdown.lstrip("\n").startswith(PAGE_BODY):
            self.bodies[id(page)] = markdown.strip("\n")
            return BODY_MARKER
        return markdown

    # Before any other plugin sees the page's HTML, Material's search first.
    @event_priority(100)
    def on_page_content(self, content, page, config, files):
        body = self.bodies.pop(id(page), None)
        if body is None:
            return content
        if content.count(BODY_MARKER) != 1:
            raise PluginError(f"{page.file.src_uri}: the page's HTML went out of it, "
                              f"and came back {content.count(BODY_MARKER)} times")
        page.present_anchor_ids = (page.present_anchor_ids or set()) | anchors(body)
        return content.replace(BODY_MARKER, body)

    # Material's search indexes the page at 0 and the template reads the
    # page after this event: in between, the code goes back. The code is
    # put back by a function, not a replacement string, which would read
    # the code's backslashes as escapes.
    @event_priority(-100)
    def on_page_context(self, context, page, config, nav):
        columns = self.columns.pop(id(page), [])
        found = [int(number) for number in MARKER.findall(page.content or "")]
        if found != list(range(len(columns))):
            raise PluginError(f"{page.file.src_uri}: {len(columns)} code columns went out of the page, "
                              f"and markers {found} came back")
        page.content = MARKER.sub(lambda match: columns[int(match.group(1))], page.content)
        return context

    # The objects each language was built with are kept, for a preview to
    # build its edited pages again (see the end of this page). The
    # navigation is the one mkdocs-static-i18n made (at -100) for the
    # language being built.
    @event_priority(-200)
    def on_nav(self, nav, config, files):
        self.built[building_language(config)] = LanguageBuild(files, nav, None)
        return nav

    def on_env(self, env, config, files):
        if self.templates is not None:
            env.bytecode_cache = self.templates
        language = building_language(config)
        self.built[language] = self.built[language]._replace(env=env)
        forget_the_last_pages_languages(config)
        return env

    # mkdocs-static-i18n builds each further language inside its own
    # `on_post_build` (-100), and merges their search entries at its end.
    @event_priority(-200)
    def on_post_build(self, config):
        i18n = config.plugins.get("i18n")
        if i18n is None or not i18n.building:
            split_search_index(config)


def anchors(body):
    found = set()
    for tag in START_TAG.finditer(body):
        for name, value in ATTRIBUTE.findall(tag.group(2)):
            if name == "id" or (name == "name" and tag.group(1) == "a"):
                found.add(html.unescape(value))
    return found


# mkdocs-static-i18n points each page's language selector at the page's
# translations by setting `config.extra.alternate` as an attribute, which
# templates read before the setting of that name, and leaves it set. The
# site's own templates, built after the pages of a language, would link to
# the translations of the last page built (the 404 page offered
# `/tensors/broadcasting/` as its English version): before them, the
# selector goes back to the home pages of `mkdocs.yml`.
def forget_the_last_pages_languages(config):
    vars(config.extra).pop("alternate", None)


# Jinja compiles Material's templates, some ninety of them, on every build
# and again for every language. Jinja's own bytecode cache
# (`.cache/templates/`) keeps them compiled. It checks each template's
# source, so an edited template is compiled again.
def template_cache(cache_dir):
    if cache_dir is None:
        return None
    folder = Path(cache_dir) / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # builds are slower, not wrong
    return jinja2.FileSystemBytecodeCache(str(folder))


# Material's scripts load the search index from `search/` under the base of
# the site, and mkdocs-static-i18n fills that one index with every
# language. Readers search in their own language, so the index is split:
# each language's entries go to the `search/` folder of its own tree, with
# their addresses made relative to it, and `main.html` makes that tree the
# base of its pages, where Material looks for the index. Both halves keep
# the settings of `mkdocs.yml`.
def split_search_index(config):
    site_dir = Path(config["site_dir"])
    index_file = site_dir / "search" / "search_index.json"
    if not index_file.exists():
        return
    index = json.loads(index_file.read_text(encoding="utf-8"))
    languages = site_languages(config)
    subtrees = tuple(language.folder for language in languages if language.folder)
    for language in languages:
        if language.folder:
            docs = [dict(entry, location=entry["location"][len(language.folder):])
                    for entry in index["docs"] if entry["location"].startswith(language.folder)]
        else:
            docs = [entry for entry in index["docs"] if not entry["location"].startswith(subtrees)]
        write_if_changed(site_dir / language.folder / "search" / "search_index.json",
                         json.dumps(dict(index, docs=docs), separators=(",", ":")))


# ## An edit in a preview: its pages built again
#
# A preview builds the site on every edit, and an edit changes a page or
# two: the tutorial, its notebook, the test results. MkDocs builds every
# page of both languages, about two seconds on our site. But MkDocs' own
# steps can build just those pages: read each one and convert its Markdown
# (`_populate_page`), then render it with the navigation, the files and the
# templates of the build before (`_build_page`), with every plugin's events
# as a whole build runs them. The site is then the one a whole build would
# make, byte for byte (`tests/test_fast_builds.py` compares them), as long
# as nothing an edit changes is read by other pages:
#
# - the settings, the templates and the set of files are the same: a page
#   added or removed changes the navigation of every page (the caller
#   checks these);
# - each page keeps its title, which the navigation, the previous and next
#   links and the search entries of other pages show. A changed title is
#   found only once the page is read: this returns False, for a whole build.
#
# Each language is built as mkdocs-static-i18n builds it, its settings put
# back by its `on_config`; the last one also builds the site's own pages
# (404, `sitemap.xml` with the build date, which a save moves outside git).
# The search entries of a page built again take the place of its old ones,
# among all the languages' entries that the plugin merges into the index,
# which is then split per language again. Everything is written beside the
# site and moved in only when every page is built and MkDocs warned of
# nothing (a preview builds in strict mode too).
class LanguageBuild(NamedTuple):
    files: object
    nav: object
    env: object


def building_language(config):
    i18n = config.plugins.get("i18n")
    return i18n.current_language if i18n is not None else None


def build_pages_again(config, changed, site_dir):
    """Build the files at the paths `changed` (relative to `docs_dir`) again into `site_dir`."""
    plugin, i18n = config.plugins["literate"], config.plugins.get("i18n")
    search = config.plugins.get("material/search") or config.plugins.get("search")
    site_dir = Path(site_dir)
    warnings = CountHandler()
    warnings.setLevel(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(warnings)
    edited = {language: [file for file in map(built.files.get_file_from_path, changed) if file is not None]
              for language, built in plugin.built.items()}
    with tempfile.TemporaryDirectory(prefix=".edit-", dir=site_dir.parent) as scratch:
        config["site_dir"] = scratch
        try:
            for language, built in plugin.built.items():
                pages = [file for file in edited[language] if file.is_documentation_page()]
                if not pages and language != last_language(plugin):
                    continue
                if i18n is not None:
                    i18n.current_language = language
                    i18n.on_config(config)
                if language == last_language(plugin):
                    build_the_sites_own_pages(config, built, plugin)
                for file in pages:
                    if not build_page_again(file, config, built, search, i18n):
                        return False
                for file in built.files.documentation_pages():
                    file.page.validate_anchor_links(files=built.files, log_level=config.validation.links.anchors)
            for file in (file for files in edited.values() for file in files):
                if not file.is_documentation_page():
                    point_at(file, scratch)
                    file.copy_file()
            if warnings.get_counts():
                raise Abort(f"Aborted with {len(warnings.counts)} warnings in strict mode!")
            if i18n is not None:
                i18n.reconfigure_search_index(config)
            elif search is not None:
                search.on_post_build(config=config)
            split_search_index(config)
            move_into(Path(scratch), site_dir)
        finally:
            config["site_dir"] = str(site_dir)
            logging.getLogger("mkdocs").removeHandler(warnings)
            for file in (file for files in edited.values() for file in files):
                point_at(file, site_dir)
    return True


def last_language(plugin):
    return list(plugin.built)[-1]


def build_the_sites_own_pages(config, built, plugin):
    built_on = get_build_date()
    for kept in plugin.built.values():
        for file in kept.files.documentation_pages():
            file.page.update_date = built_on  # as MkDocs gives it to each page it makes
    forget_the_last_pages_languages(config)
    for template in config.theme.static_templates:
        _build_theme_template(template, built.env, built.files, config, built.nav)


def build_page_again(file, config, built, search, i18n):
    page, title = file.page, file.page.title
    point_at(file, config["site_dir"])
    _populate_page(page, config, built.files)
    if page.title != title:
        return False
    indexed = search.search_index.entries if search is not None else []
    before = len(indexed)
    _build_page(page, config, built.files.documentation_pages(), built.nav, built.env)
    fresh = indexed[before:]
    del indexed[before:]
    entries = i18n.search_entries if i18n is not None else indexed

    def on_this_page(entry):
        return entry["location"].split("#")[0] == page.url

    at = next((number for number, entry in enumerate(entries) if on_this_page(entry)), len(entries))
    entries[:] = entries[:at] + fresh + [entry for entry in entries[at:] if not on_this_page(entry)]
    return True


# MkDocs computes a file's destination once, from the site folder of the
# build that made the file.
def point_at(file, site_dir):
    file.dest_dir = str(site_dir)
    file.__dict__.pop("abs_dest_path", None)


def move_into(scratch, site_dir):
    for path in sorted(scratch.rglob("*")):
        if path.is_file():
            target = site_dir / path.relative_to(scratch)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
