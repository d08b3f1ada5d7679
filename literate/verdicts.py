"""
# Verdicts on the page: what the tests showed, as HTML

A tutorial's verdict, in the words and marks a page shows: the status line
that opens the page, the mark of each `test_*` function beside its row,
what each printed after that row, and the mark beside each citation of a
test in the commentary.

In: a verdict (from `judge`) and a page's body (from `render`), with the
slots its citations of tests left. Out: HTML fragments, joined into the
page when `write` writes it.
"""

import html

from literate.model import ERROR, FAILED, NOT_RUN, PASSED, RUNNING, SKIPPED, TIMED_OUT
from literate.site import count_of_tests, words
from literate.testrun import first_line, unfinished_function


# ## The verdict on the page
#
# A page with tests opens with a status line: what its tests did in this
# build, and the versions of Python and of the libraries they ran on. The
# row of each `test_*` function carries that function's own mark, and what
# the function printed follows that row, collapsed. Whatever the tests said is
# escaped: it is shown as text, never read as markup. The words are the
# page's language's (`site.WORDS`); what the tests themselves said (a
# failure's message, what they printed) is quoted as it was.
MARKS = {PASSED: "✓", FAILED: "✗", TIMED_OUT: "✗", NOT_RUN: "○", RUNNING: "⋯", SKIPPED: "–", ERROR: "✗"}


def state_word(locale, state):
    return words(locale)["state_" + state.replace(" ", "_")]


def seconds(value):
    return f"{value:.1f}"


def verdict_summary(verdict, locale):
    said = words(locale)
    tests = count_of_tests(locale, len(verdict.cases) or len(verdict.functions))
    if verdict.status == NOT_RUN:
        return said["summary_not_run"].format(tests=tests)
    if verdict.status == RUNNING:
        return said["summary_running"].format(tests=tests)
    if verdict.status == TIMED_OUT:
        return said["summary_timed_out"].format(problem=verdict.problem)
    skipped = sum(case.outcome == SKIPPED for case in verdict.cases)
    took = said["took"].format(seconds=seconds(verdict.seconds)) + (
        said["skipped_count"].format(n=skipped) if skipped else "")
    if verdict.status == PASSED:
        passed = count_of_tests(locale, (len(verdict.cases) or len(verdict.functions)) - skipped)
        return said["summary_passed"].format(tests=passed, took=took)
    if verdict.problem:
        return said["summary_could_not_run"].format(problem=first_line(verdict.problem))
    failing = [case for case in verdict.cases if case.outcome in (FAILED, ERROR)]
    named = "; ".join(f"{case.name} ({first_line(case.message)})" for case in failing)
    return said["summary_failed"].format(failed=len(failing), tests=tests, took=took, named=named)


def verdict_text(verdict, locale):
    text = f"{MARKS[verdict.status]} {verdict_summary(verdict, locale)}"
    if verdict.expected_failure is not None:
        why = verdict.expected_failure
        text += (words(locale)["expected_failure_why"].format(why=why) if why
                 else words(locale)["expected_failure"])
    return text


def verdict_state(verdict):
    if verdict.expected_failure is not None and verdict.status in (FAILED, TIMED_OUT):
        return "expected"
    return verdict.status.replace(" ", "-")


def status_line_html(verdict, locale):
    runtime = " · ".join(f"{name} {version}" for name, version in verdict.runtime)
    ran_on = (f' <span class="lp-tests__runtime">{html.escape(words(locale)["ran_on"].format(runtime=runtime))}'
              "</span>" if runtime else "")
    return (f'<p class="lp-tests lp-tests--{verdict_state(verdict)}" lang="{locale}" data-search-exclude>'
            f"{html.escape(verdict_text(verdict, locale))}{ran_on}</p>\n")


