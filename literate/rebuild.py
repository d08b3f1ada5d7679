"""
# Rebuild: an edit in a preview, its pages built again

A preview builds the site on every edit; this builds only what the edit changed.

In: the pages of each build of a preview, and the settings of its last
whole build, with the plugin that kept what each language was built with
(its files, navigation and templates). Out: what a preview keeps from one
build for the next (`PreviewSite`); the pages whose bytes an edit changed,
built again into the preview's site, with the search index and the
site's own pages, or False when only a whole build can give the site that
build would make.
"""

import gzip
import logging
import shutil
from pathlib import Path
from urllib.parse import urlsplit

# MkDocs' public API builds whole sites (`mkdocs.commands.build.build`); a
# page is built by the steps its documentation lists as the page events,
# and those steps are public: the plugins' events (`config.plugins.on_*`),
# `Page.read_source` and `Page.render`, the theme's Jinja environment, and
# `get_context`, the context MkDocs gives every template. So a page is
# built again here by those steps, in MkDocs' order, and MkDocs' private
# functions that chain them are not called (`tests/test_layout.py`). What
# is not MkDocs' own is two plugins' state, which no public API offers:
# mkdocs-static-i18n's language being built (`current_language`, put in
# effect by its `on_config`), its merged search entries (`search_entries`,
# written out by `reconfigure_search_index`), and the entries of Material's
# search (`search_index.entries`).
from mkdocs.commands.build import get_context
from mkdocs.exceptions import Abort
from mkdocs.utils import (
    CountHandler, get_build_date, get_build_timestamp, get_relative_url, is_error_template, write_file,
)

from literate.settings import PLUGIN_NAME
from literate.write import write_files
from literate.plugin import forget_the_last_pages_languages, move_into, split_search_index


# ## A preview: only what an edit changed
#
# A preview keeps, between its builds, the pages MkDocs read last and the
# settings it read them with (with the plugins, which keep what each
# language was built with). When an edit leaves the set of pages and
# everything else MkDocs reads as it was, only the pages and files whose
# bytes changed are built again, into the site as it is (`build_pages_again`, below),
# by the plugin of those settings, which takes the new pages' data; the
# site's own pages (404, `sitemap.xml`) too when the build date changed.
# Anything else, or anything that goes wrong on the way,
# is a whole build, whose error is the one reported. In `mkdocs serve`
# the whole builds are MkDocs' own (`whole_build`, its builder): it loads
# the settings as its command line says (`-f`, `--dev-addr`,
# `--no-directory-urls`…), and the plugin keeps what it built.
#
# The preview holds the pages it built last, so it compares them with the
# new ones rather than hashing every file again, as a build must to compare
# with its record.
class PreviewSite:
    """What a preview keeps from its last build, in `folder`, for the next."""

    def __init__(self, folder):
        self.docs_dir = Path(folder) / "pages"
        self.scratch = Path(folder) / "edit"  # where an edit's pages are built, to be moved into the site
        self.files = None  # the pages MkDocs read last, as `run_mkdocs` had them
        self.inputs = None  # all else MkDocs read for the site as it is (`inputs_of`); None until there is one
        self.config = None  # the settings of the last whole build; None until there is one to build on
        self.setup = None
        self.whole_build = None  # in `mkdocs serve`, MkDocs' builder; None: `run_mkdocs` builds

    # What MkDocs reads besides the pages: its setup, and the build date,
    # which it shows as a day (`SOURCE_DATE_EPOCH` moves within one).
    @staticmethod
    def inputs_of(setup):
        return [setup, get_build_date()]

    def holds(self, inputs, files):
        return self.inputs == inputs and self.files == files

    def take_pages(self, config, files):
        shutil.rmtree(self.docs_dir, ignore_errors=True)
        write_files(files, self.docs_dir)
        config["docs_dir"] = str(self.docs_dir)
        self.config = self.inputs = None

    def keep(self, config, setup, files, inputs, site_dir):
        config["site_dir"] = str(site_dir)
        self.config, self.setup, self.files, self.inputs = config, setup, files, inputs

    def build_edit(self, config, setup, files, inputs, site_dir):
        if self.config is None or setup != self.setup or files.keys() != self.files.keys():
            return False
        changed = sorted(path for path in files if files[path] != self.files[path])
        for path in changed:
            (self.docs_dir / path).write_bytes(files[path])
        kept, self.config = self.config, None  # built on only if this succeeds
        kept.plugins[PLUGIN_NAME].pages = config.plugins[PLUGIN_NAME].pages
        dated = self.inputs is None or inputs[-1] != self.inputs[-1]
        try:
            if not build_pages_again(kept, changed, site_dir, self.scratch, dated):
                return False
        except Exception:
            return False
        self.config, self.files, self.inputs = kept, files, inputs
        return True


