"""`build_docs.py serve`: the preview server picks up an edited source."""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

from support import ROOT, project_config, wait_until



# The preview is started on port 0 and announces the port the system gave
# it; its log goes to a file, which nothing has to keep reading. It gets
# SIGINT's default disposition, as a command typed at a terminal does, also
# when pytest runs as a shell's background job, which ignores SIGINT and
# hands that on to its children (Python then never turns it into Ctrl-C).
def interruptible():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# The previews of a few lessons build with the project's settings without
# the generator's pages (`project_config`), which the preview would render
# in its own process, one after the other; the last test here keeps them.
@contextlib.contextmanager
def preview(source, tmp_path, env=None, *options, generator=ROOT):
    log = tmp_path / "serve.log"
    with open(log, "w", encoding="utf-8") as output:
        server = subprocess.Popen(
            [sys.executable, str(generator / "build_docs.py"), "serve", "--source", str(source),
             "--cache-dir", str(tmp_path / "cache"), "--dev-addr", "127.0.0.1:0", *options],
            stdout=output, stderr=subprocess.STDOUT, env=env, preexec_fn=interruptible)
    try:
        waited(lambda: "Serving on http://" in log.read_text(encoding="utf-8") or server.poll() is not None,
               120, "the preview to announce its address")
        announced = re.search(r"Serving on (http://127\.0\.0\.1:[1-9]\d*/)", log.read_text(encoding="utf-8"))
        assert announced, f"the preview gave no address:\n{log.read_text(encoding='utf-8')}"
        yield server, announced.group(1)
    finally:
        stop(server)


def stop(server):
    """Ends the preview as a supervisor would; a preview too slow to end is killed."""
    server.terminate()
    try:
        server.wait(timeout=10)
    finally:
        server.kill()
        server.wait()


