"""
# Publish: MkDocs' settings, and MkDocs run when something changed

A complete site goes out, or none: the old one stays until the new is ready.

In: `mkdocs.yml`, the pages (in memory) and the site folder. Out: MkDocs'
settings loaded for this build, with the plugin of this package; the site
built beside the old one and swapped in only when complete (see "Swap"),
dated reproducibly; no MkDocs run at all when nothing it reads changed; and in
a preview, only the pages an edit changed built again.
"""

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from literate.cache import fingerprint, load, store
from literate.read import display_path, path_digest
from literate.settings import PLUGIN_NAME, literate_settings, source_folder
from literate.site import generator_files
from literate.write import write_files
from literate.rebuild import build_pages_again
from literate.swap import swap_in


# MkDocs reads `mkdocs.yml`, with the folder of generated pages as its
# `docs_dir`. It builds in strict mode, so that a warning (a broken link, a
# missing page) fails the build instead of scrolling past. The new site is
# built beside the old one and swapped in only when it is complete: a failed
# or interrupted build leaves the previous site as it was.
#
# Paths in `mkdocs.yml` are relative to it, as MkDocs' own are; Material
# reads its `jieba_dict_user` relative to the working directory instead, so
# that one is made absolute here.
#
# `mkdocs.yml` lists the plugin of this package (see "The MkDocs plugin"),
# which MkDocs loads by its name; `cache_dir` is where it keeps Material's
# templates compiled, `overrides` replace settings of `mkdocs.yml`
# (`gh-deploy` sets its remote), and with `processes` the plugin builds the
# languages after the first in a process of their own.
def load_mkdocs_config(config_file, docs_dir, site_dir, cache_dir=None, overrides=None, processes=True):
    from mkdocs.config import load_config

    quiet_jieba()
    config = load_config(str(config_file), strict=True, site_dir=str(site_dir), **(overrides or {}))
    search_dictionary_beside_settings(config)
    literate_settings(config)  # a BuildError unless mkdocs.yml lists the plugin
    plugin = config.plugins[PLUGIN_NAME]
    plugin.source_dir = source_folder(config)
    config["docs_dir"] = str(docs_dir)
    plugin.prepare(cache_dir, processes)
    return config


def search_dictionary_beside_settings(config):
    search = config.plugins.get("material/search")
    if search and search.config.jieba_dict_user:
        search.config.jieba_dict_user = str(Path(config.config_file_path).parent / search.config.jieba_dict_user)


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
# keeps short, or in a preview perhaps a few pages (below).
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


# `files` are the pages MkDocs is to read (see "Write"), written into its
# folder only when it runs; `recorded` is the last build's record, `facts`
# go into this one's. A preview's site is its own, in a folder of its own:
# the preview remembers what it built there instead of recording it.
def run_mkdocs(config, files, site_dir, record, recorded, facts, preview=None):
    staging = Path(config["site_dir"])
    setup = mkdocs_setup_digest(config)
    inputs = mkdocs_inputs(files, setup)
    if preview is not None:
        recorded = {"inputs": preview.inputs}
    if recorded.get("inputs") == inputs:
        print(f"{display_path(site_dir)}: nothing changed since the last build")
        if preview is None and any(recorded.get(name) != value for name, value in facts.items()):
            record_build(record, site_dir, inputs, facts)
        return
    if preview is not None and preview.build_edit(config, setup, files, inputs, site_dir):
        return
    if preview is not None and preview.whole_build is not None:
        preview.whole_build()
        return
    if preview is not None:
        preview.take_pages(config, files)
    else:
        write_files(files, config["docs_dir"])
    try:
        mkdocs_build(config)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_in(staging, site_dir)
    if preview is not None:
        preview.keep(config, setup, files, inputs, site_dir)
    else:
        record_build(record, site_dir, inputs, facts)


def mkdocs_build(config):
    from mkdocs.commands.build import build

    build(config)


# ## A preview: only what an edit changed
#
# A preview keeps, between its builds, the pages MkDocs read last and the
# settings it read them with (with the plugins, which keep what each
# language was built with). When an edit leaves the set of pages and
# everything else MkDocs reads as it was, only the pages and files whose
# bytes changed are built again, into the site as it is (see "Rebuild"),
# by the plugin of those settings, which takes the new pages' data.
# Anything else, or anything that goes wrong on the way,
# is a whole build, whose error is the one reported. In `mkdocs serve`
# the whole builds are MkDocs' own (`whole_build`, its builder): it loads
# the settings as its command line says (`-f`, `--dev-addr`,
# `--no-directory-urls`…), and the plugin keeps what it built.
class PreviewSite:
    """What a preview keeps from its last build, in `folder`, for the next."""

    def __init__(self, folder):
        self.docs_dir = Path(folder) / "pages"
        self.files = None  # the pages MkDocs read last, as `run_mkdocs` had them
        self.inputs = None  # the digest of all MkDocs read for the site as it is; None until there is one
        self.config = None  # the settings of the last whole build; None until there is one to build on
        self.setup = None
        self.whole_build = None  # in `mkdocs serve`, MkDocs' builder; None: `run_mkdocs` builds

    def take_pages(self, config, files):
        shutil.rmtree(self.docs_dir, ignore_errors=True)
        write_files(files, self.docs_dir)
        config["docs_dir"] = str(self.docs_dir)
        self.config = self.inputs = None

    def keep(self, config, setup, files, inputs, site_dir):
        config["site_dir"] = str(site_dir)
        self.config, self.setup, self.files, self.inputs = config, setup, files, inputs

    def build_edit(self, config, setup, files, inputs, site_dir):
        if self.config is None or setup != self.setup or files.keys() != self.files.keys():
            return False
        changed = sorted(path for path in files if files[path] != self.files[path])
        for path in changed:
            (self.docs_dir / path).write_bytes(files[path])
        kept, self.config = self.config, None  # built on only if this succeeds
        kept.plugins[PLUGIN_NAME].pages = config.plugins[PLUGIN_NAME].pages
        try:
            if not build_pages_again(kept, changed, site_dir):
                return False
        except Exception:
            return False
        self.config, self.files, self.inputs = kept, files, inputs
        return True


# Two builds of the same input give the same bytes. The one date MkDocs
# writes (`lastmod` in `sitemap.xml`, and the time inside `sitemap.xml.gz`)
# is its build date, which it takes from `SOURCE_DATE_EPOCH`: unless the
# caller sets that, it is the time of the last commit, or outside a git
# checkout the newest source's modification time.
@contextlib.contextmanager
def reproducible_build_date(config_dir, pages):
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if saved is None:
        os.environ["SOURCE_DATE_EPOCH"] = str(last_change(config_dir, [page.source for page in pages]))
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]


def last_change(config_dir, sources):
    try:
        log = subprocess.run(["git", "-C", str(config_dir), "log", "-1", "--format=%ct"],
                             capture_output=True, text=True, check=True)
        return int(log.stdout)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return max((int(Path(source).stat().st_mtime) for source in sources), default=0)


# Material's search segments Chinese with jieba when it is installed, and
# jieba narrates its start-up at DEBUG level, on its own handler.
def quiet_jieba():
    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)