# ## An edit's pages built again
#
# A preview builds the site on every edit, and an edit changes a page or
# two: the tutorial, its notebook, the test results. MkDocs builds every
# page of both languages, the whole site again. But MkDocs' own
# steps can build just those pages: read each one and convert its Markdown
# (`read_page`), then render it with the navigation, the files and the
# templates of the build before (`write_page`), with every plugin's events
# as a whole build runs them. The site is then the one a whole build would
# make, byte for byte (`tests/test_rebuild.py` compares them), as long
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
# (404, `sitemap.xml` with the build date, which a save moves outside git)
# when the build date (a day: `mkdocs.utils.get_build_date`) is not the one
# they show: they show nothing else an edit that keeps every title changes.
# The search entries of a page built again take the place of its old ones,
# among all the languages' entries that the plugin merges into the index,
# which is then split per language again. Everything is written into
# `scratch`, a folder beside the site, and moved in only when every page is
# built and MkDocs warned of nothing (a preview builds in strict mode too).
# The preview keeps that folder, emptied of files, for its next edit: on a
# busy disk, making and removing the same few folders on every edit took
# as long as building the page in them. A build that fails or gives up
# empties it whole.
def build_pages_again(config, changed, site_dir, scratch, dated=True):
    """Build the files at the paths `changed` (relative to `docs_dir`) again into `site_dir`, through `scratch`.

    `dated`: whether the build date changed since the site's own pages were built.
    """
    plugin, i18n = config.plugins["literate"], config.plugins.get("i18n")
    search = config.plugins.get("material/search") or config.plugins.get("search")
    site_dir, scratch = Path(site_dir), Path(scratch)
    warnings = CountHandler()
    warnings.setLevel(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(warnings)
    edited = {language: [file for file in map(built.files.get_file_from_path, changed) if file is not None]
              for language, built in plugin.built.items()}
    scratch.mkdir(parents=True, exist_ok=True)
    config["site_dir"] = str(scratch)
    moved = False
    try:
        for language, built in plugin.built.items():
            pages = [file for file in edited[language] if file.is_documentation_page()]
            if not pages and language != last_language(plugin):
                continue
            if i18n is not None:
                i18n.current_language = language
                i18n.on_config(config)
            if language == last_language(plugin):
                build_the_sites_own_pages(config, built, plugin, dated)
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
        move_into(scratch, site_dir)
        moved = True
    finally:
        config["site_dir"] = str(site_dir)
        logging.getLogger("mkdocs").removeHandler(warnings)
        for file in (file for files in edited.values() for file in files):
            point_at(file, site_dir)
        if not moved:
            shutil.rmtree(scratch, ignore_errors=True)
    return True


def last_language(plugin):
    return list(plugin.built)[-1]


def build_the_sites_own_pages(config, built, plugin, dated=True):
    built_on = get_build_date()
    for kept in plugin.built.values():
        for file in kept.files.documentation_pages():
            file.page.update_date = built_on  # as MkDocs gives it to each page it makes
    if not dated:
        return
    forget_the_last_pages_languages(config)
    for template in sorted(config.theme.static_templates):
        write_template(template, config, built)


def build_page_again(file, config, built, search, i18n):
    page, title = file.page, file.page.title
    point_at(file, config["site_dir"])
    read_page(page, config, built.files)
    if page.title != title:
        return False
    indexed = search.search_index.entries if search is not None else []
    before = len(indexed)
    write_page(page, config, built)
    fresh = indexed[before:]
    del indexed[before:]
    entries = i18n.search_entries if i18n is not None else indexed

    def on_this_page(entry):
        return entry["location"].split("#")[0] == page.url

    at = next((number for number, entry in enumerate(entries) if on_this_page(entry)), len(entries))
    entries[:] = entries[:at] + fresh + [entry for entry in entries[at:] if not on_this_page(entry)]
    return True


# A page's events, in the order MkDocs' documentation gives them: its
# source read, its Markdown, its HTML; then, with the navigation, the files
# and the templates of the build before, its context, the template
# (`main.html` unless its front matter names another), and the page.
def read_page(page, config, files):
    page = config.plugins.on_pre_page(page, config=config, files=files)
    page.read_source(config)
    page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
    page.render(config, files)
    page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)


def write_page(page, config, built):
    page.active = True  # the navigation shows it as the page being read
    try:
        context = get_context(built.nav, built.files.documentation_pages(), config, page)
        template = built.env.get_template(page.meta.get("template", "main.html"))
        context = config.plugins.on_page_context(context, page=page, config=config, nav=built.nav)
        output = config.plugins.on_post_page(template.render(context), page=page, config=config)
    finally:
        page.active = False
    write_file(output.encode("utf-8", errors="xmlcharrefreplace"), page.file.abs_dest_path)


# The theme's own pages (`404.html`, `sitemap.xml`) with their events. An
# error page links from the root of the site, where any missing address
# may show it; `sitemap.xml` goes out gzipped too, dated as its newest
# page.
def write_template(name, config, built):
    template = config.plugins.on_pre_template(built.env.get_template(name), template_name=name, config=config)
    base_url = urlsplit(config.site_url or "/").path if is_error_template(name) else get_relative_url(".", name)
    context = get_context(built.nav, built.files, config, base_url=base_url)
    context = config.plugins.on_template_context(context, template_name=name, config=config)
    output = config.plugins.on_post_template(template.render(context), template_name=name, config=config)
    if not output.strip():
        return
    path = Path(config["site_dir"]) / name
    write_file(output.encode("utf-8"), str(path))
    if name == "sitemap.xml":
        stamp = get_build_timestamp(pages=[file.page for file in built.files.documentation_pages()])
        with open(f"{path}.gz", "wb") as packed, gzip.GzipFile(f"{path}.gz", "wb", fileobj=packed,
                                                                mtime=stamp) as writer:
            writer.write(output.encode("utf-8"))


# MkDocs computes a file's destination once, from the site folder of the
# build that made the file.
def point_at(file, site_dir):
    file.dest_dir = str(site_dir)
    file.abs_dest_path = str(Path(site_dir) / file.dest_uri)  # writable since MkDocs 1.6