def function_outcome(verdict, function, locale):
    """(state, words): what one `test_*` function did in this build."""
    said = words(locale)
    cases = [case for case in verdict.cases if case.function == function]
    failing = [case for case in cases if case.outcome in (FAILED, ERROR)]
    if failing:
        state = failing[0].outcome
        text = said["function_problem"].format(state=state_word(locale, state),
                                               message=first_line(failing[0].message))
    elif cases and all(case.outcome == SKIPPED for case in cases):
        state = SKIPPED
        text = said["function_problem"].format(state=state_word(locale, state), message=first_line(cases[0].message))
    elif cases:
        took = f"{sum(case.seconds for case in cases):.2f}"
        state = PASSED
        text = (said["function_cases_passed"].format(n=len(cases), seconds=took) if len(cases) > 1
                else said["function_passed"].format(seconds=took))
    elif verdict.status == TIMED_OUT and function == unfinished_function(verdict.functions, verdict.cases):
        state, text = TIMED_OUT, said["function_timed_out"]
    else:
        state, text = FAILED, said["function_did_not_run"]
    return state, text


def function_mark(verdict, function, locale):
    state, text = function_outcome(verdict, function, locale)
    return (f'<p class="lp-test-mark lp-test-mark--{state.replace(" ", "-")}" lang="{locale}" data-search-exclude>'
            f"{MARKS[state]} <code>{function}</code> {html.escape(text)}</p>\n")


def function_marks(verdict, tests, locale):
    """{section number: the marks of the test functions that start in that section}"""
    return by_section(verdict, tests, locale, function_mark)


# What the tests showed, joined by the section it goes after; nothing of a
# verdict that is not in yet.
def by_section(verdict, tests, locale, shown):
    found = {}
    if verdict is None or verdict.status in (NOT_RUN, RUNNING):
        return found
    for function, number in tests:
        found[number] = found.get(number, "") + shown(verdict, function, locale)
    return found


# ## Citing a test
#
# `render` links each citation of a test in the commentary to the test's
# row, and records a slot after it (`render.CitationSlot`): the test cited,
# and the Chinese punctuation that closes on the citation. Here each slot
# gets its mark, which says what the test did in this build, passed,
# failed or not run, and keeps that punctuation on its line, as a formula
# does (see "render").
def citation_state(verdict, function):
    if verdict is None or verdict.status in (NOT_RUN, RUNNING):
        return NOT_RUN if verdict is None else verdict.status
    state, _ = function_outcome(verdict, function, "en")
    return FAILED if state in (ERROR, TIMED_OUT) else state


def citation_mark(slot, verdict, locale):
    state = citation_state(verdict, slot.function)
    mark = (f'<span class="lp-cite-mark lp-cite-mark--{state.replace(" ", "-")}" data-search-exclude="" '
            f'lang="{locale}">{MARKS[state]} {state_word(locale, state)}</span>')
    return f'<span class="lp-keep">{mark}{slot.closing}</span>' if slot.closing else mark


# What a test printed is its own, and quoted as it printed it: only the
# summary that opens it is in the page's language. It follows the section
# whose code holds the test's `def` line, where the test's mark is, and
# starts collapsed. A parametrized test's cases each say which they are.
def printed_by(verdict, function):
    cases = [case for case in verdict.cases if case.function == function]
    texts = [(case.name, "\n".join(text.rstrip("\n") for text in (case.stdout, case.stderr) if text.strip()))
             for case in cases]
    texts = [(name, text) for name, text in texts if text]
    if len(cases) == 1:
        return "\n".join(text for _, text in texts)
    return "\n".join(f"{name}:\n{text}" for name, text in texts)


def function_output(verdict, function, locale):
    printed = printed_by(verdict, function)
    if not printed:
        return ""
    summary = html.escape(words(locale)["printed"]).format(function=f"<code>{function}</code>")
    return (
        f'<details class="lp-test-output" lang="{locale}" data-search-exclude>\n'
        f"<summary>{summary}</summary>\n"
        f'<pre lang="en"><code>{html.escape(printed)}</code></pre>\n'
        "</details>\n"
    )


def function_outputs(verdict, tests, locale):
    """{section number: what the test functions that end in that section printed}"""
    return by_section(verdict, tests, locale, function_output)
