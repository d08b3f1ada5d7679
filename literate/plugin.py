"""
# The MkDocs plugin: MkDocs only for what MkDocs is for

A tutorial's page reaches the plugin as data; Markdown and search read
only what they are for.

In: MkDocs' events, while it builds the folder of pages, and each
tutorial's page as data (from `write`). Out: the site MkDocs would build
from those pages, with each tutorial's HTML put in after Markdown and
mkdocs-static-i18n have read the page, its anchors for MkDocs to check
links against, a lighter copy of its HTML for Material's search to index,
and its code columns put back once search has indexed it;
Material's templates kept compiled; the languages after the first built
by a process of their own, meanwhile, and a site in one language's first
pages by a process of their own beside the rest; each language with its
own search index; and what each language was built with, for a preview
to build the pages an edit changed again (`rebuild`).
"""

import ctypes
import html
import json
import logging
import os
import pickle
import re
import shutil
import signal
import sys
from pathlib import Path
from typing import NamedTuple

import jinja2
from mkdocs.commands.build import build
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, InclusionLevel
from mkdocs.utils import is_markdown_file

from literate.read import write_if_changed
from literate.settings import LiterateConfig
from literate.site import site_languages, words
from literate.tex import MATHML_TAGS


# The code column is most of a page's bytes (88% on the standard library's
# modules), and three HTML parsers would each read all of it: Python-
# Markdown's raw-HTML preprocessor, MkDocs' collector of anchors and
# Material's search, which then leaves it out of the index
# (`data-search-exclude`). None of them has anything to do with it: it
# holds no link, no anchor and no Markdown, only the escaped source as
# `render` wrote it. The rest of a tutorial's page is HTML too, which
# Markdown passes through unchanged (but for the blank lines around it),
# after two of those parsers have read it.
#
# So the plugin takes each tutorial's page as data (`write.PageData`, under
# its path in MkDocs' folder): its HTML, its code columns apart, and the
# anchors links may point to, which `render` collected. Markdown gets a
# marker in place of the page, and the page's HTML comes back in its
# place, with its anchors, before any other plugin sees the HTML; each
# code column comes back after search has read the page. What another
# plugin adds to the Markdown around the marker is Markdown's. The page's
# code was escaped when it was rendered, so no source can write a marker;
# a marker that does not come back once (some plugin dropped or copied
# it) stops the build: no line of code may vanish from a page.
BODY_MARKER = "<!--lp-page-body-->"
COLUMN_MARKER = "<!--lp-code-column-->"


THEME = Path(__file__).parent / "theme"
STYLESHEET = "assets/literate.css"


