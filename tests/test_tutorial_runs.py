"""The build runs each tutorial's tests and shows the verdict on its page.

Every tutorial here is made in a temporary source folder; none imports
torch, so that each run costs a Python start and little else."""

import ast
import concurrent.futures
import html
import importlib.metadata
import re
import shutil
import signal
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import build_docs
import literate.console
import literate.read
import literate.textfirst
import literate.parse
import literate.site
import literate.testrun
import literate.judge
import literate.write
import literate.settings
import literate.serve
from site_html import squeeze, visible_text
import support
from support import ROOT, code_facts, plugin_settings, project_config, write


GOOD = '''\
"""
# Good lesson

Both claims hold.
"""


def test_adds():
    """Two and two make four."""
    print("printed: <b>bold</b> & more")
    assert 2 + 2 == 4


# Three threes make nine.
def test_multiplies():
    assert 3 * 3 == 9
'''

BAD = '''\
"""
# Bad lesson

One claim is wrong on purpose.
"""


def test_holds():
    assert True


def test_wrong():
    """Two and two make five, says this test."""
    total = 2 + 2
    assert total == 5, f"expected 5, got {total}"
'''

NO_TESTS = '''\
"""
# Words only

Nothing to check here.
"""
x = 1
'''


def write_config(tmp_path, **tutorial_tests):
    """mkdocs.yml as the project has it, with these tutorial_tests settings of the plugin."""
    return project_config(tmp_path, lambda config: plugin_settings(config).update(tutorial_tests=tutorial_tests))


def build(tmp_path, capsys, *options, **tutorial_tests):
    """Run the build's command line; (exit status, stdout, stderr)."""
    config = write_config(tmp_path, **tutorial_tests)
    status = build_docs.main([
        "--source", str(tmp_path / "source"), "--site-dir", str(tmp_path / "site"),
        "--config", str(config), "--cache-dir", str(tmp_path / "cache"), *options,
    ])
    out, err = capsys.readouterr()
    return status, out, err


def page(tmp_path, name):
    return support.page(tmp_path / "site", name)


def status_line(body):
    found = re.findall(r'<p class="lp-tests lp-tests--([\w-]+)"[^>]*>(.*?)</p>', body, re.S)
    assert len(found) <= 1
    return (found[0][0], squeeze(visible_text(found[0][1]))) if found else None


def marks(body):
    return {name: (state, squeeze(html.unescape(re.sub(r"<[^>]+>", "", words))))
            for state, name, words in re.findall(
                r'<p class="lp-test-mark lp-test-mark--([\w-]+)"[^>]*>.*?<code>(\w+)</code>(.*?)</p>',
                body, re.S)}


def row_of_line(body, line):
    rows = body.split('<div class="lp-section"')[1:]
    return next(row for row in rows if f'data-ln="{line}"' in row)


def outputs(body):
    """{test function: the collapsed block of what it printed}, each found once on the page."""
    blocks = re.findall(r'<details[^>]*class="lp-test-output".*?</details>', body, re.S)
    found = {re.search(r"<summary>.*?<code>(\w+)</code>", block, re.S).group(1): block for block in blocks}
    assert len(found) == len(blocks), "a test's output is shown twice"
    return found


def after_the_code(row):
    """What follows a section's code, up to the next section or the end of the page's column."""
    return row.split("</code></pre></div></div>\n</div>\n", 1)[1].split("</div>", 1)[0]


def judge(tmp_path, run=True, background=None, **tutorial_tests):
    """The test stage alone, without writing a site: {file name: verdict}."""
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    config = literate.settings.load_mkdocs_config(write_config(tmp_path, **tutorial_tests), docs, tmp_path / "site")
    chapters = literate.site.find_chapters(tmp_path / "source", tmp_path, literate.site.site_languages(config))
    pages = literate.site.pages_of(chapters)
    options = literate.judge.TutorialTestOptions(run=run, cache_dir=tmp_path / "cache", background=background)
    texts = literate.textfirst.read_pages(pages)
    verdicts = literate.judge.judge_tutorials(pages, texts, code_facts(texts), tmp_path / "source", config, options)
    return {page.source.name: verdicts.get(page) for page in pages}


def test_a_failing_tutorial_fails_the_build_and_names_the_test(tmp_path, capsys):
    write(tmp_path / "source", "good.py", GOOD)
    write(tmp_path / "source", "bad.py", BAD)
    status, out, err = build(tmp_path, capsys)
    assert status == 1
    wrong_line = BAD.splitlines().index('    assert total == 5, f"expected 5, got {total}"') + 1
    assert re.search(rf"bad\.py:{wrong_line}: test_wrong failed: AssertionError: expected 5, got 4", err)
    assert "bad.py: 1 of 2 tests failed" in err
    assert "good.py" not in err and "Traceback" not in err
    assert not (tmp_path / "site").exists()


