"""
# The MkDocs plugin: MkDocs only for what MkDocs is for

MkDocs reads each page's commentary; the code column goes around it.

In: MkDocs' events, while it builds the folder of pages. Out: the site
MkDocs would build from those pages, with each page's code column taken
out before Markdown, mkdocs-static-i18n and search read the page, and put
back once search has indexed it; Material's templates kept compiled; and
each language with its own search index.
"""

import json
import re
from pathlib import Path

import jinja2
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority

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


class LiteratePlugin(BasePlugin):
    """Registered by `publish.load_mkdocs_config` on the settings it loads, as `literate`."""

    def __init__(self, cache_dir=None):
        super().__init__()
        self.columns = {}  # id(page) -> the code of its columns, in order, while MkDocs reads the page
        self.templates = template_cache(cache_dir)

    # Events of one priority run in the order the plugins were registered;
    # mkdocs-static-i18n cuts each page into lines at 50.
    @event_priority(100)
    def on_page_markdown(self, markdown, page, config, files):
        columns = self.columns.setdefault(id(page), [])

        def lift(match):
            columns.append(match.group(2))
            return f"{match.group(1)}<!--lp-code-column {len(columns) - 1}-->{match.group(3)}"

        return CODE_COLUMN.sub(lift, markdown)

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

    def on_env(self, env, config, files):
        if self.templates is not None:
            env.bytecode_cache = self.templates
        forget_the_last_pages_languages(config)
        return env

    # mkdocs-static-i18n builds each further language inside its own
    # `on_post_build` (-100), and merges their search entries at its end.
    @event_priority(-200)
    def on_post_build(self, config):
        i18n = config.plugins.get("i18n")
        if i18n is None or not i18n.building:
            split_search_index(config)


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