class LiteratePlugin(BasePlugin[LiterateConfig]):
    """What the plugin `literate` does while MkDocs builds the pages (see "The plugin as MkDocs loads it")."""

    def __init__(self):
        super().__init__()
        self.pages = {}  # path in MkDocs' folder -> the tutorial's page there, as `write.PageData`
        self.templates = None
        self.source_dir = None  # the folder the pages are made from
        self.built = {}  # language -> its LanguageBuild, in the order MkDocs built them
        self.processes = False
        self.dirty = False  # `mkdocs build --dirty`, which builds only the pages it finds changed
        self.other_languages = None  # the OtherLanguages being built beside the first language
        self.elsewhere = None  # the PagesElsewhere: the first pages, built beside the rest
        self.in_memory = {}  # path in MkDocs' folder -> bytes, of the files MkDocs gets from memory
        self.lightened = {}  # path in MkDocs' folder -> what its page's copy for search left out, while search reads it

    # The templates' cache, and whether the languages after the first are
    # built in a process of their own, are the build's to choose, not
    # `mkdocs.yml`'s.
    def prepare(self, cache_dir, processes):
        self.templates = template_cache(cache_dir)
        self.processes = processes and hasattr(os, "fork") and (os.cpu_count() or 1) > 1

    # MkDocs' folder goes to disk for MkDocs to read it, and most of its
    # files are downloads (a tutorial's source, notebook and literate text)
    # and the math font, which MkDocs only copies into the site. Creating a
    # file costs more than writing its bytes: the plugin gives MkDocs those
    # from memory (`File.generated`, at `on_files`), and only the pages are
    # written. Not with mkdocs-static-i18n, which makes each language's
    # files anew from the folder's; a preview, which keeps its folder
    # between builds (see "Rebuild"), writes them all.
    def files_on_disk(self, files, config):
        """Of MkDocs' folder (`files`, {path: bytes}), what must be written; MkDocs gets the rest from the plugin."""
        if config.plugins.get("i18n") is not None:
            return files
        self.in_memory = {path: data for path, data in files.items() if not is_markdown_file(path)}
        return {path: data for path, data in files.items() if is_markdown_file(path)}

    def on_files(self, files, config):
        self.in_memory, in_memory = {}, self.in_memory
        for path, data in in_memory.items():
            files.append(File.generated(config, path, content=data))
        return files

    # The pages need the package's templates (`theme/literate.html` extends
    # Material's blocks) and its stylesheet. They come after the site's own
    # `custom_dir` and before Material's; the stylesheet comes before the
    # site's own, so that what a site adds can override both.
    @event_priority(100)
    def on_config(self, config):
        if str(THEME) not in config.theme.dirs:
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME))
        if STYLESHEET not in config.extra_css:
            config.extra_css.insert(0, STYLESHEET)
        i18n = config.plugins.get("i18n")
        if i18n is None or not i18n.building:
            # MkDocs keeps this object for every build in the process (it has
            # `on_startup`): a build's languages are its own, not the last one's.
            self.built = {}
        if i18n is not None:
            i18n.reconfigure_search_duplicates = keep_every_search_entry
        return config

    # Events of one priority run in the order the plugins were registered;
    # mkdocs-static-i18n cuts each page into lines at 50. The Markdown
    # MkDocs read is the page as `write` wrote it, or data and page differ:
    # a plugin before this one changed the page, or the data is not this
    # build's.
    @event_priority(100)
    def on_page_markdown(self, markdown, page, config, files):
        data = self.pages.get(page.file.src_uri)
        if data is None:
            return markdown
        if not data.is_the_text_of(markdown):
            raise PluginError(f"{page.file.src_uri}: the page's Markdown is not the one the generator wrote; "
                              "a plugin that changes pages runs after `literate`")
        return BODY_MARKER

    # Before any other plugin sees the page's HTML, Material's search first.
    @event_priority(100)
    def on_page_content(self, content, page, config, files):
        data = self.pages.get(page.file.src_uri)
        if data is None:
            return content
        if content.count(BODY_MARKER) != 1:
            raise PluginError(f"{page.file.src_uri}: the page's HTML went out of it, "
                              f"and came back {content.count(BODY_MARKER)} times")
        page.present_anchor_ids = (page.present_anchor_ids or set()) | data.anchors
        return content.replace(BODY_MARKER, COLUMN_MARKER.join(data.html))

    # Material's search indexes the page at 0 (see "What search reads",
    # below): just before, it gets the page's lighter copy, and just after,
    # the page as it was, with whatever search and the plugins of its
    # priority did outside what the copy lightened. A page whose HTML some
    # plugin changed since `on_page_content`, or that holds the copy's
    # marker already, is indexed as it is.
    @event_priority(1)
    def _lighter_for_search(self, context, page, config, nav):
        data = self.pages.get(page.file.src_uri)
        search = config.plugins.get("material/search")
        if data is None or self.built_elsewhere(page) or search is None or not search.config.enabled or SEARCH_MARKER in page.content:
            return context
        whole = COLUMN_MARKER.join(data.html)
        at = page.content.find(whole)
        if at < 0:
            return context
        lighter, self.lightened[page.file.src_uri] = for_search(whole)
        page.content = page.content[:at] + lighter + page.content[at + len(whole):]
        return context

    @event_priority(-1)
    def _whole_after_search(self, context, page, config, nav):
        regions = self.lightened.pop(page.file.src_uri, None)
        if regions is None:
            return context
        parts = page.content.split(SEARCH_MARKER)
        if len(parts) != 2 * len(regions) + 1:
            raise PluginError(f"{page.file.src_uri}: {2 * len(regions)} marks of what search read lighter "
                              f"went out of the page, and {len(parts) - 1} came back")
        parts[1::2] = regions
        page.content = "".join(parts)
        return context

    # The template reads the page after this event, and after search: the
    # code goes back.
    #
    # The footer's "Next" of the course's last page would lead out of the
    # course, to the site's own pages ("about" in their front matter): the
    # course ends there.
    @event_priority(-100)
    def _code_columns_back(self, context, page, config, nav):
        if self.built_elsewhere(page):
            return context
        following = page.next_page
        if following is not None and following.meta.get("about") and not page.meta.get("about"):
            page.next_page = None
        data = self.pages.get(page.file.src_uri)
        if data is None:
            return context
        parts = page.content.split(COLUMN_MARKER)
        if len(parts) != len(data.columns) + 1:
            raise PluginError(f"{page.file.src_uri}: {len(data.columns)} code columns went out of the page, "
                              f"and {len(parts) - 1} came back")
        page.content = "".join(piece for pair in zip(parts, data.columns + ("",)) for piece in pair)
        return context

    # First of every plugin's, and last (see "The pages on both cores").
    @event_priority(200)
    def _where_built(self, context, page, config, nav):
        if self.elsewhere is not None:
            self.elsewhere.reached(page)
        return context

    @event_priority(-300)
    def _built_elsewhere_meta_back(self, context, page, config, nav):
        if self.elsewhere is not None:
            self.elsewhere.meta_back(page)
        return context

    on_page_context = CombinedEvent(_where_built, _lighter_for_search, _whole_after_search, _code_columns_back,
                                    _built_elsewhere_meta_back)

    def built_elsewhere(self, page):
        return self.elsewhere is not None and self.elsewhere.builds_not(page)

    # Before the last page is written, the other process's pages are.
    def on_post_page(self, output, page, config):
        if self.elsewhere is not None and self.elsewhere.is_last(page):
            self.elsewhere, elsewhere = None, self.elsewhere
            elsewhere.join(config)
        return output

    # The objects each language was built with are kept, for a preview to
    # build its edited pages again (see the next page). The navigation is
    # the one mkdocs-static-i18n made (at -100) for the language being built.
    @event_priority(-200)
    def on_nav(self, nav, config, files):
        self.built[building_language(config)] = LanguageBuild(files, nav, None)
        return nav

    # Last of every plugin's `on_env`: the other languages start from the
    # state the first one's pages are built in (see the end of this page).
    @event_priority(-300)
    def on_env(self, env, config, files):
        if self.templates is not None:
            env.bytecode_cache = self.templates
        # The theme's words in the page's language: `lp_words(locale)`.
        env.globals["lp_words"] = words
        language = building_language(config)
        self.built[language] = self.built[language]._replace(env=env)
        forget_the_last_pages_languages(config)
        i18n = config.plugins.get("i18n")
        if self.processes and i18n is not None and not i18n.building and len(i18n.build_languages) > 1:
            self.other_languages = OtherLanguages(config, i18n)
        elif self.processes and not self.dirty and set(config.plugins) <= SHAREABLE_PLUGINS:
            pages = [file.page for file in files.documentation_pages(inclusion=InclusionLevel.is_included)]
            if len(pages) > 1:
                self.elsewhere = PagesElsewhere(config, files, pages)
        return env

    # mkdocs-static-i18n builds each further language inside its own
    # `on_post_build` (-100), and merges their search entries at its end.
    @event_priority(-200)
    def on_post_build(self, config):
        i18n = config.plugins.get("i18n")
        if self.other_languages is not None:
            self.other_languages, other_languages = None, self.other_languages
            other_languages.join(config, i18n)
        if i18n is None or not i18n.building:
            split_search_index(config)

    def on_build_error(self, error):
        if self.other_languages is not None:
            self.other_languages, other_languages = None, self.other_languages
            other_languages.stop()
        if self.elsewhere is not None:
            self.elsewhere, elsewhere = None, self.elsewhere
            elsewhere.failed(error)

    # Every language's build renders the 404 page at the root of the site,
    # where the last would overwrite the others. A language after the first
    # keeps its own in its tree (`zh/404.html`), in its words; MkDocs writes
    # no file for a template that renders empty.
    def on_post_template(self, output, template_name, config):
        folder = next((language.folder for language in site_languages(config)
                       if language.locale == building_language(config)), "")
        if template_name != "404.html" or not folder:
            return output
        write_if_changed(Path(config["site_dir"]) / folder / template_name, output)
        return ""


