"""
# Swap: a site swapped in whole

The site folder holds a complete site, the old one or the new one, at
every moment, and it is never a folder that holds anything else.

In: the site folder, and the folder the new site was built in beside it.
Out: the new site in the site folder's place, the old one gone; a site
that a killed build left aside put back; or a `BuildError` when the site
folder is one that holds more than a site.
"""

import ctypes
import os
import shutil
from pathlib import Path

from literate import ROOT
from literate.read import BuildError


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
