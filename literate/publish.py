"""
# Publish: MkDocs' settings, and a site swapped in whole

A complete site goes out, or none: the old one stays until the new is ready.

In: `mkdocs.yml`, the folder of pages and the site folder. Out: MkDocs'
settings loaded for this build; the site built beside the old one and
swapped in only when complete, dated reproducibly.
"""

import contextlib
import ctypes
import logging
import os
import shutil
import subprocess
from pathlib import Path

from literate import ROOT
from literate.read import BuildError, display_path
from literate.plugin import build_reusing, mkdocs_inputs, record_build, recorded_build, reusable_pages


# MkDocs reads `mkdocs.yml`, with the folder of generated pages as its
# `docs_dir`. It builds in strict mode, so that a warning (a broken link, a
# missing page) fails the build instead of scrolling past. The new site is
# built beside the old one and swapped in only when it is complete: a failed
# or interrupted build leaves the previous site as it was.
#
# Paths in `mkdocs.yml` are relative to it, as MkDocs' own are; Material
# reads its `jieba_dict_user` relative to the working directory instead, so
# that one is made absolute here.
def load_mkdocs_config(config_file, docs_dir, site_dir):
    from mkdocs.config import load_config

    quiet_jieba()
    config = load_config(str(config_file), strict=True, docs_dir=str(docs_dir), site_dir=str(site_dir))
    search = config.plugins.get("material/search")
    if search and search.config.jieba_dict_user:
        search.config.jieba_dict_user = str(Path(config_file).parent / search.config.jieba_dict_user)
    return config


def run_mkdocs(config, site_dir, record, fresh_config):
    staging = Path(config["site_dir"])
    inputs = mkdocs_inputs(config)
    previous = recorded_build(record, site_dir)
    if previous is not None and previous["inputs"] == inputs:
        print(f"{display_path(site_dir)}: nothing changed since the last build")
        return
    try:
        build_reusing(config, site_dir, reusable_pages(previous, inputs, config), fresh_config)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_in(staging, site_dir)
    record_build(record, site_dir, inputs)


# On Linux the two folders trade places in one step (`renameat2` with
# `RENAME_EXCHANGE`), so there is no moment without a site, even for a
# build killed with `kill -9`. Elsewhere, or on a file system that cannot,
# the old site is renamed aside first; a build killed between the two
# renames leaves it there, and the next build puts it back
# (`recover_site`).
RENAME_EXCHANGE, AT_FDCWD = 2, -100


def exchange_folders(a, b):
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    return renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


def retired_site(site_dir):
    return site_dir.with_name(f".{site_dir.name}.old")


def swap_in(staging, site_dir):
    if site_dir.exists() and exchange_folders(staging, site_dir):
        shutil.rmtree(staging)  # which now holds the old site
        return
    retired = retired_site(site_dir)
    shutil.rmtree(retired, ignore_errors=True)
    if site_dir.exists():
        site_dir.rename(retired)
    staging.rename(site_dir)
    shutil.rmtree(retired, ignore_errors=True)


def recover_site(site_dir):
    if retired_site(site_dir).exists() and not site_dir.exists():
        retired_site(site_dir).rename(site_dir)


# Two builds of the same input give the same bytes. The one date MkDocs
# writes (`lastmod` in `sitemap.xml`, and the time inside `sitemap.xml.gz`)
# is its build date, which it takes from `SOURCE_DATE_EPOCH`: unless the
# caller sets that, it is the time of the last commit, or outside a git
# checkout the newest source's modification time.
@contextlib.contextmanager
def reproducible_build_date(config_dir, pages):
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if saved is None:
        os.environ["SOURCE_DATE_EPOCH"] = str(last_change(config_dir, pages))
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]


def last_change(config_dir, pages):
    try:
        log = subprocess.run(["git", "-C", str(config_dir), "log", "-1", "--format=%ct"],
                             capture_output=True, text=True, check=True)
        return int(log.stdout)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return max(int(Path(page.source).stat().st_mtime) for page in pages)


# Material's search segments Chinese with jieba when it is installed, and
# jieba narrates its start-up at DEBUG level, on its own handler.
def quiet_jieba():
    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)


# The site folder is deleted and replaced on every build, so it must never
# be a folder that holds anything else: not the sources, not the project,
# not a parent of either, and not a folder of other files (`--site-dir .git`
# or `--site-dir ~`). An existing folder is replaced only when it is empty
# or holds a site MkDocs built.
def check_site_dir(site_dir, source_dir, config_dir):
    site_dir = Path(site_dir).resolve()
    for protected in (Path(source_dir).resolve(), Path(config_dir).resolve(), ROOT):
        if site_dir == protected or site_dir in protected.parents:
            raise BuildError(f"refusing --site-dir {site_dir}: it would replace {protected}")
    if site_dir.exists() and not is_replaceable_site(site_dir):
        raise BuildError(f"refusing --site-dir {site_dir}: it holds files that are not a built site")


def is_replaceable_site(folder):
    if not folder.is_dir():
        return False
    return not any(folder.iterdir()) or all((folder / name).is_file() for name in ("index.html", "sitemap.xml"))
