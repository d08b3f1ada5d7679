"""
# Write: the pages, with their verdicts, into MkDocs' folder

Each rendered page gets what its tests showed, and goes where MkDocs reads.

In: the site's chapters, each page's rendering and its tests' verdict,
where every source is published, and the cache folder. Out: each folder's
introduction rendered for the home pages, kept in the cache; the files of
MkDocs' folder, in memory, one tree per language: each page with its
status line, test marks and citation marks, a notice where a translation
is missing, a home page per language, "Test results", and the math font;
and each tutorial's page as data for the plugin: its HTML, its code
columns apart, and its anchors.
"""

import functools
import hashlib
import html
import importlib.util
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from literate.read import BuildError, display_path, path_digest, read_source, write_if_changed
from literate.cache import fingerprint, load, store
from literate.settings import settings_reference
from literate.model import NOT_RUN, RUNNING, Page
from literate.site import (
    SETTINGS_PAGE, TEST_RESULTS_PAGE, all_chapters, language_of, page_url, pages_of,
    translations, url_from, words,
)
from literate.links import SourceLinks
from literate.commentary import for_page, make_markdown, render_commentary, sanitize
from literate.render import CodeColumn, front_matter, keep_marks_with_math
from literate.pages import renderer_fingerprint
from literate.verdicts import (
    MARKS, citation_mark, function_marks, function_outputs, status_line_html, verdict_state, verdict_text,
)


# The page as MkDocs reads it: its body with what its tests showed joined
# in, the status line first, each test's mark in the row where the test
# starts and what the test printed after the row where its code ends, and
# a mark in each citation's slot.
def page_pieces(body, verdict, locale):
    """The page's HTML after its front matter, in pieces: HTML and its `render.CodeColumn`s.

    `body` is the page's `render.PageBody`, `verdict` its tests' (None without tests).
    """
    marks = function_marks(verdict, body.tests, locale)
    outputs = function_outputs(verdict, body.tests_end, locale)
    status = status_line_html(verdict, locale) if verdict else ""
    pieces, text = [], body.head + status
    for number, (before, after) in enumerate(body.rows, start=1):
        text += before + marks.get(number, "")
        for piece in after:
            if isinstance(piece, CodeColumn):
                pieces += [text, piece]
                text = ""
            else:
                text += piece if isinstance(piece, str) else citation_mark(piece, verdict, locale)
        text += outputs.get(number, "")
    return pieces + [text + body.tail]


# What the plugin takes of a tutorial's page, instead of taking it out of
# the Markdown (see "The MkDocs plugin"): its HTML, cut where each code
# column goes, the columns, and the anchors links may point to.
@dataclass(frozen=True)
class PageData:
    html: tuple  # the page's HTML after its front matter, one piece more than `columns`
    columns: tuple  # the code columns, in the order of the page
    anchors: frozenset

    def is_the_text_of(self, text):
        """Whether `text`, blank lines around it aside, is this page's HTML."""
        at = 0
        while text.startswith("\n", at):
            at += 1
        for piece in (piece for pair in zip(self.html, self.columns + ("",)) for piece in pair):
            if not text.startswith(piece, at):
                return False
            at += len(piece)
        return not text[at:].strip("\n")


# The HTML that takes the marker's place is what Markdown makes of a block
# of HTML: the block, without the blank lines around it.
def page_data(body, pieces):
    html_pieces = pieces[0::2]
    return PageData((*html_pieces[:-1], html_pieces[-1].rstrip("\n")), tuple(pieces[1::2]), body.anchors)


# What the home pages, the notices and "Test results" show of a page: its
# title and summary, which rendering made (the site's own pages have
# theirs from finding the site), and its tests' verdict, None without tests.
@dataclass(frozen=True)
class Shown:
    rendered: dict  # page -> its `render.RenderedPage`
    verdicts: dict  # page -> its tests' `Verdict`

    def title(self, page):
        return self.rendered[page].title if page in self.rendered else page.title

    def summary(self, page):
        return self.rendered[page].summary if page in self.rendered else page.summary

    def verdict(self, page):
        return self.verdicts.get(page)


# The "Test results" page of each language lists every tutorial with its
# verdict in this build, slowest first: the tutorial that holds the build
# up is the first one seen. What tests say is escaped for Markdown as well
# as for HTML, since a table cell is read as Markdown. It links to the
# tutorials of every language.
def markdown_text(text):
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", html.escape(text, quote=False))