def test_pages_show_status_lines_marks_and_escaped_output(tmp_path, capsys):
    write(tmp_path / "source", "good.py", GOOD)
    write(tmp_path / "source", "bad.py", BAD)
    write(tmp_path / "source", "words.py", NO_TESTS)
    status, out, err = build(tmp_path, capsys, expected_failures={"bad.py": "it shows a failure"})
    assert status == 0, err

    good = page(tmp_path, "good")
    state, words = status_line(good)
    assert state == "passed" and words.startswith("✓ 2 tests passed in ")
    assert f"ran on Python {sys.version.split()[0]}" in words
    assert set(marks(good)) == {"test_adds", "test_multiplies"}
    for state, words in marks(good).values():
        assert state == "passed" and re.fullmatch(r"passed in \d+\.\d\d s", words)
    # Each mark sits in the row that holds its function's def line.
    for name in ("test_adds", "test_multiplies"):
        row = row_of_line(good, GOOD.splitlines().index(f"def {name}():") + 1)
        assert list(marks(row)) == [name]
    printed = outputs(good)
    assert list(printed) == ["test_adds"]
    assert "printed: &lt;b&gt;bold&lt;/b&gt; &amp; more" in printed["test_adds"] and "<b>" not in printed["test_adds"]

    bad = page(tmp_path, "bad")
    state, words = status_line(bad)
    assert state == "expected"
    assert words.startswith("✗ 1 of 2 tests failed in ")
    assert "test_wrong (AssertionError: expected 5, got 4) · expected to fail: it shows a failure" in words
    assert marks(bad)["test_holds"][0] == "passed"
    assert marks(bad)["test_wrong"] == ("failed", "failed: AssertionError: expected 5, got 4")

    words_page = page(tmp_path, "words")
    assert status_line(words_page) is None and "lp-test-mark" not in words_page
    assert "lp-test-output" not in words_page

    results = squeeze(visible_text(page(tmp_path, "test-results")))
    assert re.search(r"Good lesson ✓ 2 tests passed .*Words only no tests", results)
    assert "Bad lesson ✗ 1 of 2 tests failed" in results


def test_the_expected_failure_list_cannot_rot(tmp_path, capsys):
    write(tmp_path / "source", "good.py", GOOD)
    write(tmp_path / "source", "bad.py", BAD)
    assert build(tmp_path, capsys, expected_failures={"bad.py": ""})[0] == 0
    before = {p: p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}

    status, out, err = build(tmp_path, capsys, expected_failures={"bad.py": "", "good.py": "flaky"})
    assert status == 1
    assert ("good.py: its tests passed, but mkdocs.yml lists it under the literate plugin's tutorial_tests: "
            "expected_failures") in err
    assert {p: p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()} == before

    status, out, err = build(tmp_path, capsys, expected_failures={"gone.py": ""})
    assert status == 1
    assert "plugins: literate: tutorial_tests: expected_failures names gone.py, which is not a tutorial with tests" in err


def test_no_run_builds_without_running_anything(tmp_path, capsys):
    write(tmp_path / "source", "bad.py", BAD.replace("total = 2 + 2", "open('ran', 'w').close(); total = 2 + 2"))
    status, out, err = build(tmp_path, capsys, "--no-run")
    assert status == 0, err
    assert status_line(page(tmp_path, "bad")) == ("not-run", "○ 2 tests, not run in this build (--no-run)")
    assert marks(page(tmp_path, "bad")) == {}
    assert not (tmp_path / "source" / "ran").exists()


# pytest and its plugins like to leave folders where they run
# (`.pytest_cache`, `__pycache__`, pytest-benchmark's `.benchmarks`); the
# build runs them in the source folder, which must stay as the author left it.
def test_running_the_tests_leaves_nothing_in_the_source_folder(tmp_path, capsys):
    write(tmp_path / "source", "good.py", GOOD)
    status, out, err = build(tmp_path, capsys)
    assert status == 0, err
    assert "good.py: 2 tests passed" in out
    assert sorted(path.name for path in (tmp_path / "source").iterdir()) == ["good.py"]


RUN_COUNTER = '''\
import helper


def test_counts_its_runs():
    with open("runs.log", "a") as log:
        log.write("run\\n")
    assert helper.value() == 1
'''