# ## What search reads
#
# Material's search reads a page's HTML with an HTML parser, tag by tag,
# and keeps of it the text under each heading, with a few tags (`p`,
# `code`, `pre`, lists, `sub`, `sup`). With the code columns out, most
# tags left on a tutorial's page are its formulas' MathML (a dozen for
# `x_{i+1}`), then each section's opening and its code column. Search gets
# a copy of the page where those are lighter:
#
# - a formula is the text of its MathML and of its TeX annotation;
# - a section's opening keeps its two `div`s, bare, and its link's `¶`;
# - a code column, which search skips, goes.
#
# What goes holds no heading and no tag search keeps, and closes every tag
# it opens (an opening keeps its `div`s): so it starts no section and ends
# none (search ends one at a closing tag shallower than the section's
# heading, and every tag that goes is deeper than what came before it),
# and what follows is at the depth it was. Search reads text in pieces, cut at each tag, and joins
# them; it turns a piece of white space alone (`&nbsp;`) into one space,
# and drops it after another space. So a formula's text stays cut where it
# was around such pieces (`<!---->`, a comment, cuts a piece as a tag
# does), and each lightened part is marked off by `SEARCH_MARKER`s, which
# cut it from the text around it and find it again afterwards. The index
# is the one the whole page gives, byte for byte (`tests/test_plugin.py`).
#
# A formula holds only `tex.MATHML_TAGS` (the sanitizer's MathML); one
# that holds another tag stays whole. The parts are found in HTML as the
# sanitizer and `render` write it: attributes in double quotes, `<` and
# `>` escaped in text and in attributes' values.
SEARCH_MARKER = "<!--lp-search-->"
QUOTED = r'[^>"]*(?:"[^"]*"[^>"]*)*'
MATHML = "|".join(sorted(MATHML_TAGS))
# A run of text and tags is read the one way it can be, and never read
# again: `(?=(?P<run>...))(?P=run)` takes it whole, as Python 3.11's
# possessive `*+` would, where a failed match would otherwise try every
# way of cutting it.
LIGHTENED = re.compile(
    # What comes before the next part to lighten, read a tag at a time: no
    # attribute's value is mistaken for one.
    rf'(?=(?P<before>(?:[^<]+|<(?!math\b|div class="lp-(?:section|code)"){QUOTED}>)*))(?P=before)(?:'
    rf'(?P<formula><math\b{QUOTED}>(?=(?P<inside>(?:[^<]+|<(?!/math>)/?(?:{MATHML})(?=[\s>]){QUOTED}>)*))'
    r'(?P=inside)</math>)'
    r'|(?P<opening><div class="lp-section" id="[^"]*">\n<div class="lp-docs">'
    r'<a class="lp-anchor" href="[^"]*" title="[^"]*">¶</a>)'
    rf'|(?P<column><div class="lp-code" data-search-exclude>(?:{re.escape(COLUMN_MARKER)})?</div>)'
    rf'|<{QUOTED}>|<|\Z)')  # or a tag that starts like one of them, and is not; or a stray `<`