def render_test_results(pages, shown, languages, lang):
    said = words(lang)
    tutorials = [page for page in pages if not page.generator]

    def ran(page):
        return shown.verdict(page) is not None and shown.verdict(page).status not in (NOT_RUN, RUNNING)

    def slowest_first(page):
        return (not ran(page), -shown.verdict(page).seconds if ran(page) else 0, page.name)

    rows = []
    for page in sorted(tutorials, key=slowest_first):
        verdict = shown.verdict(page)
        result = verdict_text(verdict, lang) if verdict else said["no_tests"]
        took = said["seconds"].format(seconds=f"{verdict.seconds:.1f}") if ran(page) else ""
        runtime = ", ".join(f"{name} {version}" for name, version in verdict.runtime) if ran(page) else ""
        link = f"{page.name}.md" if page.lang == lang else url_from(
            language_of_locale(lang, languages).folder + page_url(TEST_RESULTS_PAGE), page, languages)
        rows.append(f"| [{markdown_text(shown.title(page))}]({link}) | {markdown_text(result)} "
                    f"| {took} | {markdown_text(runtime)} |")
    columns = " | ".join(said[f"column_{name}"] for name in ("tutorial", "result", "time", "ran_on"))
    table = f"| {columns} |\n| --- | --- | --- | --- |\n" + "\n".join(rows)
    return front_matter(title=said["test_results"], lang=lang, hide=["navigation", "toc"], about=True) + (
        f"# {markdown_text(said['test_results'])}\n\n{markdown_text(said['test_results_intro'])}\n\n{table}\n")


# The guide's reference of the plugin's settings is made from the classes
# MkDocs checks them with, so that it says what the code does.
def render_settings_reference(lang):
    rows = [f"| `{name}` | {kind} | {default} | {meaning} |"
            for name, kind, default, meaning in settings_reference()]
    intro = ("The plugin `literate` takes these settings, every one optional, under its name in `mkdocs.yml`"
             " (`plugins: [search, {literate: {line_breaks: keep}}]`, or the same as a block). MkDocs checks"
             " them as it checks its own: an unknown setting or a wrong type stops the build, naming the setting.")
    table = "| Setting | Takes | Default | What it is for |\n| --- | --- | --- | --- |\n" + "\n".join(rows)
    return front_matter(title="Configuration", lang=lang, about=True) + f"# Configuration\n\n{intro}\n\n{table}\n"


def language_of_locale(locale, languages):
    return next(language for language in languages if language.locale == locale)


# The home page of each language is the course: the chapters in order, each
# with its title and introduction, and under it every tutorial with its
# title, the mark of its tests' verdict, and the first sentence of its
# introduction. A tutorial that exists in several languages gets a link to
# each ("English | 中文"); one that is not translated into this language is
# listed in the language it has, and says so in this one. The site's own
# pages follow, under "About this site": "Test results", and the
# generator's pages on one line, which says once, not on every page, that
# none is in this language. A section within a chapter is a heading one
# level down, after the chapter's own tutorials.
def render_index(chapters, shown, introductions, language, languages, config):
    said = words(language.locale)
    home = chapters[0].introduction.get(language.locale)
    body = [f"# {markdown_text(home.title) if home and home.title else config['site_name']}",
            commentary_in_markdown(introductions[chapters[0].folder, language.locale].html)
            if home and home.intro else ""]

    def listed(chapters, level):
        for chapter in chapters:
            if chapter.headings:
                title, intro = chapter.headings[language.locale]
                intro_html = introductions[chapter.folder, language.locale].html if intro else ""
                body.extend([f"{'#' * min(level, 6)} {markdown_text(title)}", commentary_in_markdown(intro_html)])
            listed_pages = [page for page in chapter.pages if chapter.index_listed or page.name != f"{chapter.slug}/index"]
            body.append("\n".join(index_entry(versions, shown, language, languages)
                                   for versions in translations(listed_pages)))
            listed(chapter.sections, level + 1)

    listed([chapter for chapter in chapters if not chapter.about], 2)
    about = [chapter for chapter in chapters if chapter.about and chapter.pages]
    if about:
        body.append(f"## {markdown_text(said['about'])}")
    for chapter in about:
        if chapter.headings:
            group = list(translations(chapter.pages))
            untranslated = not any(language.locale in versions for versions in group)
            links = " · ".join(index_link(versions, shown, language, languages, note=not untranslated)
                               for versions in group)
            body += [f"### {markdown_text(chapter.headings[language.locale][0])}",
                     (markdown_text(said["untranslated_group"]) if untranslated else "") + links]
        else:
            body.append("\n".join(index_entry(versions, shown, language, languages)
                                   for versions in translations(chapter.pages)))
    return front_matter(title=said["home"], lang=language.locale,
                        hide=["navigation", "toc"]) + "\n\n".join(part for part in body if part) + "\n"


