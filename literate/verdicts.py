"""
# Verdicts on the page: what the tests showed, as HTML

A tutorial's verdict, in the words and marks a page shows: the status line
that opens the page, the mark of each `test_*` function beside its row,
what pytest printed, and the citations that link a test named in the
commentary to its row.

In: a verdict (from `judge`) and the test functions of a page. Out: HTML
fragments, and a Markdown extension that links citations, for `render`.
"""

import html
import re
from xml.etree import ElementTree

from markdown.treeprocessors import Treeprocessor

from literate.testrun import (
    ERROR, FAILED, NOT_RUN, PASSED, RUNNING, SKIPPED, TIMED_OUT, first_line, unfinished_function, verdict_summary,
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


def function_outcome(verdict, function):
    """(state, words): what one `test_*` function did in this build."""
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
    return state, words


def function_mark(verdict, function):
    state, words = function_outcome(verdict, function)
    return (f'<p class="lp-test-mark lp-test-mark--{state.replace(" ", "-")}" lang="en" data-search-exclude>'
            f"{MARKS[state]} <code>{function}</code> {html.escape(words)}</p>\n")


def function_marks(verdict, functions, sections):
    """{section number: the marks of the test functions that start in that section}"""
    marks = {}
    if verdict is None or verdict.status in (NOT_RUN, RUNNING):
        return marks
    for function, line in functions:
        number = section_number(line, sections)
        marks[number] = marks.get(number, "") + function_mark(verdict, function)
    return marks


def section_number(line, sections):
    return next(n for n, s in enumerate(sections, start=1) if s.first_line <= line <= s.last_line)


# ## Citing a test
#
# Commentary that names one of the page's test functions as inline code
# (`` `test_softmax_gradient` ``) cites its proof: the name links to the row
# where that test is defined, and a small mark beside it says what the test
# did in this build, passed, failed or not run. A name that is no test
# function of the page is reported at its line: a citation that proves
# nothing is a mistake, often a test renamed since. The names are found in
# Markdown's element tree, so code blocks and link texts are left alone.
CITATION = re.compile(r"test_\w+")


def citation_state(verdict, function):
    if verdict is None or verdict.status in (NOT_RUN, RUNNING):
        return NOT_RUN if verdict is None else verdict.status
    state, _ = function_outcome(verdict, function)
    return FAILED if state in (ERROR, TIMED_OUT) else state


class TestCitations(Treeprocessor):
    def __init__(self, md, verdict, rows):
        super().__init__(md)
        self.verdict, self.rows = verdict, rows  # rows: {test function: its section number}

    def run(self, root):
        cited = [(parent, index, code) for parent in root.iter() if parent.tag not in ("pre", "a")
                 for index, code in enumerate(parent)
                 if code.tag == "code" and len(code) == 0 and CITATION.fullmatch(code.text or "")]
        for _, _, code in cited:
            if code.text not in self.rows:
                self.md.report(f"`{code.text}` is cited but is not a test function of this page", code.text)
        for parent, index, code in reversed(cited):
            if code.text not in self.rows:
                continue
            state = citation_state(self.verdict, code.text)
            link = ElementTree.Element("a", {"class": "lp-cite", "href": f"#section-{self.rows[code.text]}"})
            mark = ElementTree.Element("span", {"class": f"lp-cite-mark lp-cite-mark--{state.replace(' ', '-')}",
                                                "lang": "en", "data-search-exclude": ""})
            mark.text, mark.tail, code.tail = f"{MARKS[state]} {state}", code.tail, None
            parent[index] = link
            link.append(code)
            parent.insert(index + 1, mark)


def cite_tests(md, verdict, functions, sections):
    rows = {function: section_number(line, sections) for function, line in functions}
    # After `inline` (20), which makes the code spans.
    md.treeprocessors.register(TestCitations(md, verdict, rows), "lp_test_citations", 5)


def printed_output_html(verdict):
    if not verdict.output.strip():
        return ""
    return (
        '<details class="lp-test-output" lang="en" data-search-exclude>\n'
        "<summary>What the tests printed</summary>\n"
        f"<pre><code>{html.escape(verdict.output.rstrip())}</code></pre>\n"
        "</details>\n"
    )
