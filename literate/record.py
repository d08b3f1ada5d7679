"""
# Record: what the last build of a site was made from

A build that would make the site it made last runs no MkDocs.

In: the pages MkDocs is to read, its settings and the site folder. Out:
the fingerprint of all MkDocs reads (the pages, the settings, the theme,
the generator, the versions of what MkDocs runs), and the record of each
site's last build in the cache: that fingerprint, the site's files as
that build left them, and what "Build" needs to stop before it reads a
source.
"""

import functools
import hashlib
import importlib.metadata
import json
import os
import re
import sys
from pathlib import Path

from literate.read import path_digest
from literate.cache import fingerprint, load, store
from literate.site import generator_files


# ## Nothing changed: MkDocs does not run
#
# A build keeps a record of the last build of each site folder
# (`.cache/sites/`): a hash of everything MkDocs reads, which is the
# generated pages, `mkdocs.yml`, the theme folder, the versions of MkDocs
# and its themes and plugins, the generator, and the build date; and a list
# of the site's files with their sizes and times, so that a site changed or
# replaced since is never taken for the one recorded; and what "Build"
# needs to stop before it reads a source. When the hash is the recorded one
# and the site is as that build left it, MkDocs does not run and the site
# stays as it is. Anything else is a full MkDocs build, which the plugin
# keeps short, or in a preview perhaps a few pages (see "Rebuild").
SITE_RECORD_VERSION = 3


def site_record(cache_dir, site_dir):
    return Path(cache_dir) / "sites" / f"{path_digest(site_dir)}.json"


def mkdocs_inputs(files, setup):
    return fingerprint([setup, os.environ.get("SOURCE_DATE_EPOCH")], [(path, files[path]) for path in sorted(files)])


# Everything MkDocs reads besides the pages: its settings (the plugins'
# as this program leaves them, with the navigation it makes), files named
# there (the jieba dictionary of Material's search), the theme folders
# (the site's and this package's), and the versions of what MkDocs runs.
def mkdocs_setup_digest(config):
    digest = hashlib.sha256(f"{SITE_RECORD_VERSION} {sys.version}".encode())
    plugins = json.dumps({name: plugin.config for name, plugin in config.plugins.items()}, sort_keys=True,
                         default=lambda value: dict(value) if hasattr(value, "keys") else str(value))
    digest.update(plugins.encode())
    digest.update(json.dumps(config.nav).encode())  # a site in one language has its navigation there
    digest.update(f"\0{config.remote_branch}".encode())  # in the Colab links; `gh-deploy` may set it
    files = [Path(config.config_file_path), *generator_inputs()]
    files += [Path(name) for name in re.findall(r'"([^"]+)"', plugins) if Path(name).is_file()]
    if config.theme.custom_dir:
        files += sorted(path for path in Path(config.theme.custom_dir).rglob("*") if path.is_file())
    for path in files:
        digest.update(f"\0{path}\0".encode() + path.read_bytes())
    digest.update(mkdocs_versions().encode())
    return digest.hexdigest()


# The generator: its modules and its theme, and this repository's command
# too when the site shows the generator's pages.
def generator_inputs():
    package = Path(__file__).parent
    files = sorted(path for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    return files + [path for path in generator_files() if path.is_file() and path not in files]


# Listing the installed plugins and themes is a noticeable part of a
# preview's build of an edit. A process runs the versions it imported
# first, whatever is installed later, so it asks once.
@functools.lru_cache(maxsize=1)
def mkdocs_versions():
    from importlib.metadata import entry_points

    distributions = {entry.dist.name for group in ("mkdocs.plugins", "mkdocs.themes")
                     for entry in entry_points(group=group)}
    versions = []
    for name in sorted(distributions | {"mkdocs", "markdown", "jinja2", "pygments", "pymdown-extensions"}):
        try:
            versions.append(f"\0{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return "".join(versions)


def site_listing(folder):
    listing = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            stat = path.stat()
            listing[path.relative_to(folder).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return listing


# What the last build recorded, if the site is still what that build left;
# else nothing.
def recorded_build(record, site_dir):
    stored = load(record, SITE_RECORD_VERSION)
    if not stored or not Path(site_dir).is_dir():
        return {}
    return stored if stored.get("site") == site_listing(site_dir) else {}


def record_build(record, site_dir, inputs, facts):
    stored = {"site_dir": str(site_dir), "inputs": inputs, "site": site_listing(site_dir), **facts}
    if store(record, SITE_RECORD_VERSION, stored):
        forget_removed_sites(Path(record).parent)


# Records of sites that no longer exist (a temporary folder's) go.
def forget_removed_sites(folder):
    for record in folder.glob("*.json"):
        try:
            site_dir = json.loads(record.read_text(encoding="utf-8"))["value"]["site_dir"]
        except (OSError, ValueError, KeyError, TypeError):
            site_dir = None
        if not site_dir or not Path(site_dir).exists():
            record.unlink(missing_ok=True)