# A process per core, a thread per process: the tutorials' math libraries
# do not each start a thread per core, unless the user chose a number.
@pytest.mark.parametrize("chosen, seen", [(None, "1"), ("3", "3")])
def test_each_tutorial_run_has_one_thread_unless_the_user_chose(tmp_path, monkeypatch, chosen, seen):
    for name in literate.testrun.ONE_THREAD:
        monkeypatch.delenv(name, raising=False)
        if chosen:
            monkeypatch.setenv(name, chosen)
    write(tmp_path, "threads.py", f"""\
        import os


        def test_threads():
            assert (os.environ["OMP_NUM_THREADS"], os.environ["MKL_NUM_THREADS"]) == ("{seen}", "{seen}")
        """)
    verdict = literate.testrun.run_tutorial_tests(tmp_path / "threads.py", "threads.py", tmp_path, ["test_threads"], 60,
                                                  literate.testrun.RunningTests())
    assert verdict.status == literate.testrun.PASSED, verdict.output


# What a verdict depends on: every import form a tutorial may use leads to
# the project's files, and what is not in the project is a library.
def test_the_project_files_a_tutorial_runs_are_found(tmp_path):
    source = tmp_path / "source"
    write(source, "lesson.py", "import os\nimport torch\nfrom numpy import linalg\nimport helper\n"
                               "from pkg import sub\nfrom pkg.sub import thing\n\n\ndef test_a():\n    import yaml\n")
    write(source, "helper.py", "X = 1\n")
    write(source, "conftest.py", "import pytest\n")
    write(source, "pkg/__init__.py", "")
    write(source, "pkg/sub.py", "from .deep import y\nthing = 1\n")
    write(source, "pkg/deep.py", "y = 2\n")
    write(source, "unrelated.py", "x = 1\n")
    files, elsewhere = literate.judge.dependencies(source / "lesson.py", source, {})
    expected = ["lesson.py", "helper.py", "conftest.py", "pkg/__init__.py", "pkg/sub.py", "pkg/deep.py"]
    assert sorted(files) == sorted((source / name).resolve() for name in expected)
    assert elsewhere == {"numpy", "pytest", "torch", "yaml"}


# A helper Python cannot compile is still the project's: it is in the key,
# and not taken for a library. (The standard library's `modulefinder`
# takes it for a missing module, which is why the walk is our own.)
def test_a_broken_helper_is_part_of_what_a_verdict_depends_on(tmp_path):
    source = tmp_path / "source"
    write(source, "lesson.py", "import helper\n")
    write(source, "helper.py", "def broken(:\n")
    files, _ = literate.judge.dependencies(source / "lesson.py", source, {})
    assert (source / "helper.py").resolve() in files


@pytest.mark.parametrize("path", sorted(path for path in (ROOT / "source").rglob("*.py")
                                        if not path.name.startswith("__init__")), ids=lambda path: path.name)
