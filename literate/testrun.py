"""
# Running a tutorial's tests: one run, its verdict and its words

Each tutorial's tests run in a pytest process of their own.

In: a tutorial's `.py` file and its `test_*` functions. Out: its `Verdict`,
what pytest showed when it ran that one file in a process of its own, and
the words that say it on the console, on the page and on "Test results".
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from xml.etree import ElementTree

from literate.read import display_path
from literate.model import ERROR, FAILED, NOT_RUN, PASSED, RUNNING, SKIPPED, TIMED_OUT, CaseResult, Verdict


# A tutorial that says "the gradients match" shows that they did, on this
# build. Its claims are its `test_*` functions; each tutorial that has some
# runs in a process of its own, exactly as `pytest` runs it: `python -m
# pytest` on that one file, with the source's folder as working directory,
# so `__file__`, imports and relative paths are what they are when the
# author runs `pytest` there, and nothing of the build is loaded into it.
# The page then shows pytest's verdict (a `Verdict`, see "The model"), and
# the build fails when a tutorial does (unless `mkdocs.yml` lists it as expected to fail).


# ## Running pytest
#
# `junit_logging=out-err` has pytest's report keep what each test printed
# on stdout and on stderr beside that test's verdict (passing tests
# included, as `junit_log_passing_tests` is by default): the page shows it
# after the code of the test that printed it. `-p no:cacheprovider`, `-p
# no:benchmark` (pytest-benchmark, where it is installed) and
# `PYTHONDONTWRITEBYTECODE` keep it from writing
# `.pytest_cache`, `.benchmarks` and `__pycache__` into the source folder;
# `COLUMNS` fixes the width of its report, so that one run prints the same
# bytes wherever the build runs.
#
# At the timeout the whole process group gets an interrupt, as if the
# author had pressed Ctrl-C: pytest then says where the test was stuck and
# still writes its report. Whatever ignores the interrupt is killed a few
# seconds later. Each run is a session of its own, so that this reaches
# the processes a tutorial started too; the flip side is that the
# terminal's Ctrl-C does not reach them, so the build stops the runs still
# going when it is interrupted itself (see `judge_tutorials`).
#
# A shell starts a background job (`python build_docs.py &`) with the
# interrupt ignored, and a child inherits that: its pytest would never see
# the interrupt, be killed instead, and say nothing of where it was stuck.
# Only then is the child given the interrupt's default back before pytest
# starts. (A function that runs between fork and exec can in principle
# deadlock in a program with threads, as the build is; so it is not used
# where it is not needed.)
PYTEST_COMMAND = ("-m", "pytest", "-p", "no:cacheprovider", "-p", "no:benchmark", "-q",
                  "-o", "junit_logging=out-err")
GRACE_SECONDS = 5
# Tutorials' tests run a process per core (`judge`), on tensors small
# enough that a math library's threads, one per core in every process, only
# take turns on the same cores. So each run gets one thread, unless whoever
# started the build chose a number.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# The runs going on are kept by whoever starts them (a build, a preview),
# so that it can stop them. Runs start and end in a pool's threads, so the
# record is locked. A preview runs them at a lower priority (`niceness`
# added to its own, as `nice` adds it): its builds come first, and the
# tests take what is left.
class RunningTests:
    def __init__(self, niceness=0):
        self.lock, self.processes = threading.Lock(), {}  # process -> the script it tests
        self.niceness = niceness

    def started(self, process, script):
        if self.niceness and hasattr(os, "setpriority"):
            try:
                lower = min(19, os.getpriority(os.PRIO_PROCESS, 0) + self.niceness)
                os.setpriority(os.PRIO_PROCESS, process.pid, lower)
            except OSError:
                pass  # it has ended already
        with self.lock:
            self.processes[process] = Path(script)

    def ended(self, process):
        with self.lock:
            self.processes.pop(process, None)

    def stop(self, script=None):
        """Kill the pytest runs going on, or those of one script."""
        with self.lock:
            chosen = [process for process, tested in self.processes.items()
                      if script is None or tested == Path(script)]
        for process in chosen:
            signal_group(process, signal.SIGKILL)


def run_pytest(script, folder, timeout, running):
    with tempfile.TemporaryDirectory(prefix="build_docs-tests-") as scratch:
        report = Path(scratch) / "report.xml"
        command = [sys.executable, *PYTEST_COMMAND, f"--junitxml={report}", os.path.relpath(script, folder)]
        environment = {**ONE_THREAD, **os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8",
                       "COLUMNS": "80"}
        interruptible = signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
        process = subprocess.Popen(
            command, cwd=folder, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, encoding="utf-8", errors="replace", start_new_session=True,
            preexec_fn=None if interruptible else restore_the_interrupt,
        )
        running.started(process, script)
        started = time.perf_counter()
        try:
            output, _ = process.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            output, timed_out = interrupt(process), True
        finally:
            running.ended(process)
        seconds = time.perf_counter() - started
        junit = report.read_text(encoding="utf-8") if report.exists() else None
    return process.returncode, output, junit, seconds, timed_out


def restore_the_interrupt():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(process):
    signal_group(process, signal.SIGINT)
    try:
        return process.communicate(timeout=GRACE_SECONDS)[0]
    except subprocess.TimeoutExpired:
        signal_group(process, signal.SIGKILL)
        return process.communicate()[0]


def signal_group(process, number):
    try:
        os.killpg(process.pid, number)
    except ProcessLookupError:
        pass  # it has ended meanwhile


# ## Reading the verdict
#
# pytest's JUnit XML report gives each test's outcome, time, message and
# what it printed. A failure's traceback names the lines it went through as `file:line:`; the
# last of them in the tutorial itself is where the tutorial failed, the
# place to point an editor at (the one after it may be inside a library).
def read_junit(junit, script_name):
    if junit is None:
        return []
    root = ElementTree.fromstring(junit)
    cases = []
    for case in root.iter("testcase"):
        if case.get("name") is None:
            continue  # the test an interrupt stopped: pytest records it without a name
        outcome, message, line = PASSED, "", 0
        for child in case:
            if child.tag in ("failure", "error", "skipped") and outcome in (PASSED, SKIPPED):
                outcome = {"failure": FAILED, "error": ERROR, "skipped": SKIPPED}[child.tag]
                message, line = error_message(child), line_in(child.text or "", script_name)
        cases.append(CaseResult(case.get("name"), outcome, float(case.get("time") or 0), message, line,
                                stdout=captured(case, "system-out"), stderr=captured(case, "system-err")))
    return tuple(cases)


# pytest opens what it captured with a ruled line of its own ("---
# Captured Out ---") and closes it with a line break; neither is the test's.
def captured(case, tag):
    element = case.find(tag)
    if element is None or not element.text:
        return ""
    header, _, text = element.text.partition("\n")
    if not re.fullmatch(r"-+ Captured \w+ -+", header):
        text = element.text
    return text[:-1] if text.endswith("\n") else text


# pytest's message for a failure is the exception, which is what the
# reader needs; for an error (a test that could not even be set up or
# collected) it is only "collection failure" or the like, and the
# exception is in the report's `E` lines.
def error_message(element):
    raised = re.findall(r"^E {3}(.*)$", element.text or "", re.M)
    if element.tag == "error" and raised:
        return "\n".join(line.strip() for line in raised)
    return element.get("message") or (element.text or "").strip()


def line_in(traceback_text, script_name, ending=""):
    lines = [
        int(match.group(2))
        for match in re.finditer(rf"^(.+?):(\d+):{ending}", traceback_text, re.M)
        if Path(match.group(1)).name == script_name
    ]
    return lines[-1] if lines else 0


# The run as a whole can go wrong where no single test did: it timed out,
# the module could not be imported (pytest reports that as an error of a
# test named after the module), or pytest ended without a report.
def run_tutorial_tests(script, name, folder, functions, timeout, running, runtime=()):
    """Run the tests of the Python file `script` (the source itself, or code generated from it)
    in `folder`; `name` is how messages call the tutorial, `running` keeps the run while it goes,
    and `runtime` is what the verdict says it ran on."""
    returncode, output, junit, seconds, timed_out = run_pytest(script, folder, timeout, running)
    functions, cases = tuple(functions), read_junit(junit, Path(script).name)
    failing = [case for case in cases if case.outcome in (FAILED, ERROR)]
    status, problem = PASSED, ""
    if timed_out:
        status, seconds = TIMED_OUT, timeout
        where = line_in(output, Path(script).name, ending=" KeyboardInterrupt")
        problem = f"{unfinished_function(functions, cases)} did not finish within {timeout:g} s" + (
            f" (stopped at {name}:{where})" if where else "")
    elif returncode != 0 or failing:
        status = FAILED
        outside = [case for case in failing if case.function not in functions]
        if outside:
            problem = outside[0].message
        elif not failing:
            problem = f"pytest exited with status {returncode}" + ("" if junit else " without a report")
    return Verdict(status, functions, cases, seconds, output, tuple(runtime), problem)


# Tests run in file order, so the one a timeout stopped is the first with
# no result; when none has one, importing the module never finished.
def unfinished_function(functions, cases):
    finished = {case.function for case in cases}
    return next((name for name in functions if name not in finished), "importing the module")


# ## Words for a verdict
#
# The same words serve the console, the page's status line and the "Test
# results" page.
def plural(count, noun):
    return f"{count} {noun}{'' if count == 1 else 's'}"


def first_line(text):
    return (text.strip().splitlines() or [""])[0]


def verdict_summary(verdict):
    total = len(verdict.cases) or len(verdict.functions)
    if verdict.status == NOT_RUN:
        return f"{plural(total, 'test')}, not run in this build (--no-run)"
    if verdict.status == RUNNING:
        return f"{plural(total, 'test')} running; their verdict shows here when they finish"
    if verdict.status == TIMED_OUT:
        return f"timed out: {verdict.problem}"
    skipped = sum(case.outcome == SKIPPED for case in verdict.cases)
    took = f" in {verdict.seconds:.1f} s" + (f", {skipped} skipped" if skipped else "")
    if verdict.status == PASSED:
        return f"{plural(total - skipped, 'test')} passed{took}"
    if verdict.problem:
        return f"the tests could not run: {first_line(verdict.problem)}"
    failing = [case for case in verdict.cases if case.outcome in (FAILED, ERROR)]
    named = "; ".join(f"{case.name} ({first_line(case.message)})" for case in failing)
    return f"{len(failing)} of {plural(total, 'test')} failed{took}: {named}"


# A failing tutorial fails the build, with each failing test, where it
# failed and its message. One listed as expected to fail does not; if it
# passes, the list is wrong and that fails the build instead.
def verdict_problems(verdicts):
    """What is wrong with the verdicts, {page: Verdict}: a line each, in their order."""
    problems = []
    for page, verdict in verdicts.items():
        name = display_path(page.source)
        if verdict.status in (NOT_RUN, RUNNING):
            continue
        if verdict.expected_failure is not None:
            if verdict.status == PASSED:
                problems.append(f"{name}: its tests passed, but mkdocs.yml lists it under the literate plugin's "
                                "tutorial_tests: expected_failures: remove it from that list")
            continue
        if verdict.status == PASSED:
            continue
        for case in verdict.cases:
            if case.outcome in (FAILED, ERROR):
                location = f"{name}:{case.line}" if case.line else name
                message = textwrap.indent(case.message.strip(), "    ").lstrip()
                problems.append(f"{location}: {case.name} {case.outcome}: {message}")
        problems.append(f"{name}: {verdict_summary(verdict)}")
    return problems
