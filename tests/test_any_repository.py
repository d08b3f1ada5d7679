"""Any repository: the generator installed from a wheel, used with nothing copied from here.

A new folder holds two tutorials and a `mkdocs.yml` of four lines. The
package, built into a wheel from this checkout and installed into a
virtual environment of its own, makes a site of them with `mkdocs build`
(in strict mode) and with `literate build`, publishes it with `mkdocs
gh-deploy` to a bare repository beside it, and `mkdocs serve` shows an
edit while its tests still run: pages, verdicts, notebooks, downloads and search, one language and
no i18n plugin, no chapter "The generator", and no link to a repository
the settings do not name.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from support import ROOT, wait_until

pytestmark = pytest.mark.slow

SETTINGS = """\
site_name: Sums by hand
docs_dir: source
theme: material
plugins: [search, literate]
"""

ADDING = '''\
"""
# Adding

Two numbers make a third.
"""


def add(a, b):
    return a + b


def test_add():
    assert add(2, 2) == 4
'''

DOUBLING = '''\
# Doubling is adding a number to itself: a page with no tests.

def double(a):
    return 2 * a
'''


def run(*command, cwd, env=None):
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"{' '.join(map(str, command))}:\n{done.stdout}\n{done.stderr}"
    return done


# The wheel is built from a copy of what the package is made of, so that
# the build leaves nothing in the checkout.
@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    work = tmp_path_factory.mktemp("package")
    checkout = work / "checkout"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, checkout)
    shutil.copytree(ROOT / "literate", checkout / "literate", ignore=shutil.ignore_patterns("__pycache__"))
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", work / "dist", checkout, cwd=work)
    # Its dependencies are those of this environment: nothing is downloaded.
    run(sys.executable, "-m", "venv", "--system-site-packages", work / "venv", cwd=work)
    python = work / "venv" / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", *sorted((work / "dist").glob("*.whl")), cwd=work)
    return work / "venv" / "bin"


@pytest.fixture
def repository(tmp_path):
    repository = tmp_path / "series"
    (repository / "source").mkdir(parents=True)
    (repository / "mkdocs.yml").write_text(SETTINGS, encoding="utf-8")
    (repository / "source" / "adding.py").write_text(ADDING, encoding="utf-8")
    (repository / "source" / "doubling.py").write_text(DOUBLING, encoding="utf-8")
    return repository


def check_site(site):
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="adding/"' in home and 'href="doubling/"' in home
    assert "The generator" not in home and not (site / "build_docs").exists()
    adding = (site / "adding" / "index.html").read_text(encoding="utf-8")
    assert "Two numbers make a third." in adding and 'class="lp-tests lp-tests--passed"' in adding
    assert "Download notebook" in adding and (site / "adding.ipynb").is_file() and (site / "adding.py").is_file()
    assert "View code on GitHub" not in adding and "Open in Colab" not in adding and "lp-feedback" not in adding
    assert (site / "assets" / "literate.css").is_file()
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any("Two numbers make a third." in entry["text"] for entry in index["docs"])


def test_a_repository_of_its_own_builds_with_mkdocs_and_with_literate(environment, repository, tmp_path):
    python = environment / "python"
    where = run(python, "-c", "import literate; print(literate.__file__)", cwd=repository).stdout
    assert Path(where.strip()).is_relative_to(environment.parent), "the wheel's package is the one imported"
    built = run(python, "-m", "mkdocs", "build", "--strict", cwd=repository)
    assert "source/adding.py: 1 test passed" in built.stdout
    check_site(repository / "site")
    shutil.rmtree(repository / "site")
    run(environment / "literate", "build", "-q", cwd=repository)
    check_site(repository / "site")
    assert sorted(path.name for path in repository.iterdir()) == [".cache", "mkdocs.yml", "site", "source"]

    remote = tmp_path / "published.git"
    git = ["git", "-c", "user.name=Tester", "-c", "user.email=tester@example.com"]
    run("git", "init", "--quiet", "--bare", remote, cwd=tmp_path)
    run(*git, "init", "--quiet", cwd=repository)
    run(*git, "remote", "add", "origin", remote, cwd=repository)
    env = dict(os.environ, GIT_AUTHOR_NAME="Tester", GIT_AUTHOR_EMAIL="tester@example.com",
               GIT_COMMITTER_NAME="Tester", GIT_COMMITTER_EMAIL="tester@example.com")
    run(python, "-m", "mkdocs", "gh-deploy", "--quiet", cwd=repository, env=env)
    tree = run("git", "ls-tree", "-r", "--name-only", "gh-pages", cwd=remote).stdout.split()
    assert {"index.html", "adding/index.html", "adding.ipynb", "search/search_index.json"} <= set(tree)


def page_text(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


# MkDocs announces port 0 as it was given, not the port it bound: a free
# one is found first.
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# `mkdocs serve` previews as `literate serve` does: an edit is on its page
# while the tutorial's tests still run, here until the test opens their
# gate, and their verdict follows; each change is one line of its own.
# Stopped by a signal, it leaves no temporary folder.
WAITING = ADDING.replace("make a third", "make a sum") + """

def test_waits_for_its_gate():
    import os
    import time

    while not os.path.exists({gate!r}):
        time.sleep(0.05)
"""


def test_mkdocs_serve_shows_an_edit_while_its_tests_run(environment, repository, tmp_path):
    url, gate, temporary = f"http://127.0.0.1:{free_port()}/", tmp_path / "gate", tmp_path / "temporary"
    temporary.mkdir()
    with open(tmp_path / "said", "w+", encoding="utf-8") as said:
        server = subprocess.Popen([environment / "python", "-m", "mkdocs", "serve", "--dev-addr", url[7:-1]],
                                  cwd=repository, stdout=said, stderr=subprocess.STDOUT,
                                  env=dict(os.environ, TMPDIR=str(temporary)))
        try:
            assert wait_until(lambda: "Two numbers make a third." in page_text(url + "adding/"), 60), "no first page"
            tutorial = repository / "source" / "adding.py"
            tutorial.write_text(WAITING.format(gate=str(gate)), encoding="utf-8")
            assert wait_until(lambda: "Two numbers make a sum." in page_text(url + "adding/"), 60), \
                "no edit shown while its tests wait"
            assert "lp-tests--running" in page_text(url + "adding/")
            gate.touch()
            assert wait_until(lambda: "2 tests passed" in page_text(url + "adding/"), 60), "no verdict shown"
        finally:
            server.terminate()
            server.wait(timeout=30)
        said.seek(0)
        lines = said.read()
    assert "source/adding.py: rebuilt in" in lines and "source/adding.py: 2 tests passed" in lines
    left = [path.name for path in temporary.iterdir() if path.is_dir()]  # jieba keeps a cache file there
    assert not left, "a preview stopped by a signal removes its temporary folders"
