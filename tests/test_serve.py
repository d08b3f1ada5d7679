"""`build_docs.py serve`: the preview server picks up an edited source."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import build_docs

ROOT = Path(build_docs.__file__).resolve().parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    port = free_port()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "build_docs.py"), "serve", "--source", str(source),
         "--cache-dir", str(tmp_path / "cache"), "--dev-addr", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, TMPDIR=str(scratch)),
    )
    try:
        url = f"http://127.0.0.1:{port}/lesson/"
        fetch_until(url, "First version of the words.", timeout=60)
        tutorial.write_text("# Second version of the words.\nx = 2\n", encoding="utf-8")
        fetch_until(url, "Second version of the words.", timeout=30)
    finally:
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
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


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
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "build_docs.py"), "serve", "--source", str(source),
         "--cache-dir", str(tmp_path / "cache"), "--dev-addr", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/lesson/"
        assert "lp-tests--running" in fetch_until(url, "First version.", timeout=60)
        wait_until(lambda: list(pids.iterdir()), timeout=60)
        first_run = int(next(pids.iterdir()).name)
        tutorial.write_text(SLOW_LESSON.format(words="Second version.", pids=str(pids), seconds=3),
                            encoding="utf-8")
        assert "lp-tests--running" in fetch_until(url, "Second version.", timeout=30)
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
        server.kill()
        for path in pids.iterdir():
            if alive(int(path.name)):
                os.kill(int(path.name), signal.SIGKILL)
