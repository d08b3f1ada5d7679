"""
# Write: the pages, with their verdicts, into MkDocs' folder

Each rendered page gets what its tests showed, and goes where MkDocs reads.

In: the site's chapters, rendered and judged. Out: the folder of Markdown
pages MkDocs reads, one tree per language: each page with its status line
and test marks, a notice where a translation is missing, a home page per
language, and "Test results".
"""

import html
import re
from pathlib import Path

from literate.read import write_if_changed
from literate.site import (
    TEST_RESULTS_PAGE, is_generator_page, language_of, page_url, pages_of, translations, url_from, words,
)
from literate.commentary import make_markdown, render_commentary
from literate.render import front_matter
from literate.testrun import (
    ERROR, FAILED, NOT_RUN, PASSED, RUNNING, SKIPPED, TIMED_OUT, first_line, unfinished_function,
    verdict_summary,
)


# ## The verdict on the page
#
# A page with tests opens with a status line: what its tests did in this
# build, and the versions of Python and of the libraries they ran on. The
# row of each `test_*` function carries that function's own mark, and what
# pytest printed closes the page, collapsed. Whatever the tests said is
# escaped: it is shown as text, never read as markup. The words are
# English on every page, like the output they summarize.
MARKS = {PASSED: "✓", FAILED: "✗", TIMED_OUT: "✗", NOT_RUN: "○", RUNNING: "⋯", SKIPPED: "–", ERROR: "✗"}


def verdict_text(verdict):
    text = f"{MARKS[verdict.status]} {verdict_summary(verdict)}"
    if verdict.expected_failure is not None:
        text += " · expected to fail" + (f": {verdict.expected_failure}" if verdict.expected_failure else "")
    return text


def verdict_state(verdict):
    if verdict.expected_failure is not None and verdict.status in (FAILED, TIMED_OUT):
        return "expected"
    return verdict.status.replace(" ", "-")


def status_line_html(verdict):
    runtime = " · ".join(f"{name} {version}" for name, version in verdict.runtime)
    ran_on = f' <span class="lp-tests__runtime">ran on {html.escape(runtime)}</span>' if runtime else ""
    return (f'<p class="lp-tests lp-tests--{verdict_state(verdict)}" lang="en" data-search-exclude>'
            f"{html.escape(verdict_text(verdict))}{ran_on}</p>\n")


def function_mark(verdict, function):
    cases = [case for case in verdict.cases if case.function == function]
    failing = [case for case in cases if case.outcome in (FAILED, ERROR)]
    if failing:
        state, words = failing[0].outcome, f"{failing[0].outcome}: {first_line(failing[0].message)}"
    elif cases and all(case.outcome == SKIPPED for case in cases):
        state, words = SKIPPED, f"skipped: {first_line(cases[0].message)}"
    elif cases:
        count = f"{len(cases)} cases " if len(cases) > 1 else ""
        state, words = PASSED, f"{count}passed in {sum(case.seconds for case in cases):.2f} s"
    elif verdict.status == TIMED_OUT and function == unfinished_function(verdict):
        state, words = TIMED_OUT, "did not finish: timed out"
    else:
        state, words = FAILED, "did not run"
    return (f'<p class="lp-test-mark lp-test-mark--{state.replace(" ", "-")}" lang="en" data-search-exclude>'
            f"{MARKS[state]} <code>{function}</code> {html.escape(words)}</p>\n")


def function_marks(verdict, tests):
    """{section number: the marks of the test functions that start in that section}"""
    marks = {}
    if verdict is None or verdict.status in (NOT_RUN, RUNNING):
        return marks
    for function, number in tests:
        marks[number] = marks.get(number, "") + function_mark(verdict, function)
    return marks


def printed_output_html(verdict):
    if not verdict.output.strip():
        return ""
    return (
        '<details class="lp-test-output" lang="en" data-search-exclude>\n'
        "<summary>What the tests printed</summary>\n"
        f"<pre><code>{html.escape(verdict.output.rstrip())}</code></pre>\n"
        "</details>\n"
    )

# The page as MkDocs reads it: its body with what its tests showed joined
# in.
def page_markdown(page):
    body, verdict = page.body, page.verdict
    marks = function_marks(verdict, body.tests)
    rows = "".join(before + marks.get(number, "") + after for number, (before, after) in enumerate(body.rows, start=1))
    status, output = (status_line_html(verdict), printed_output_html(verdict)) if verdict else ("", "")
    return body.head + status + rows + output + body.tail


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
            body += [f"## {markdown_text(title)}", render_commentary(intro, md) if intro else ""]
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
        entry += ": " + re.sub(r"^<p>|</p>$", "", render_commentary(page.summary, md))
    if len(versions) > 1:
        entry += " · " + " | ".join(f"[{other.name}]({link(versions[other.locale])})"
                                    for other in languages if other.locale in versions)
    return entry


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
    ) + f'<p class="lp-untranslated" lang="{language.locale}">{notice}</p>\n'


# Each language's pages go in a folder of their own (`en/`, `zh/`), which
# mkdocs-static-i18n publishes as that language's tree, each page with its
# downloads beside it. Every page gets a file in every language, real or a
# notice. "Test results" comes last, when every tutorial has its title.
def write_pages(chapters, languages, docs_dir, config):
    for chapter in chapters:
        for page in chapter.pages:
            text = render_test_results(pages_of(chapters), languages) if page.source is None else page_markdown(page)
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