TAG = re.compile(rf'<{QUOTED}>')
LIGHT = {"opening": "<div>\n<div>¶", "column": ""}


def for_search(whole):
    """The copy of a tutorial's HTML that search reads, and the parts of the page it lightened, in order."""
    regions = []

    def lighten(match):
        if match.lastgroup == "before":
            return match[0]
        regions.append(match[match.lastgroup])
        text = formula_text(match["formula"]) if match.lastgroup == "formula" else LIGHT[match.lastgroup]
        return match["before"] + SEARCH_MARKER + text + SEARCH_MARKER

    return LIGHTENED.sub(lighten, whole), tuple(regions)


def formula_text(formula):
    pieces, text = [], ""
    for piece in TAG.split(formula):
        if piece and html.unescape(piece).isspace():
            pieces += [text, piece] if text else [piece]
            text = ""
        else:
            text += piece
    return "<!---->".join(pieces + [text] if text else pieces)


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


# Material's search cuts Chinese into words with jieba, and loads jieba's
# dictionary in its `on_config` (most of a second), when MkDocs starts and
# one core of two idles. jieba loads it once a process, at its first use or
# at `jieba.initialize()`: the build calls that while the workers render
# the pages (see "Pages"), and the plugin finds the dictionary loaded. Not
# when the settings name a main dictionary of their own (`jieba_dict`),
# which the plugin would load anew; nor for a site with no Chinese to cut,
# where nothing loads it (no user dictionary, `jieba_dict_user`, to add):
# none of its languages is Chinese and none of its sources (`texts`, as
# read) holds a Han character. Should one turn up elsewhere, jieba loads
# the dictionary then.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def load_search_dictionary(config, texts):
    search = config.plugins.get("material/search")
    if search is None or search.config.jieba_dict:
        return
    chinese = any(language.locale.startswith("zh") for language in site_languages(config))
    if not (chinese or search.config.jieba_dict_user
            or any(HAN.search(read.code) for read in texts.values() if not isinstance(read, Exception))):
        return
    try:
        import jieba
    except ImportError:
        return
    jieba.initialize()