def fetch_until(url, wanted, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body = response.read().decode("utf-8")
            if wanted in body:
                return body
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never showed {wanted!r} within {timeout} s")


# What the preview prints: its address, then one line per build, naming
# what changed and how long the build took; what MkDocs says shows only
# with `-v`.
def test_serve_shows_an_edited_source(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    tutorial = source / "lesson.py"
    tutorial.write_text("# First version of the words.\nx = 1\n", encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    log = tmp_path / "serve.log"
    with preview(source, tmp_path, dict(os.environ, TMPDIR=str(scratch)), "--config", str(project_config(tmp_path))) as (
            server, address):
        url = address + "lesson/"
        fetch_until(url, "First version of the words.", timeout=60)
        tutorial.write_text("# Second version of the words.\nx = 2\n", encoding="utf-8")
        fetch_until(url, "Second version of the words.", timeout=30)
        waited(lambda: "lesson.py: rebuilt in" in log.read_text(encoding="utf-8"), 30, "the rebuild's line")
        server.terminate()
        server.wait(timeout=10)
    assert not list(scratch.glob("build_docs-*")), "a terminated preview leaves its temporary site behind"
    lines = log.read_text(encoding="utf-8").splitlines()
    assert re.fullmatch(r"Serving on http://127\.0\.0\.1:\d+/ \(Ctrl-C stops\)", lines[1]), lines
    assert re.fullmatch(r"\d\d:\d\d:\d\d the preview: rebuilt in \d+\.\d\d s", lines[0]), lines
    assert re.fullmatch(rf"\d\d:\d\d:\d\d {re.escape(str(tutorial))}: rebuilt in \d+\.\d\d s", lines[2]), lines
    assert len(lines) == 3, lines


SLOW_LESSON = '''\
# {words}
import os
import time


def test_takes_its_time():
    with open(os.path.join({pids!r}, str(os.getpid())), "w"):
        pass
    time.sleep({seconds})
'''


def alive(pid):
    """A process that has ended but not been reaped (a zombie, state Z) is not alive."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def waited(condition, timeout, what):
    assert wait_until(condition, timeout, interval=0.1), f"waited {timeout} s for {what}"


# The page shows an edit while the tutorial's tests still run, and their
# verdict when they finish. The tests of the version before are stopped,
# and so are those still running when the preview ends.
def test_serve_shows_an_edit_before_its_tests_finish(tmp_path):
    source, pids = tmp_path / "source", tmp_path / "pids"
    source.mkdir()
    pids.mkdir()
    tutorial = source / "lesson.py"
    tutorial.write_text(SLOW_LESSON.format(words="First version.", pids=str(pids), seconds=120), encoding="utf-8")
    try:
        with preview(source, tmp_path, None, "--config", str(project_config(tmp_path))) as (server, address):
            url = address + "lesson/"
            assert "lp-tests--running" in fetch_until(url, "First version.", timeout=60)
            waited(lambda: list(pids.iterdir()), 60, "the first version's tests to start")
            first_run = int(next(pids.iterdir()).name)
            tutorial.write_text(SLOW_LESSON.format(words="Second version.", pids=str(pids), seconds=3),
                                encoding="utf-8")
            # With a slow rebuild the 3 s run may have ended by the time the edit is seen.
            assert re.search(r"lp-tests--(running|passed)", fetch_until(url, "Second version.", timeout=30))
            waited(lambda: not alive(first_run), 10, "the first version's tests to be stopped")
            fetch_until(url, "1 test passed", timeout=60)
            tutorial.write_text(SLOW_LESSON.format(words="Third version.", pids=str(pids), seconds=120),
                                encoding="utf-8")
            fetch_until(url, "Third version.", timeout=30)
            waited(lambda: len(list(pids.iterdir())) == 3, 60, "the third version's tests to start")
            last_run = max((int(path.name) for path in pids.iterdir() if int(path.name) != first_run),
                           key=lambda pid: (pids / str(pid)).stat().st_mtime_ns)
            assert alive(last_run)
            server.terminate()
            server.wait(timeout=10)
            waited(lambda: not alive(last_run), 10, "the last tests to be stopped with the preview")
    finally:
        for path in pids.iterdir():
            if alive(int(path.name)):
                os.kill(int(path.name), signal.SIGKILL)


# ## What else the preview promises
#
# One preview of a small project with its own mkdocs.yml and theme folder
# beside it: an edit to a template or to mkdocs.yml is built and the browser
# told to reload (MkDocs' live-reload script asks /livereload/<epoch>/<id>,
# which answers a newer epoch once a build has finished); a source that
# breaks prints its error while the previous pages stay served; a tutorial
# whose tests fail is reported and shown, and the preview goes on; Ctrl-C
# (SIGINT) ends it and removes its temporary site.
FAILING = """\
def test_holds():
    assert True


def test_wrong():
    assert 2 + 2 == 5, "two and two make five, says this test"
"""


def reload_epoch(address, epoch, timeout):
    """What the live-reload script's poll answers; the browser reloads when it exceeds epoch."""
    with urllib.request.urlopen(f"{address}livereload/{epoch}/1", timeout=timeout) as response:
        return int(response.read())


def test_serve_rebuilds_on_templates_and_settings_and_survives_failures(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    lesson = source / "lesson.py"
    lesson.write_text("# First words.\nx = 1\n", encoding="utf-8")
    (source / "failing.py").write_text(FAILING, encoding="utf-8")
    templates = tmp_path / "templates"  # the theme's custom_dir, which serve watches
    shutil.copytree(ROOT / "site_templates", templates)
    config_file = project_config(tmp_path, lambda config: config["theme"].update(custom_dir=str(templates)))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    log = tmp_path / "serve.log"
    with preview(source, tmp_path, dict(os.environ, TMPDIR=str(scratch)), "--config", str(config_file)) as (
            server, address):
        url = address + "lesson/"
        first = fetch_until(url, "First words.", timeout=60)
        epoch = int(re.search(r"livereload\((\d+), \d+\);", first).group(1))

        main = templates / "main.html"
        main.write_text(main.read_text(encoding="utf-8").replace(
            '<aside class="md-grid lp-feedback"', '<aside data-edited="template" class="md-grid lp-feedback"'),
            encoding="utf-8")
        fetch_until(url, 'data-edited="template"', timeout=60)
        after_template = reload_epoch(address, epoch, timeout=60)
        assert after_template > epoch, "the browser was not told to reload after a template edit"

        config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        config["site_name"] = "A renamed preview"
        config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        fetch_until(url, "A renamed preview", timeout=60)
        assert reload_epoch(address, after_template, timeout=60) > after_template

        fetch_until(address + "failing/", "lp-tests--failed", timeout=120)
        waited(lambda: "test_wrong failed" in log.read_text(encoding="utf-8"), 60, "the log to name the failing test")
        assert "two and two make five" in log.read_text(encoding="utf-8")
        assert server.poll() is None, "a failing tutorial stopped the preview"

        lesson.write_text("# Broken words.\nx = (\n", encoding="utf-8")
        waited(lambda: re.search(r"lesson\.py:2:\d+: ", log.read_text(encoding="utf-8")), 60, "the log to name the broken line")
        assert server.poll() is None, "a failed build stopped the preview"
        kept = fetch_until(url, "First words.", timeout=10)
        assert "Broken words." not in kept and "A renamed preview" in kept
        lesson.write_text("# Mended words.\nx = 2\n", encoding="utf-8")
        fetch_until(url, "Mended words.", timeout=60)

        assert list(scratch.glob("build_docs-*")), "the preview keeps its site in a temporary folder"
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    assert not list(scratch.glob("build_docs-*")), "Ctrl-C leaves the temporary site behind"


# The generator is a chapter of the site, its pages made from build_docs.py
# and literate/: the preview rebuilds when they are edited. A copy of the
# generator is edited here, never the checkout's.
def test_serve_rebuilds_when_the_generator_is_edited(tmp_path):
    generator = tmp_path / "generator"
    generator.mkdir()
    shutil.copy2(ROOT / "build_docs.py", generator)
    for folder in ("literate", "site_templates"):
        shutil.copytree(ROOT / folder, generator / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "mkdocs.yml", generator)
    source = generator / "source"
    source.mkdir()
    shutil.copy2(ROOT / "source" / "search_words_zh.txt", source)
    (source / "lesson.py").write_text("# Words.\nx = 1\n", encoding="utf-8")
    with preview(source, tmp_path, generator=generator) as (server, address):
        for edited, url in [(generator / "build_docs.py", "build_docs/"),
                            (generator / "literate" / "highlight.py", "literate/highlight/")]:
            fetch_until(address + url, "</html>", timeout=120)
            text = edited.read_text(encoding="utf-8")
            first_line = text.index("\n", text.index("\n# ") + 1)
            edited.write_text(text[:first_line] + "\n\nA sentence added in the preview." + text[first_line:],
                              encoding="utf-8")
            fetch_until(address + url, "A sentence added in the preview.", timeout=60)
        assert server.poll() is None


# The preview learns of an edit from the system's notices, and of nothing
# else: the reads of every build would otherwise start the next one.
def noticed_events(observer, folder, read, written):
    import threading
    from watchdog.events import FileSystemEventHandler

    seen, arrived = [], threading.Event()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event):
            seen.append(event)
            if event.src_path == str(written) and event.event_type != "opened":
                arrived.set()

    observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()
    try:
        read.read_text(encoding="utf-8")
        written.write_text("edited\n", encoding="utf-8")
        assert arrived.wait(timeout=10), seen
    finally:
        observer.stop()
        observer.join()
    return seen


def inotify_instances():
    folder = Path("/proc/self/fd")
    return sum(1 for fd in folder.iterdir() if os.path.islink(fd) and "inotify" in os.readlink(fd))


def test_serve_watches_by_notices_and_not_reads(tmp_path):
    import pytest
    from watchdog.observers.polling import PollingObserver
    from literate.serve import file_observer

    if not sys.platform.startswith("linux"):
        pytest.skip("inotify is Linux's")
    read, written = tmp_path / "read.py", tmp_path / "written.py"
    read.write_text("kept\n", encoding="utf-8")
    observer = file_observer([tmp_path])
    assert not isinstance(observer, PollingObserver)
    seen = noticed_events(observer, tmp_path, read, written)
    assert all(event.src_path != str(read) for event in seen), seen


# Instances and watches are shared by a user's programs: refused either,
# the preview polls. Refused an instance, it holds none; refused a watch,
# watchdog 7.1 may keep the instance it granted (its reader thread closes
# the instance only once it has read, and a stop that comes first skips it).
def test_serve_polls_when_the_system_refuses_notices(tmp_path, monkeypatch, capsys):
    import ctypes
    import errno
    import pytest
    from watchdog.observers import inotify_c
    from watchdog.observers.polling import PollingObserver
    from literate.serve import file_observer

    if not sys.platform.startswith("linux"):
        pytest.skip("inotify is Linux's")

    def refused(number):
        def call(*arguments):
            ctypes.set_errno(number)
            return -1
        return call

    (tmp_path / "a").mkdir()
    before = inotify_instances()
    for name, number in [("inotify_init", errno.EMFILE), ("inotify_add_watch", errno.ENOSPC)]:
        with monkeypatch.context() as patch:
            patch.setattr(inotify_c, name, refused(number))
            observer = file_observer([tmp_path])
        assert isinstance(observer, PollingObserver), name
        assert "Watching by polling" in capsys.readouterr().err
        if name == "inotify_init":
            assert inotify_instances() == before
        read, written = tmp_path / "read.py", tmp_path / "a" / f"{name}.py"
        read.write_text("kept\n", encoding="utf-8")
        noticed_events(observer, tmp_path, read, written)
