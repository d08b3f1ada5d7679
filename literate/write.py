"""
# Write: every page, rendered once, into MkDocs' folder

Every page is rendered, once and in parallel, and written for MkDocs.

In: the site's chapters, judged. Out: the folder of Markdown pages MkDocs
reads, one tree per language: each page rendered (in parallel, and only
when its inputs changed), a notice where a translation is missing, a home
page per language, and "Test results".
"""

import concurrent.futures
import functools
import hashlib
import html
import importlib.metadata
import importlib.util
import posixpath
import json
import multiprocessing
import os
import pickle
import re
import sys
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from literate import STAGES
from literate.read import BuildError, SourceError, display_path, write_if_changed
from literate.parse import parse_source
from literate.site import (
    TEST_RESULTS_PAGE, is_generator_page, language_of, page_url, pages_of, translations, url_from, words,
)
from literate.commentary import make_markdown, render_commentary, sanitize
from literate.testrun import NOT_RUN, RUNNING
from literate.judge import path_digest
from literate.verdicts import verdict_text
from literate.render import collect_downloads, front_matter, render_page
from literate.notebook import collect_notebook


# ## Many pages: in parallel, and each only once
#
# What a page looks like depends on its source, on what its tests showed,
# on its place in the site, and on the stages that render it and the
# libraries they render with; on nothing else. A hash of all of them keys a cache of
# rendered pages, kept with the test results (`.cache/pages/`): a page whose
# inputs have not changed since the last build is read from there rather
# than rendered again. Like Python's own `__pycache__`, the cache holds
# pickles, which only this program writes.
#
# The pages that must be rendered are rendered in parallel, a process per
# core, the longest sources first so that no core is left with one long
# file at the end. The workers are forked, and so start at once with all
# of this program loaded. The preview renders its pages itself: it runs
# other threads (its server, tests in the background), and a fork would copy
# any lock another thread held at that moment, while a fresh interpreter
# would have to import all this program imports, which costs more than a
# preview's few pages. The caller says which it is, so that a build renders
# the same way whatever else its process happens to run.
#
# Every source is read before the build stops, so that one run lists every
# file that needs fixing, a line each, in the `path:line:col: message` form
# that editors jump to.
@dataclass(frozen=True)
class Rendered:
    """What rendering makes of a page: what a worker sends back, and the cache keeps."""

    title: str
    summary: str
    warnings: list
    downloads: dict
    markdown: str


RENDERED = tuple(item.name for item in fields(Rendered))


def render_pages(pages, texts, cache_dir, processes=True):
    jobs = []
    for page in pages:
        key = render_key(page)
        entry = Path(cache_dir) / "pages" / f"{path_digest(page.source)}.pickle"
        stored = cached_rendering(entry, key)
        if stored is None:
            jobs.append((page, key, entry, texts[page.source]))
        else:
            apply_rendering(page, stored)
    failed = {}
    for (page, *_), (rendered, error) in zip(jobs, in_parallel(render_source_page, jobs, job_size, processes)):
        if error:
            failed[page.source] = error
        else:
            apply_rendering(page, rendered)
    errors = []
    for page in pages:
        if page.source in failed:
            line, col, message = failed[page.source]
            errors.append(f"{display_path(page.source)}:{line}:{col}: {message}")
            continue
        for line, message in page.warnings:
            print(f"{display_path(page.source)}:{line}: warning: {message}", file=sys.stderr)
    if errors:
        raise BuildError("\n".join(errors))


def render_source_page(job):
    """(the rendered fields, None), or (None, (line, col, message)) for a source that cannot be a page."""
    page, key, entry, read = job
    try:
        if isinstance(read, SourceError):
            raise read
        source_text, code = read
        collect_downloads(page, source_text, code)
        sections = parse_source(code)
        collect_notebook(page, code, sections)
        page.markdown = render_page(page, code, sections)
    except SourceError as error:
        return None, (error.line, error.col, error.message)
    rendered = Rendered(**{name: getattr(page, name) for name in RENDERED})
    if key is not None:
        store_rendering(entry, key, rendered)
    return rendered, None