# mkdocs-static-i18n takes a translation's search entry away when an entry
# of the first language has its title, its text and the end of its
# address, to keep one index free of the same page twice. Every address
# ends with the home page's, which is empty: the translated home page, its
# title the site's name and all its text in its sections, lost its entry,
# and Material showed its sections under ".../undefined". Each language
# has an index of its own here, so no entry is another's duplicate.
def keep_every_search_entry(entries):
    pass


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


# The objects each language was built with, which a preview builds its
# edited pages again with (see the next page).
class LanguageBuild(NamedTuple):
    files: object
    nav: object
    env: object


def building_language(config):
    i18n = config.plugins.get("i18n")
    return i18n.current_language if i18n is not None else None


# ## The other languages, in a process of their own
#
# mkdocs-static-i18n builds the default language, then each other language
# inside its `on_post_build`, one after the other, in one process, while
# the second core idles. So once the first language's pages are read, a
# forked process builds the other languages as the i18n plugin would,
# into a folder of its own inside the new site, while the first language's
# pages are built. At `on_post_build` (once
# the i18n plugin has kept the first language's search entries, and found
# itself marked as building, so that it builds no language again) the
# other languages' files join the site, where their build would have
# written them over the first's, and their search entries join the first's,
# which the i18n plugin merges into one index as after its own builds. The
# site is the one a single process builds, byte for byte
# (`tests/test_plugin.py`). A failure in either process fails the
# build with its own error; the process is stopped with the build, and
# with this program if it is killed (`PR_SET_PDEATHSIG`).
#
# A preview builds its languages in one process: it keeps each language's
# objects for its edits, and it runs other threads, whose locks a fork
# would copy (the reason `pages` renders a preview's pages itself).
class OtherLanguages:
    """The languages after the first, built by a forked process into `site_dir/.other-languages/`."""

    def __init__(self, config, i18n):
        self.folder = Path(config["site_dir"]) / ".other-languages"
        self.folder.mkdir(parents=True)
        languages = [language for language in i18n.build_languages if language != i18n.current_language]
        self.pid = os.fork()
        if self.pid == 0:
            build_in_this_process(config, i18n, languages, self.folder)
        i18n.building = True

    def join(self, config, i18n):
        _, status = os.waitpid(self.pid, 0)
        try:
            said = (self.folder / "outcome.pickle").read_bytes()
        except OSError:
            said = b""
        outcome, value = outcome_of(said, status, "the other languages")
        i18n.building = False
        if outcome == "error":
            shutil.rmtree(self.folder, ignore_errors=True)
            raise value
        move_into(self.folder / "site", Path(config["site_dir"]))
        shutil.rmtree(self.folder)
        i18n.search_entries.extend(value)
        i18n.reconfigure_search_index(config)

    def stop(self):
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        shutil.rmtree(self.folder, ignore_errors=True)


def build_in_this_process(config, i18n, languages, folder):
    code = 0
    try:
        die_with_this_program()
        config["site_dir"] = str(folder / "site")
        i18n.building = True
        for language in languages:
            i18n.current_language = language
            build(config)
        outcome = pickle.dumps(("built", i18n.search_entries))
    except BaseException as error:
        code = 1
        outcome = pickled_error(error)
    exit_after(lambda: (folder / "outcome.pickle").write_bytes(outcome), code)


# A forked builder dies with this program, says how its build ended as a
# pickled ("built", what it made) or ("error", the exception), and leaves
# without running what the program it was forked from would run at its
# exit. An exception that cannot be pickled goes as its type and text.
def die_with_this_program():
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def pickled_error(error):
    try:
        return pickle.dumps(("error", error))
    except Exception:
        return pickle.dumps(("error", PluginError(f"{type(error).__name__}: {error}")))


def exit_after(say, code):
    try:
        say()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def outcome_of(said, status, what):
    """What a forked builder said (`said`, the bytes), or, when it could not say, how it ended (`status`)."""
    try:
        return pickle.loads(said)
    except (pickle.UnpicklingError, EOFError):
        return "error", PluginError(f"the process that built {what} ended with status "
                                    f"{os.waitstatus_to_exitcode(status)}")


def move_into(folder, site_dir):
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            target = site_dir / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)


