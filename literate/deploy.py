"""
# Deploy: the site on GitHub Pages in one command

A build that succeeded is published to a branch that GitHub Pages serves.

In: the sources, `mkdocs.yml`, and a git remote and branch (by default
`remote_name` and `remote_branch` of `mkdocs.yml`: origin, gh-pages). Out:
the built site as the whole tree of a new commit on that branch, pushed,
and a sentence saying so; or the build's `BuildError`, and nothing pushed.

`python build_docs.py gh-deploy` does what `mkdocs gh-deploy` does for any
MkDocs site, after a build of ours: it commits the built site as the whole
tree of a branch (`gh-pages` unless told otherwise) and pushes that branch,
which GitHub Pages then serves. The build comes first and runs the
tutorials' tests as always; a build that fails publishes nothing, so a
published site is one whose every claim was proven on this build.

The commit is made by [ghp-import](https://github.com/c-w/ghp-import), the
library `mkdocs gh-deploy` uses: it writes the site straight into the
branch with `git fast-import`, without touching the working tree or the
index, and adds the empty `.nojekyll` file that stops GitHub Pages from
running Jekyll over the site (Jekyll would drop files whose names start
with `_`). Git runs in the repository of the project, where `mkdocs.yml` is,
and pushes to one of its remotes.
"""

import contextlib
import subprocess
import time
from pathlib import Path

import ghp_import

from literate.read import BuildError
from literate.build import build_site


class DeployError(Exception):
    """The site was built but could not be published; the message says why."""


# The build comes first, tests and all. The branch named on the command
# line is the one the pages' "Open in Colab" links name, so the build is
# told of it (MkDocs' `remote_name` and `remote_branch`).
def deploy_site(source_dir, site_dir, config_file, testing, remote=None, branch=None):
    """Build the site and publish it; returns what happened, in sentences."""
    overrides = {name: value for name, value in (("remote_name", remote), ("remote_branch", branch)) if value}
    started = time.perf_counter()
    try:
        config = build_site(source_dir, site_dir, config_file, testing, overrides=overrides)
    except BuildError as error:
        raise BuildError(f"{error}\ngh-deploy: the build failed, nothing was published") from error
    built = f"built {site_dir} in {time.perf_counter() - started:.1f} s"
    pushed = gh_deploy(site_dir, Path(config.config_file_path).parent, config.remote_name, config.remote_branch)
    return f"{built}\n{pushed}"


# The branch is made from the remote's, so that the new commit follows the
# last published one, and is pushed without force: a branch someone else
# changed in between is refused by the remote rather than overwritten.
def gh_deploy(site_dir, repository, remote, branch):
    """Publish `site_dir` to `branch` of `remote`; returns what was pushed, in a sentence."""
    site_dir, repository = Path(site_dir).resolve(), Path(repository).resolve()
    built_from = git(repository, "rev-parse", "--short", "HEAD").stdout.strip() or "a folder outside git"
    git(repository, "fetch", "--quiet", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}")
    with contextlib.chdir(repository):
        try:
            ghp_import.ghp_import(str(site_dir), mesg=f"Publish the site built from {built_from}",
                                  remote=remote, branch=branch, push=True, nojekyll=True)
        except (ghp_import.GhpError, subprocess.CalledProcessError) as error:
            raise DeployError(f"could not publish {site_dir} to {remote} {branch}: {error}") from error
    commit = git(repository, "rev-parse", "--short", f"refs/heads/{branch}").stdout.strip()
    files = sum(1 for path in site_dir.rglob("*") if path.is_file()) + 1  # and .nojekyll
    return f"published {site_dir} ({files} files with .nojekyll) as commit {commit} to {remote} {branch}"


# A remote branch that does not exist yet cannot be fetched: the first
# publication starts it.
def git(repository, *arguments):
    return subprocess.run(["git", *arguments], cwd=repository, capture_output=True, text=True)