# A folder's introduction comes from its `__init__.py`: its links to
# sources lead from the home page where they would lead from that file.
# One that leads nowhere stays as written, with no warning here: the
# section's index page, made from the same file, warns at its line. The
# source folder's own `__init__.py` has no page but the home page: its
# warnings are `home_warnings`.
def introduction_html(intro, folder, locale, targets, report):
    md = make_markdown(report)
    reader = Page(folder / "__init__.py", "", "", locale)
    for_page(md, SourceLinks(md, reader, targets, from_home=True), "lp_source_links", 4)
    return keep_marks_with_math(render_commentary(intro, md))


# The home pages show every folder's introduction, in each language, and
# an edit of one tutorial changes none of them: each is rendered once and
# kept in the cache beside the pages (see "Pages"), under a key of what it
# is made from (its text, its folder, its language, where every source is
# published, and the stages that render it, this one included), with what
# rendering it reported. A preview's build after an edit renders only
# what the edit changed.
@dataclass(frozen=True)
class Introduction:
    html: str
    problems: tuple  # (message, quote) pairs, as `make_markdown` reports them


def home_introductions(chapters, targets, cache_dir):
    """{(folder, locale): its `Introduction`}, for every introduction the home pages show."""
    wanted = {(chapters[0].folder, locale): home.intro for locale, home in chapters[0].introduction.items()
              if home.intro}
    for chapter in all_chapters(chapters):
        for locale, (_, intro) in chapter.headings.items():
            if intro and not chapter.about:
                wanted[chapter.folder, locale] = intro
    spelt = fingerprint([renderer_fingerprint(), stage_fingerprint(), targets.digest])
    introductions = {}
    for (folder, locale), intro in wanted.items():
        entry = Path(cache_dir) / "pages" / f"{path_digest(folder / '__init__.py')}.{locale}.introduction.pickle"
        key = fingerprint([spelt, str(folder), locale], [("intro", intro.encode("utf-8"))])
        introductions[folder, locale] = load(entry, key, form="pickle")
        if introductions[folder, locale] is None:
            problems = []
            made = introduction_html(intro, folder, locale, targets, lambda *problem: problems.append(problem))
            introductions[folder, locale] = Introduction(made, tuple(problems))
            store(entry, key, introductions[folder, locale], form="pickle")
    return introductions


@functools.lru_cache(maxsize=1)
def stage_fingerprint():
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


# Warnings of the home page's introduction, at their lines in its file:
# each file once, in its own language.
def home_warnings(chapters, introductions):
    warnings, files = [], {}
    for locale, home in chapters[0].introduction.items():
        files.setdefault(home.path, (locale, home))
    for locale, home in files.values():
        if not home.intro:
            continue
        lines = read_source(home.path).split("\n")
        for message, quote in introductions[chapters[0].folder, locale].problems:
            needle = quote.strip().split("\n")[0]
            line = next((number for number, text in enumerate(lines, start=1) if needle in text), 1)
            warnings.append(f"{display_path(home.path)}:{line}: warning: {message}")
    return warnings


def index_link(versions, shown, language, languages, note=True):
    page = versions.get(language.locale) or next(iter(versions.values()))
    link = f"{page.name}.md" if page.lang == language.locale else url_from(language.folder, page, languages)
    entry = f"[{markdown_text(shown.title(page))}]({link})"
    if note and page.lang != language.locale:
        entry += markdown_text(words(language.locale)["untranslated_item"])
    return entry


def index_entry(versions, shown, language, languages):
    page = versions.get(language.locale) or next(iter(versions.values()))
    verdict, summary = shown.verdict(page), shown.summary(page)

    def link(version):
        return f"{version.name}.md" if version.lang == language.locale else url_from(language.folder, version, languages)

    entry = f"- {index_link(versions, shown, language, languages)}"
    if verdict is not None:
        state = verdict_state(verdict)
        entry += (f' <span class="lp-verdict lp-verdict--{state}" role="img" '
                  f'aria-label="{html.escape(verdict_text(verdict, language.locale))}">'
                  f"{MARKS[verdict.status]}</span>")
    if len(versions) > 1:
        entry += " · " + " | ".join(f"[{other.name}]({link(versions[other.locale])})"
                                    for other in languages if other.locale in versions)
    if summary:
        entry += f'\n  <span class="lp-summary">{commentary_in_markdown(summary)}</span>'
    return entry