# ## The pages on both cores
#
# A site in one language is built by MkDocs in one process: once every
# page is read, it renders each page's template (most of it the
# navigation, the same on every page) and search reads the page, one page
# after another, while the second core idles (the pages' own rendering is
# over by then, see "Pages"). So at `on_env`, with every page read, a
# forked process builds the first pages, a little more than half the
# work, as MkDocs would, into the same site folder, and leaves at the
# first page of the rest; this process copies the static files, renders
# the site's own templates and builds the rest. Here the first pages get an empty
# template (`lp-elsewhere.html`), for which MkDocs writes no file, and no
# search entry; their settings come back once search has read them. Before
# the last page is written, search gets the other process's entries
# before this one's: the index is the one a single process makes, byte for
# byte, and so is every page (`tests/test_plugin.py`). A failure in either
# process fails the build with its own error; the other process is stopped
# with the build, and with this program if it is killed, or leaves on
# Ctrl-C without a word.
#
# Only with plugins that keep nothing of a page but search's entries:
# another plugin's `on_page_context` or `on_post_page` might keep
# something of each page it sees, and would see only half of them here.
# A preview builds its pages in one process (see "Pages"), and so does
# `mkdocs build --dirty`, which builds only the pages it finds changed:
# the last page, where this process waits for the other, may be none of
# them.
SHAREABLE_PLUGINS = {"material/search", "literate"}
ELSEWHERE_TEMPLATE = "lp-elsewhere.html"
# What search's reading a character costs, beside what rendering a
# page's template costs, is about one to this.
TEMPLATE_WEIGHT = 80_000
# The other process takes a little more than half the pages' work: this
# one also copies the static files, renders the site's own templates,
# checks every page's links to anchors and writes the search index.
FIRST_SHARE = 0.53


class PagesElsewhere:
    """The first of MkDocs' pages, a little more than half the work, built by a forked process."""

    def __init__(self, config, files, pages):
        self.first = pages[:first_share(pages)]
        self.uris, self.last = {page.file.src_uri for page in self.first}, pages[-1]
        search = config.plugins.get("material/search")
        self.entries = search.search_index.entries if search is not None and search.config.enabled else []
        self.start = len(self.entries)
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        self.child = self.pid == 0
        if self.child:
            os.close(read)
            self.pipe = write
            die_with_this_program()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            # This process copies no static file and renders none of the site's own templates.
            for file in [file for file in files if not file.is_documentation_page()]:
                files.remove(file)
            config.theme.static_templates.clear()
            config.extra_templates.clear()
            return
        os.close(write)
        self.pipe = read
        self.meta = {}
        for page in self.first:
            self.meta[page.file.src_uri] = {name: page.meta[name] for name in ("template", "search")
                                            if name in page.meta}
            page.meta.update(template=ELSEWHERE_TEMPLATE, search={"exclude": True})
        self.quiet = QuietSkips(self.uris)
        logging.getLogger("mkdocs.commands.build").addFilter(self.quiet)

    def builds_not(self, page):
        return not self.child and page.file.src_uri in self.uris

    def is_last(self, page):
        return not self.child and page is self.last

    def reached(self, page):
        if self.child and page.file.src_uri not in self.uris:
            self.leave(pickle.dumps(("built", self.entries[self.start:])), 0)

    def meta_back(self, page):
        if not self.child and page.file.src_uri in self.uris:
            for name in ("template", "search"):
                page.meta.pop(name)
            page.meta.update(self.meta[page.file.src_uri])

    def failed(self, error):
        if self.child:
            self.leave(pickled_error(error), 1)
        self.stop()

    def leave(self, said, code):
        def say():
            with os.fdopen(self.pipe, "wb") as pipe:
                pipe.write(said)

        exit_after(say, code)

    def join(self, config):
        with os.fdopen(self.pipe, "rb") as pipe:
            said = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        logging.getLogger("mkdocs.commands.build").removeFilter(self.quiet)
        outcome, value = outcome_of(said, status, "the first pages")
        if outcome == "error":
            raise value
        self.entries[self.start:self.start] = value

    def stop(self):
        logging.getLogger("mkdocs.commands.build").removeFilter(self.quiet)
        os.close(self.pipe)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def first_share(pages):
    """How many pages, from the first, make the other process's share; at least one, and one fewer than all."""
    weights = [TEMPLATE_WEIGHT + len(page.content or "") for page in pages]
    share, done = sum(weights) * FIRST_SHARE, 0
    for count, weight in enumerate(weights, start=1):
        done += weight
        if done >= share:
            return min(count, len(pages) - 1)
    return len(pages) - 1


# MkDocs tells (at INFO) of each page it wrote no file for: here, of each
# page the other process builds.
class QuietSkips(logging.Filter):
    def __init__(self, uris):
        super().__init__()
        self.messages = {f"Page skipped: '{uri}'. Generated empty output." for uri in uris}

    def filter(self, record):
        return record.getMessage() not in self.messages
