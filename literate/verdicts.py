"""
# Verdicts on the page: what the tests showed, as HTML

A tutorial's verdict, in the words and marks a page shows: the status line
that opens the page, the mark of each `test_*` function beside its row,
what pytest printed, and the mark beside each citation of a test in the
commentary.

In: a verdict (from `judge`) and a page's body (from `render`). Out: HTML
fragments, joined into the page when `write` writes it.
"""

import html
import re

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


def function_marks(verdict, tests):
    """{section number: the marks of the test functions that start in that section}"""
    marks = {}
    if verdict is None or verdict.status in (NOT_RUN, RUNNING):
        return marks
    for function, number in tests:
        marks[number] = marks.get(number, "") + function_mark(verdict, function)
    return marks


# ## Citing a test
#
# `render` links each citation of a test in the commentary to the test's
# row, with an empty mark after it; the mark says what the test did in this
# build, passed, failed or not run. (Raw HTML in commentary is shown as
# text, so no author's tag is taken for such a mark.)
CITATION_MARK = re.compile(r'(<code>(test_\w+)</code></a>)<span class="lp-cite-mark"([^>]*)></span>')


def citation_state(verdict, function):
    if verdict is None or verdict.status in (NOT_RUN, RUNNING):
        return NOT_RUN if verdict is None else verdict.status
    state, _ = function_outcome(verdict, function)
    return FAILED if state in (ERROR, TIMED_OUT) else state


def mark_citations(html_text, verdict):
    def mark(match):
        state = citation_state(verdict, match.group(2))
        return (f'{match.group(1)}<span class="lp-cite-mark lp-cite-mark--{state.replace(" ", "-")}"'
                f'{match.group(3)}>{MARKS[state]} {state}</span>')

    return CITATION_MARK.sub(mark, html_text)


def printed_output_html(verdict):
    if not verdict.output.strip():
        return ""
    return (
        '<details class="lp-test-output" lang="en" data-search-exclude>\n'
        "<summary>What the tests printed</summary>\n"
        f"<pre><code>{html.escape(verdict.output.rstrip())}</code></pre>\n"
        "</details>\n"
    )
