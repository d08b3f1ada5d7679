"""`python build_docs.py gh-deploy`, against a bare git repository on this
machine as the remote: what the branch holds, the "Open in Colab" links
that point into it, and a failed build that publishes nothing."""

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from support import ROOT, CONFIG, plugin_settings


OWNER_REPO = re.match(r"https://github\.com/([^/]+/[^/]+?)/?$", CONFIG["repo_url"]).group(1)

ADDING = '''"""
# Adding

Two numbers, added: $a + b$.
"""


def add(a, b):
    return a + b


def test_add():
    assert add(1, 2) == {three}
'''
ADDING_ZH = '''"""
# 加法

两个数相加：$a + b$。
"""


def add(a, b):
    return a + b


def test_add():
    assert add(1, 2) == 3
'''
GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}


def git(folder, *arguments):
    return subprocess.run(["git", *arguments], cwd=folder, capture_output=True, text=True, check=True,
                          env={**os.environ, **GIT_ENV}).stdout


# A project of its own in a temporary folder: our settings and templates,
# a chapter of one tutorial in two languages, a git repository with a bare
# one beside it as the remote `publish`. Nothing touches this repository.
@pytest.fixture(scope="module")
def project(tmp_path_factory):
    work = tmp_path_factory.mktemp("publish")
    project = work / "project"
    shutil.copytree(ROOT / "site_templates", project / "site_templates")
    settings = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    plugin_settings(settings)["generator_pages"] = False  # the generator's chapters are this repository's own
    (project / "mkdocs.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    (project / "source" / "01_sums").mkdir(parents=True)
    shutil.copy(ROOT / "source" / "search_words_zh.txt", project / "source")
    (project / "source" / "01_sums" / "adding.py").write_text(ADDING.format(three=3), encoding="utf-8")
    (project / "source" / "01_sums" / "adding_zh.py").write_text(ADDING_ZH, encoding="utf-8")
    (project / ".gitignore").write_text("/site/\n", encoding="utf-8")
    git(project, "init", "--quiet", "--initial-branch", "main")
    git(project, "add", ".")
    git(project, "commit", "--quiet", "-m", "tutorials")
    git(work, "init", "--quiet", "--bare", "remote.git")
    git(project, "remote", "add", "publish", str(work / "remote.git"))
    return project


def gh_deploy(project, *options):
    return subprocess.run(
        [sys.executable, str(ROOT / "build_docs.py"), "gh-deploy", "--remote-name", "publish",
         "--config", str(project / "mkdocs.yml"), "--source", str(project / "source"),
         "--site-dir", str(project / "site"), "--cache-dir", str(project.parent / "cache"), *options],
        cwd=project, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, timeout=600,
    )


def branch_tree(project, branch):
    """{path: blob id} of the branch as the remote has it."""
    listing = git(project.parent / "remote.git", "ls-tree", "-r", branch)
    return {line.split("\t", 1)[1]: line.split()[2] for line in listing.splitlines()}


def site_tree(project):
    site = project / "site"
    files = sorted(path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file())
    blobs = git(site, "hash-object", "--no-filters", "--", *files).split()
    return dict(zip(files, blobs))


@pytest.fixture(scope="module")
def published(project):
    done = gh_deploy(project)
    assert done.returncode == 0, done.stderr
    return done


def test_the_branch_holds_the_site_and_nojekyll(project, published):
    tree = branch_tree(project, "gh-pages")
    site = site_tree(project)
    for name in ("index.html", "search/search_index.json", "zh/search/search_index.json",
                 "sums/adding.ipynb", "zh/sums/adding_zh.ipynb"):
        assert name in site
    assert tree == {**site, ".nojekyll": git(project, "hash-object", "/dev/null").strip()}
    assert "to publish gh-pages" in published.stdout and f"{len(tree)} files" in published.stdout


# Colab opens github.com/OWNER/REPO, branch, path; the path must be a file
# of the published branch, in each language.
def test_open_in_colab_points_at_the_notebook_on_the_published_branch(project, published):
    tree = branch_tree(project, "gh-pages")
    for page, words in (("sums/adding/index.html", "Open in Colab"), ("zh/sums/adding/index.html", "在 Colab 中打开")):
        body = (project / "site" / page).read_text(encoding="utf-8")
        links = re.findall(r'<a class="[^"]*lp-action--colab" href="([^"]+)" title="([^"]+)"', body)
        assert len(links) == 1 and links[0][1] == words, links
        shape = re.fullmatch(rf"https://colab\.research\.google\.com/github/{OWNER_REPO}/blob/gh-pages/(\S+\.ipynb)",
                             links[0][0])
        assert shape, links[0][0]
        assert shape.group(1) in tree


# Published again, the branch grows by a commit; a tutorial whose test
# fails stops the build and the branch stays as it was; another branch
# named on the command line is the one the Colab links name.
def test_publishing_again_failing_and_to_another_branch(project, published):
    first = git(project.parent / "remote.git", "rev-parse", "gh-pages").strip()
    again = gh_deploy(project)
    assert again.returncode == 0, again.stderr
    second = git(project.parent / "remote.git", "rev-parse", "gh-pages").strip()
    assert git(project.parent / "remote.git", "rev-parse", "gh-pages^").strip() == first

    tutorial = project / "source" / "01_sums" / "adding.py"
    tutorial.write_text(ADDING.format(three=4), encoding="utf-8")
    try:
        failed = gh_deploy(project)
    finally:
        tutorial.write_text(ADDING.format(three=3), encoding="utf-8")
    assert failed.returncode == 1
    assert "test_add failed" in failed.stderr and "nothing was published" in failed.stderr
    assert git(project.parent / "remote.git", "rev-parse", "gh-pages").strip() == second

    preview = gh_deploy(project, "--remote-branch", "preview")
    assert preview.returncode == 0, preview.stderr
    assert "sums/adding.ipynb" in branch_tree(project, "preview")
    body = (project / "site" / "sums" / "adding" / "index.html").read_text(encoding="utf-8")
    assert f"/{OWNER_REPO}/blob/preview/sums/adding.ipynb" in body


def test_no_run_cannot_publish():
    done = subprocess.run([sys.executable, str(ROOT / "build_docs.py"), "gh-deploy", "--no-run"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "--no-run does not apply to gh-deploy" in done.stderr
