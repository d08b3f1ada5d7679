"""`build_docs.py serve`: the preview server picks up an edited source."""

import os
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
         "--dev-addr", f"127.0.0.1:{port}"],
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
