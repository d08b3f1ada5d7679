"""`build_docs.py serve`: the preview server picks up an edited source."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import build_docs

ROOT = Path(build_docs.__file__).resolve().parent


# The preview is started on port 0 and announces the port the system gave
# it; its log goes to a file, which nothing has to keep reading.
@contextlib.contextmanager
def preview(source, tmp_path, env=None):
    log = tmp_path / "serve.log"
    with open(log, "w", encoding="utf-8") as stderr:
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "build_docs.py"), "serve", "--source", str(source),
             "--cache-dir", str(tmp_path / "cache"), "--dev-addr", "127.0.0.1:0"],
            stdout=subprocess.DEVNULL, stderr=stderr, env=env)
    try:
        wait_until(lambda: "Serving on http://" in log.read_text(encoding="utf-8") or server.poll() is not None,
                   timeout=120)
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


def test_serve_shows_an_edited_source(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    tutorial = source / "lesson.py"
    tutorial.write_text("# First version of the words.\nx = 1\n", encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with preview(source, tmp_path, env=dict(os.environ, TMPDIR=str(scratch))) as (server, address):
        url = address + "lesson/"
        fetch_until(url, "First version of the words.", timeout=60)
        tutorial.write_text("# Second version of the words.\nx = 2\n", encoding="utf-8")
        fetch_until(url, "Second version of the words.", timeout=30)
        server.terminate()
        server.wait(timeout=10)
    assert not list(scratch.glob("build_docs-*")), "a terminated preview leaves its temporary site behind"


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


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


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
        with preview(source, tmp_path) as (server, address):
            url = address + "lesson/"
            assert "lp-tests--running" in fetch_until(url, "First version.", timeout=60)
            wait_until(lambda: list(pids.iterdir()), timeout=60)
            first_run = int(next(pids.iterdir()).name)
            tutorial.write_text(SLOW_LESSON.format(words="Second version.", pids=str(pids), seconds=3),
                                encoding="utf-8")
            # With a slow rebuild the 3 s run may have ended by the time the edit is seen.
            assert re.search(r"lp-tests--(running|passed)", fetch_until(url, "Second version.", timeout=30))
            wait_until(lambda: not alive(first_run), timeout=10)
            fetch_until(url, "1 test passed", timeout=60)
            tutorial.write_text(SLOW_LESSON.format(words="Third version.", pids=str(pids), seconds=120),
                                encoding="utf-8")
            fetch_until(url, "Third version.", timeout=30)
            wait_until(lambda: len(list(pids.iterdir())) == 3, timeout=60)
            last_run = max((int(path.name) for path in pids.iterdir() if int(path.name) != first_run),
                           key=lambda pid: (pids / str(pid)).stat().st_mtime_ns)
            assert alive(last_run)
            server.terminate()
            server.wait(timeout=10)
            wait_until(lambda: not alive(last_run), timeout=10)
    finally:
        for path in pids.iterdir():
            if alive(int(path.name)):
                os.kill(int(path.name), signal.SIGKILL)