def test_our_tutorials_depend_on_themselves_and_the_libraries_they_import(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    files, elsewhere = literate.judge.dependencies(path, ROOT / "source", {})
    assert list(files) == [path.resolve()]
    assert elsewhere == imported - set(sys.stdlib_module_names)


def test_the_cache_reruns_only_what_changed(tmp_path):
    source = tmp_path / "source"
    write(source, "counter.py", RUN_COUNTER)
    write(source, "helper.py", "from tools import deep\n\n\ndef value():\n    return deep.ONE\n")
    write(source, "tools/__init__.py", "")
    write(source, "tools/deep.py", "ONE = 1\n")
    write(source, "unrelated.py", "x = 1\n")

    def runs():
        return (source / "runs.log").read_text().count("run")

    def runs_after(*edits):
        for name, text in edits:
            write(source, name, text)
        judge(tmp_path)
        return runs()

    assert judge(tmp_path)["counter.py"].status == literate.testrun.PASSED and runs() == 1
    assert judge(tmp_path)["counter.py"].status == literate.testrun.PASSED and runs() == 1
    assert runs_after(("unrelated.py", "x = 2\n")) == 1
    assert runs_after(("counter.py", RUN_COUNTER + "# an edit\n")) == 2
    assert runs_after(("helper.py", "from tools import deep\n\n\ndef value():\n    return deep.ONE * 1\n")) == 3
    assert runs_after(("tools/deep.py", "ONE = 2 - 1\n")) == 4
    # A module the helper imports only since its last edit is followed too.
    assert runs_after(("tools/other.py", "TWO = 2\n"),
                      ("helper.py", "from tools import deep, other\n\n\ndef value():\n    return deep.ONE\n")) == 5
    assert runs_after(("tools/other.py", "TWO = 1 + 1\n")) == 6


SAVED_DURING_ITS_RUN = '''\
from pathlib import Path


def test_saved_meanwhile():
    with open("runs.log", "a") as log:
        log.write("run\\n")
    if not Path("saved").exists():
        Path("saved").write_text("once")
        Path(__file__).write_text(Path(__file__).read_text() + "# saved while its tests ran\\n")
'''


# A tutorial saved while its tests run (the preview runs them while the
# author types) may have run either version, so that verdict is kept for
# no version: the version the build read, back on disk, is run again.
def test_a_tutorial_saved_while_its_tests_run_is_run_again(tmp_path):
    source = tmp_path / "source"
    tutorial = write(source, "lesson.py", SAVED_DURING_ITS_RUN)

    def runs():
        return (source / "runs.log").read_text().count("run")

    assert judge(tmp_path)["lesson.py"].status == literate.testrun.PASSED and runs() == 1
    tutorial.write_text(SAVED_DURING_ITS_RUN, encoding="utf-8")
    assert judge(tmp_path)["lesson.py"].status == literate.testrun.PASSED and runs() == 2
    assert judge(tmp_path)["lesson.py"].status == literate.testrun.PASSED and runs() == 2


# A preview builds on every edit, and tells each verdict once: when it is
# made, or the first time it comes from the cache, not again on each build.
def test_a_preview_prints_each_verdict_once(tmp_path, capsys):
    tutorial = write(tmp_path / "source", "good.py", GOOD)
    judge(tmp_path)
    capsys.readouterr()
    news = literate.console.Console(keep=True)
    background = literate.serve.BackgroundTests(tmp_path / "notify", news)

    def told():
        return "\n".join(news.take())

    try:
        judge(tmp_path, background=background)
        assert told().count("good.py: 2 tests passed") == 1
        judge(tmp_path, background=background)
        assert "good.py" not in told()
        tutorial.write_text(GOOD + "\n# An edit.\n", encoding="utf-8")
        judge(tmp_path, background=background)
        background.pool.shutdown(wait=True)
        assert told().count("good.py: 2 tests passed") == 1
        assert judge(tmp_path, background=background)["good.py"].status == literate.testrun.PASSED
        assert "good.py" not in told()
        assert "good.py" not in capsys.readouterr().out
    finally:
        background.stop()


# A preview's tests yield the processor to its builds; a build's do not.
def test_a_preview_runs_its_tests_at_a_lower_priority(tmp_path):
    seen = tmp_path / "niceness"
    write(tmp_path / "source", "lesson.py", f"""\
        import os


        def test_priority():
            with open({str(seen)!r}, "a") as record:
                record.write(f"{{os.nice(0)}} ")
        """)
    judge(tmp_path)
    background = literate.serve.BackgroundTests(tmp_path / "notify", literate.console.Console(keep=True))
    try:
        write(tmp_path / "source", "lesson.py", (tmp_path / "source" / "lesson.py").read_text() + "# An edit.\n")
        judge(tmp_path, background=background)
        background.pool.shutdown(wait=True)
    finally:
        background.stop()
    ours = os.nice(0)
    assert seen.read_text().split() == [str(ours), str(min(19, ours + literate.serve.PREVIEW_TEST_NICENESS))]


# On two cores a preview runs one tutorial at a time, leaving the other core
# to its builds, and the tutorial saved last first: here `a.py` and `b.py`
# wait while `first.py` runs, and `b.py`, saved after `a.py`, goes first.
def test_a_preview_runs_the_tutorial_saved_last_first(tmp_path, monkeypatch):
    monkeypatch.setattr(literate.serve.os, "cpu_count", lambda: 2)
    order, release = [], threading.Event()

    def run_tutorial_tests(script, name, folder, functions, timeout, running, runtime=()):
        order.append(Path(script).name)
        assert release.wait(60)
        return literate.testrun.Verdict(literate.testrun.PASSED, functions)

    monkeypatch.setattr(literate.serve, "run_tutorial_tests", run_tutorial_tests)
    background = literate.serve.BackgroundTests(tmp_path / "notify", literate.console.Console(keep=True))
    try:
        write(tmp_path / "source", "first.py", GOOD)
        judge(tmp_path, background=background)
        for name in ("a.py", "b.py"):
            write(tmp_path / "source", name, GOOD)
            judge(tmp_path, background=background)
        release.set()
        background.pool.shutdown(wait=True)
    finally:
        background.stop()
    assert order == ["first.py", "b.py", "a.py"]


# A timeout counts from the moment the test that hangs has started: the
# tutorial leaves a file then, and the build's wait for pytest begins only
# once that file is there, so the time pytest takes to start, however busy
# the machine, is not part of it.
class TimedFromStart(subprocess.Popen):
    started = None

    def communicate(self, input=None, timeout=None):
        if timeout is not None and not getattr(self, "waited", False):
            self.waited = True
            deadline = time.monotonic() + 120
            while not self.started.exists() and self.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
        return super().communicate(input, timeout)


def timed_from(started, monkeypatch):
    monkeypatch.setattr(TimedFromStart, "started", started)
    monkeypatch.setattr(literate.testrun.subprocess, "Popen", TimedFromStart)


HANGS = '''\
import pathlib
import time


def test_quick():
    assert True


def test_hangs():
    pathlib.Path({started!r}).touch()
    while True:
        time.sleep(0.05)
'''


# A shell's background job (`python build_docs.py &`) starts with the
# interrupt ignored; the build must still interrupt a tutorial at its timeout.
@pytest.fixture(params=["as usual", "ignored by the build"])
def interrupt(request):
    previous = signal.getsignal(signal.SIGINT)
    if request.param == "ignored by the build":
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    yield
    signal.signal(signal.SIGINT, previous)


def test_a_hanging_tutorial_is_stopped_at_its_timeout(tmp_path, capsys, monkeypatch, interrupt):
    started = tmp_path / "started"
    write(tmp_path / "source", "hangs.py", HANGS.format(started=str(started)))
    timed_from(started, monkeypatch)
    # Interrupted, pytest writes its report and ends; on a loaded machine
    # that can take longer than the usual grace before the kill.
    monkeypatch.setattr(literate.testrun, "GRACE_SECONDS", 60)
    status, out, err = build(tmp_path, capsys, timeout=60, timeouts={"hangs.py": 1.5})
    assert status == 1
    hang_line = HANGS.splitlines().index("        time.sleep(0.05)") + 1
    assert re.search(rf"hangs\.py: timed out: test_hangs did not finish within 1\.5 s "
                     rf"\(stopped at \S*hangs\.py:{hang_line}\)", err), err


def test_a_tutorial_that_ignores_the_interrupt_is_killed(tmp_path, monkeypatch):
    monkeypatch.setattr(literate.testrun, "GRACE_SECONDS", 0.5)
    started = tmp_path / "started"
    write(tmp_path / "source", "stubborn.py", "import pathlib\nimport signal\nimport time\n\n\ndef test_stubborn():\n"
          "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
          f"    pathlib.Path({str(started)!r}).touch()\n    while True:\n        time.sleep(0.05)\n")
    timed_from(started, monkeypatch)
    verdict = judge(tmp_path, timeout=1)["stubborn.py"]
    assert verdict.status == literate.testrun.TIMED_OUT
    assert verdict.problem == "test_stubborn did not finish within 1 s"
    # pytest never saw the interrupt: the process was killed.
    assert "KeyboardInterrupt" not in verdict.output


def test_a_tutorial_that_cannot_be_imported_says_why(tmp_path):
    write(tmp_path / "source", "broken.py", "import no_such_module_here\n\n\ndef test_a():\n    pass\n")
    verdict = judge(tmp_path)["broken.py"]
    assert verdict.status == literate.testrun.FAILED
    assert literate.testrun.verdict_summary(verdict) == (
        "the tests could not run: ModuleNotFoundError: No module named 'no_such_module_here'")


# A preview keeps a verdict that the cache does not (a timeout) from one
# build to the next; what one build's settings said of it stays out of it:
# a tutorial taken off the list of expected failures is one no longer.
def test_a_kept_verdict_carries_no_settings_into_the_next_build(tmp_path, monkeypatch):
    def run_tutorial_tests(script, name, folder, functions, timeout, running, runtime=()):
        return literate.testrun.Verdict(literate.testrun.TIMED_OUT, functions, problem="test_adds did not finish")

    monkeypatch.setattr(literate.serve, "run_tutorial_tests", run_tutorial_tests)
    write(tmp_path / "source", "slow.py", GOOD)
    background = literate.serve.BackgroundTests(tmp_path / "notify", literate.console.Console(keep=True))
    try:
        judge(tmp_path, background=background)
        background.pool.shutdown(wait=True)
        listed = judge(tmp_path, background=background, expected_failures={"slow.py": "too slow here"})["slow.py"]
        unlisted = judge(tmp_path, background=background)["slow.py"]
    finally:
        background.stop()
    assert (listed.status, listed.expected_failure) == (literate.testrun.TIMED_OUT, "too slow here")
    assert (unlisted.status, unlisted.expected_failure) == (literate.testrun.TIMED_OUT, None)


# What MkDocs checks of the settings, tests/test_settings.py tests; the
# names in them are checked against the tutorials found.
def test_settings_name_tutorials_with_tests(tmp_path):
    write(tmp_path / "source", "good.py", GOOD)
    with pytest.raises(literate.read.BuildError, match=r"timeouts names other\.py, which is not a tutorial"):
        judge(tmp_path, timeouts={"other.py": 5})


def test_results_page_lists_slowest_first():
    verdicts = {}

    def tutorial(name, seconds=None, status=literate.testrun.PASSED):
        page = literate.site.Page(Path(f"{name}.py"), name, f"source/{name}.py", "en", title=name.title())
        if seconds is not None:
            verdicts[page] = literate.testrun.Verdict(status, ["test_a"], [literate.testrun.CaseResult("test_a", status, 0)],
                                                      seconds, runtime=[["Python", "3.11.7"]])
        return page

    pages = [tutorial("quick", 0.4), tutorial("plain"), tutorial("slow", 12.5),
             tutorial("skipped", 3, literate.testrun.NOT_RUN), tutorial("middle", 2.25, literate.testrun.FAILED)]
    english = [literate.site.Language("en", "English", "")]
    shown = literate.write.Shown({}, verdicts)
    rows = [line for line in literate.write.render_test_results(pages, shown, english, "en").splitlines()
            if line.startswith("| [")]
    assert [re.match(r"\| \[(\w+)\]", row).group(1) for row in rows] == ["Slow", "Middle", "Quick", "Plain", "Skipped"]
    assert "| 12.5 s | Python 3.11.7 |" in rows[0]


def test_the_build_never_imports_the_tutorials_libraries(tmp_path):
    write(tmp_path / "source", "numeric.py", "import numpy\n\n\ndef test_sum():\n    assert numpy.arange(3).sum() == 3\n")
    write_config(tmp_path)
    (tmp_path / "docs").mkdir()
    script = textwrap.dedent("""\
        import sys
        from pathlib import Path
        from literate import judge, parse, settings, site, textfirst
        tmp = Path(sys.argv[1])
        config = settings.load_mkdocs_config(tmp / "mkdocs.yml", tmp / "docs", tmp / "site")
        languages = site.site_languages(config)
        pages = site.pages_of(site.find_chapters(tmp / "source", tmp, languages))
        texts = textfirst.read_pages(pages)
        facts = {page.source: parse.parse_code(texts[page.source].code).facts for page in pages}
        verdict = judge.judge_tutorials(pages, texts, facts, tmp / "source", config,
                                        judge.TutorialTestOptions(cache_dir=tmp))[pages[0]]
        print("verdict:", verdict.status, verdict.runtime)
        print("imported:", sorted(name for name in ("torch", "numpy") if name in sys.modules))
    """)
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "imported: []" in result.stdout
    assert f"('numpy', '{importlib.metadata.version('numpy')}')" in result.stdout
    assert "verdict: passed (('Python', " in result.stdout


# The parse finds the `test_*` functions pytest collects, at the line of
# their first decorator: Python reads identifiers in NFKC form, so a test
# named in full-width letters counts too. A module that says `def test_`
# only in a string, or defines one inside a class or a function, has none.
@pytest.mark.quick
def test_the_parse_finds_the_test_functions_pytest_collects():
    def tests(code):
        return literate.parse.parse_code(code).tests

    assert tests("x = 1\n") == ()
    assert tests("def ｔｅｓｔ_wide():\n    pass\n") == (("test_wide", 1),)
    assert tests("@mark\ndef test_a():\n    pass\n") == (("test_a", 1),)
    assert tests("async def\ttest_b():\n    pass\n") == (("test_b", 1),)
    assert tests("def \\\n  test_c():\n    pass\n") == (("test_c", 1),)
    assert tests("x = 'def test_d(): pass'\nclass T:\n    def test_e(self):\n        pass\n") == ()


# ## What the guide promises of a run ("Tests on pages")

# Tutorials run in parallel, one per core. With two cores and three
# tutorials: each notes how many run beside it once a second has started
# (one at a time, none would ever get there), and none leaves before the
# other of its pair has noted it, so the third cannot have started by then.
MEETS = '''\
import pathlib
import time

HERE = pathlib.Path({folder!r})


def wait_for(folder, count):
    deadline = time.monotonic() + 120
    while len(list((HERE / folder).iterdir())) < count:
        assert time.monotonic() < deadline, f"fewer than {{count}} in {{folder}}: no other tutorial ran beside this one"
        time.sleep(0.02)


def test_meets_another():
    (HERE / "running" / {name!r}).touch()
    (HERE / "started" / {name!r}).touch()
    wait_for("started", 2)
    (HERE / "seen" / {name!r}).write_text(str(len(list((HERE / "running").iterdir()))))
    (HERE / "noted" / {name!r}).touch()
    wait_for("noted", 2)
    (HERE / "running" / {name!r}).unlink()
'''


def test_tutorials_run_in_parallel_one_per_core(tmp_path, monkeypatch):
    for folder in ("started", "running", "seen", "noted"):
        (tmp_path / folder).mkdir()
    for name in ("one", "two", "three"):
        write(tmp_path / "source", f"{name}.py", MEETS.format(folder=str(tmp_path), name=name))
    monkeypatch.setattr(literate.judge.os, "cpu_count", lambda: 2)
    pools = []

    class Pool(concurrent.futures.ThreadPoolExecutor):
        def __init__(self, max_workers=None, *arguments, **options):
            pools.append(max_workers)
            super().__init__(max_workers, *arguments, **options)
    monkeypatch.setattr(literate.judge.concurrent.futures, "ThreadPoolExecutor", Pool)
    verdicts = judge(tmp_path)
    # Whether a third would have started beside them, had the pool been
    # larger, depends on how fast pytest starts: the pool's size says it.
    assert pools == [2]
    for name in ("one.py", "two.py", "three.py"):
        assert verdicts[name].status == literate.testrun.PASSED, verdicts[name].output
    seen = sorted(int((tmp_path / "seen" / name).read_text()) for name in ("one", "two", "three"))
    # The first two saw each other; the third, started when one of them
    # had left, never saw three at once.
    assert seen in ([1, 2, 2], [2, 2, 2]), seen


# Each test function's mark: a skipped one says so and why; what the tests
# printed on stdout and on stderr follows its code.
MIXED = '''\
import sys

import pytest


def test_prints_to_both():
    print("said on stdout")
    print("said on stderr", file=sys.stderr)


def test_left_out():
    pytest.skip("no GPU on this machine")
'''


def test_a_skipped_test_and_what_went_to_stderr_are_on_the_page(tmp_path, capsys):
    write(tmp_path / "source", "mixed.py", MIXED)
    status, out, err = build(tmp_path, capsys)
    assert status == 0, err
    body = page(tmp_path, "mixed")
    assert marks(body) == {"test_prints_to_both": marks(body)["test_prints_to_both"],
                           "test_left_out": ("skipped", "skipped: no GPU on this machine")}
    assert marks(body)["test_prints_to_both"][0] == "passed"
    block = outputs(body)["test_prints_to_both"]
    assert "said on stdout" in block and "said on stderr" in block


# What each test printed follows the code of that test, all of it (a
# test's commentary may cut its code into rows), in a block that starts
# collapsed, and is nowhere else on the page; a warm build, from the
# cache, shows the same. Its summary is in the page's language.
PRINTS = '''\
"""
# Two voices

Each test says something of its own.
"""


def test_first():
    def voice():
        """What it says: this commentary cuts the test's code in two, and what it printed follows the whole."""
        return "one"

    print("the first says", "<i>" + voice() + "</i>")


def test_quiet():
    assert True


# The second one speaks up.
@pytest.mark.parametrize("n", [2, 3])
def test_second(n):
    print(f"the second says {n}")
'''
PRINTS_ZH = PRINTS.replace("# Two voices", "# 两个声音").replace("Each test says something of its own.", "每个测试各说各的。")


def test_each_test_s_output_follows_its_own_code(tmp_path, capsys):
    source = "import pytest\n" + PRINTS
    write(tmp_path / "source", "prints.py", source)
    write(tmp_path / "source", "prints_zh.py", "import pytest\n" + PRINTS_ZH)
    status, out, err = build(tmp_path, capsys)
    assert status == 0, err
    lines = source.splitlines()
    for url, printed_word in (("prints", "What "), ("zh/prints", " 的输出")):
        body = page(tmp_path, url)
        blocks = outputs(body)
        assert sorted(blocks) == ["test_first", "test_second"], url
        first = after_the_code(row_of_line(body, lines.index('    print("the first says", "<i>" + voice() + "</i>")') + 1))
        assert row_of_line(body, lines.index("def test_first():") + 1) != row_of_line(
            body, lines.index('    print("the first says", "<i>" + voice() + "</i>")') + 1), "test_first is one section"
        second = after_the_code(row_of_line(body, lines.index("def test_second(n):") + 1))
        assert first.strip() == blocks["test_first"], "test_first's output is not right after its code"
        assert second.strip() == blocks["test_second"], "test_second's output is not right after its code"
        assert "the first says &lt;i&gt;one&lt;/i&gt;" in first and "the second" not in first
        assert "test_second[2]:\nthe second says 2\ntest_second[3]:\nthe second says 3" in second
        assert "first says" not in second
        assert body.count("the first says &lt;i&gt;one") == 1 and body.count("the second says 2") == 1
        for block in blocks.values():
            assert "<details" in block and " open" not in block.split(">", 1)[0], "not collapsed"
            assert printed_word in visible_text(block)
        assert "What the tests printed" not in body and "测试的输出" not in body
    assert "prints.py: 4 tests passed" in out
    cold = {url: page(tmp_path, url) for url in ("prints", "zh/prints")}
    shutil.rmtree(tmp_path / "site")
    status, out, err = build(tmp_path, capsys)
    assert status == 0 and "prints.py: 4 tests passed" in out and "(cached)" in out, out
    assert {url: outputs(page(tmp_path, url)) for url in cold} == {url: outputs(cold[url]) for url in cold}


# A tutorial that cannot be imported fails the build, as a failing test does.
def test_a_tutorial_that_cannot_be_imported_fails_the_build(tmp_path, capsys):
    write(tmp_path / "source", "broken.py", "import no_such_module_here\n\n\ndef test_a():\n    pass\n")
    status, out, err = build(tmp_path, capsys)
    assert status == 1
    assert "broken.py" in err and "No module named 'no_such_module_here'" in err, err
    assert not (tmp_path / "site").exists()


# The verdict is kept while nothing it depends on changes; a conftest.py
# beside the tutorial, its timeout, and the versions of Python, pytest and
# the libraries it imports (here numpy, imported where it never runs) are
# each part of that.
def test_the_cache_reruns_when_conftest_timeout_or_a_version_changes(tmp_path, monkeypatch):
    source = tmp_path / "source"
    write(source, "counter.py", RUN_COUNTER + "\n\ndef never_called():\n    import numpy\n")
    write(source, "helper.py", "def value():\n    return 1\n")
    write(source, "conftest.py", "# nothing yet\n")

    def runs(**settings):
        assert judge(tmp_path, **settings)["counter.py"].status == literate.testrun.PASSED
        return (source / "runs.log").read_text().count("run")

    assert runs() == 1 and runs() == 1
    write(source, "conftest.py", "# an edit\n")
    assert runs() == 2
    assert runs(timeout=119) == 3 and runs(timeout=119) == 3
    real_version = importlib.metadata.version

    def version(name, changed):
        return "0.0.1" if name == changed else real_version(name)

    for changed in ("numpy", "pytest"):
        monkeypatch.setattr(literate.judge.importlib.metadata, "version", lambda name: version(name, changed))
        assert runs(timeout=119) == (4 if changed == "numpy" else 5)
    monkeypatch.setattr(literate.judge.importlib.metadata, "version", real_version)
    assert runs(timeout=119) == 6  # back to the real versions: that key was overwritten
    monkeypatch.setattr(literate.judge.platform, "python_version", lambda: "3.99.0")
    monkeypatch.setattr(literate.judge.sys, "version", "3.99.0 (a Python of the future)")
    assert runs(timeout=119) == 7


# A verdict of "timed out" says how busy the machine was: it is never kept.
def test_a_timeout_is_never_cached(tmp_path):
    entry = literate.judge.cache_entry(tmp_path / "cache", tmp_path / "slow.py")
    timed_out = literate.testrun.Verdict(literate.testrun.TIMED_OUT, ["test_a"], problem="test_a did not finish")
    literate.judge.store_verdict(entry, "key", timed_out, {})
    assert literate.judge.cached_verdict(entry, "key") is None
    passed = literate.testrun.Verdict(literate.testrun.PASSED, ["test_a"])
    literate.judge.store_verdict(entry, "key", passed, {})
    assert literate.judge.cached_verdict(entry, "key").status == literate.testrun.PASSED