def apply_rendering(page, rendered):
    for name in RENDERED:
        setattr(page, name, getattr(rendered, name))


# The key: the stages up to this one (`literate/read.py` to
# `literate/write.py`) and their libraries, the page's own fields
# (its source's path, name, language, verdict: whatever is not made by
# rendering), and the bytes of its source. A source that cannot be read
# has no key; rendering it reports why.
def render_key(page):
    try:
        source = Path(page.source).read_bytes()
    except OSError:
        return None
    inputs = {name: value for name, value in asdict(page).items() if name not in RENDERED}
    digest = hashlib.sha256(renderer_fingerprint().encode())
    digest.update(json.dumps(inputs, default=str, sort_keys=True, ensure_ascii=False).encode())
    digest.update(b"\0" + source)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def renderer_fingerprint():
    digest = hashlib.sha256()
    for stage in STAGES[: STAGES.index("write") + 1]:
        digest.update((Path(__file__).parent / f"{stage}.py").read_bytes())
    for library in ("markdown", "pygments", "latex2mathml", "nh3", "pylit", "nbformat", "griffe"):
        digest.update(f"\0{library} {importlib.metadata.version(library)}".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


# A damaged or foreign entry is a miss, whatever unpickling it raises.
def cached_rendering(entry, key):
    if key is None:
        return None
    try:
        with open(entry, "rb") as file:
            stored = pickle.load(file)
        return stored["rendered"] if stored["key"] == key else None
    except Exception:
        return None


def store_rendering(entry, key, rendered):
    partial = entry.with_name(f"{entry.name}.{os.getpid()}")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(pickle.dumps({"key": key, "rendered": rendered}, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, entry)
    except OSError as error:
        print(f"warning: cannot cache rendered pages in {entry.parent}: {error}", file=sys.stderr)


def job_size(job):
    try:
        return Path(job[0].source).stat().st_size
    except OSError:
        return 0


def in_parallel(function, jobs, size, processes=True):
    """[function(job) for job in jobs]: with processes, in a process per core, the largest jobs first."""
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers < 2 or not processes:
        return [function(job) for job in jobs]
    order = sorted(range(len(jobs)), key=lambda index: -size(jobs[index]))
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        results = dict(zip(order, pool.map(function, [jobs[index] for index in order])))
    return [results[index] for index in range(len(jobs))]


# The "Test results" page lists every tutorial with its verdict in this
# build, slowest first: the tutorial that holds the build up is the first
# one seen. What tests say is escaped for Markdown as well as for HTML,
# since a table cell is read as Markdown. Like the verdicts, it is in
# English; it links to the tutorials of every language.
def markdown_text(text):
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", html.escape(text, quote=False))


def render_test_results(pages, languages):
    tutorials = [page for page in pages if not is_generator_page(page)]

    def ran(page):
        return page.verdict is not None and page.verdict.status not in (NOT_RUN, RUNNING)

    def slowest_first(page):
        return (not ran(page), -page.verdict.seconds if ran(page) else 0, page.name)

    rows = []
    for page in sorted(tutorials, key=slowest_first):
        verdict = page.verdict
        result = verdict_text(verdict) if verdict else "no tests"
        took = f"{verdict.seconds:.1f} s" if ran(page) else ""
        runtime = ", ".join(f"{name} {version}" for name, version in verdict.runtime) if ran(page) else ""
        link = f"{page.name}.md" if page.lang == "en" else url_from(page_url(TEST_RESULTS_PAGE), page, languages)
        rows.append(f"| [{markdown_text(page.title)}]({link}) | {markdown_text(result)} "
                    f"| {took} | {markdown_text(runtime)} |")
    table = "| Tutorial | Result | Time | Ran on |\n| --- | --- | --- | --- |\n" + "\n".join(rows)
    intro = "Every tutorial's tests as this build ran them, or found them unchanged in its cache."
    return front_matter(title="Test results", lang="en", hide=["navigation", "toc"]) + (
        f"# Test results\n\n{intro}\n\n{table}\n")


# The home page of each language lists the chapters in order, each with
# its title and introduction, and under it every tutorial with its title
# and the first line of its introduction. A tutorial that exists in
# several languages gets a link to each ("中文 | English"); one that is not
# translated into this language is listed in the language it has.
def render_index(chapters, language, languages, config):
    md = make_markdown(lambda message, quote: None)  # the pages report them
    body = [f"# {config['site_name']}"]
    for chapter in chapters:
        if chapter.headings:
            title, intro = chapter.headings[language.locale]
            body += [f"## {markdown_text(title)}", commentary_in_markdown(render_commentary(intro, md)) if intro else ""]
        entries = [index_entry(versions, language, languages, md) for versions in translations(chapter.pages)]
        body.append("\n".join(entries))
    return front_matter(title=words(language.locale)["home"], lang=language.locale,
                        hide=["navigation", "toc"]) + "\n\n".join(part for part in body if part) + "\n"


def index_entry(versions, language, languages, md):
    page = versions.get(language.locale) or next(iter(versions.values()))

    def link(version):
        return f"{version.name}.md" if version.lang == language.locale else url_from(language.folder, version, languages)

    entry = f"- [{markdown_text(page.title)}]({link(page)})"
    if page.lang != language.locale:
        entry += f" ({language_of(page, languages).name})"
    if page.summary:
        entry += ": " + commentary_in_markdown(re.sub(r"^<p>|</p>$", "", render_commentary(page.summary, md)))
    if len(versions) > 1:
        entry += " · " + " | ".join(f"[{other.name}]({link(versions[other.locale])})"
                                    for other in languages if other.locale in versions)
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
def render_notice(page, language, languages):
    url = url_from(language.folder + page_url(page.name), page, languages)
    notice = words(language.locale)["untranslated"].format(
        language=language_of(page, languages).name, url=html.escape(url), title=html.escape(page.title))
    return front_matter(
        title=html.escape(page.title, quote=False), lang=language.locale, source_path=page.repo_path,
        search={"exclude": True}, hide=["navigation", "toc"],
    ) + f'<p class="lp-untranslated" lang="{language.locale}">{sanitize(notice)}</p>\n'


# Each language's pages go in a folder of their own (`en/`, `zh/`), which
# mkdocs-static-i18n publishes as that language's tree, each page with its
# downloads beside it. Every page gets a file in every language, real or a
# notice. "Test results" comes last, when every tutorial has its title.
def write_pages(chapters, languages, docs_dir, config):
    for chapter in chapters:
        for page in chapter.pages:
            text = render_test_results(pages_of(chapters), languages) if page.source is None else page.markdown
            tree = Path(docs_dir) / page.lang
            write_if_changed(tree / f"{page.name}.md", text)
            for name, data in page.downloads.items():
                write_if_changed(tree / name, data)
        for versions in translations(chapter.pages):
            page = next(iter(versions.values()))
            for language in languages:
                if language.locale not in versions:
                    write_if_changed(Path(docs_dir) / language.locale / f"{page.name}.md",
                                     render_notice(page, language, languages))
    for language in languages:
        write_if_changed(Path(docs_dir) / language.locale / "index.md",
                         render_index(chapters, language, languages, config))
    default = next(language.locale for language in languages if not language.folder)
    write_if_changed(Path(docs_dir) / default / MATH_FONT_URL, math_font().read_bytes())


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
        raise BuildError("the math font comes from the ziamath package: pip install -r requirements.txt")
    return Path(package.submodule_search_locations[0]) / "fonts" / posixpath.basename(MATH_FONT_URL)