# The home page is Markdown that MkDocs reads once more, and commentary
# rendered once is Markdown again where it read `\[x\](javascript:...)`:
# the characters that make inline Markdown (links, emphasis, code, escapes,
# attribute lists) are written as character references in its text, which
# browsers show as the characters and Markdown leaves alone. (The
# sanitizer's output quotes every attribute with `"`.)
MARKDOWN_SYNTAX = str.maketrans({character: f"&#{ord(character)};" for character in "\\`*_{}[]<>"})


def commentary_in_markdown(fragment):
    pieces = re.split(r'(<(?:[^>"]|"[^"]*")*>|&[#\w]+;)', fragment)
    return "".join(piece if index % 2 else piece.translate(MARKDOWN_SYNTAX) for index, piece in enumerate(pieces))


# A page missing in a language still has its place in that language's
# tree: a notice in that language that links to the versions there are.
# It is kept out of the search index.
def render_notice(page, title, language, languages):
    url = url_from(language.folder + page_url(page.name), page, languages)
    other = language_of(page, languages)
    notice = words(language.locale)["untranslated"].format(
        language=words(language.locale)["languages"].get(other.locale, other.name), url=html.escape(url),
        title=html.escape(title))
    return front_matter(
        title=html.escape(title, quote=False), lang=language.locale, source_path=page.repo_path,
        search={"exclude": True}, hide=["navigation", "toc"], **({"about": True} if page.generator else {}),
    ) + f'<p class="lp-untranslated" lang="{language.locale}">{sanitize(notice)}</p>\n'


# Each language's pages go in a folder of their own (`en/`, `zh/`), which
# mkdocs-static-i18n publishes as that language's tree, each page with its
# downloads beside it. Every page gets a file in every language, real or a
# notice. "Test results" comes last, when every tutorial has its title.
#
# The files are made in memory, as paths in MkDocs' folder and their bytes:
# a build that finds them as the last one left them does not write them at
# all, and a preview writes only the ones an edit changed (see "Rebuild").
# Beside them, under the same paths, the tutorials' pages as data for the
# plugin (`PageData`).
def page_files(chapters, rendered, verdicts, introductions, languages, config):
    """The files, {path: bytes}, and the tutorials' pages as data, {path: PageData}.

    `rendered` is {page: its `render.RenderedPage`}, `verdicts` {page: its tests' `Verdict`}, and
    `introductions` the folders' (`home_introductions`).
    """
    files, tutorials, shown = {}, {}, Shown(rendered, verdicts)
    for chapter in all_chapters(chapters):
        for page in chapter.pages:
            folder = language_of(page, languages).docs
            if page.name == SETTINGS_PAGE:
                text = render_settings_reference(page.lang)
            elif page.source is None:
                text = render_test_results(pages_of(chapters), shown, languages, page.lang)
            else:
                body = rendered[page].body
                pieces = page_pieces(body, verdicts.get(page), page.lang)
                tutorials[f"{folder}{page.name}.md"] = page_data(body, pieces)
                text = body.front + "".join(pieces)
            files[f"{folder}{page.name}.md"] = text.encode("utf-8")
            for name, data in (rendered[page].downloads if page in rendered else {}).items():
                files[f"{folder}{name}"] = data
        for versions in translations(chapter.pages):
            page = next(iter(versions.values()))
            for language in languages:
                if language.locale not in versions:
                    notice = render_notice(page, shown.title(page), language, languages)
                    files[f"{language.docs}{page.name}.md"] = notice.encode("utf-8")
    for language in languages:
        files[f"{language.docs}index.md"] = render_index(chapters, shown, introductions, language, languages,
                                                         config).encode("utf-8")
    default = next(language for language in languages if not language.folder)
    files[f"{default.docs}{MATH_FONT_URL}"] = math_font().read_bytes()
    return files, tutorials


def write_files(files, folder):
    for path, data in files.items():
        write_if_changed(Path(folder) / path, data)


# Formulas are drawn in STIX Two Math, an OpenType math font (SIL Open Font
# License; its notice travels in the font's own name table), served with the
# site rather than left to whatever fonts a reader has. The file comes from
# the `ziamath` package, which ships it; it is copied at build time rather
# than committed. The default language's tree is published at the site's
# root, so it lands at `assets/fonts/` beside `literate.css`, whose
# `@font-face` names it for `math` elements only: a browser fetches a web
# font only for text drawn in it, so pages without math never load it.
MATH_FONT_URL = "assets/fonts/STIXTwoMath-Regular.ttf"


def math_font():
    package = importlib.util.find_spec("ziamath")
    if package is None:
        raise BuildError("the math font comes from the ziamath package, which literate needs: pip install ziamath")
    return Path(package.submodule_search_locations[0]) / "fonts" / posixpath.basename(MATH_FONT_URL)
