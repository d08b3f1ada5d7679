"""
# MkDocs: building only what changed

MkDocs builds the site, and only what changed since the last build.

In: MkDocs' settings, with the folder of pages, and the record of the last
build. Out: the site built into the staging folder, by a full build or by
one of the changed pages only; each language with its own search index.
"""

import hashlib
import importlib.metadata
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import urllib.parse
from pathlib import Path, PurePosixPath

from literate.read import write_if_changed
from literate.site import generator_files, site_languages
from literate.judge import path_digest
from literate.render import front_matter


# ## Building only what changed
#
# MkDocs is most of a build: Markdown, MkDocs and the search plugin each
# parse every tag of every page (the standard library's 168 modules take
# MkDocs 23 s, against 5 s to render them). So a build does only what a
# change calls for. It keeps a record of the last build of each site folder
# (`.cache/sites/`): a hash of everything MkDocs reads, which is the
# generated pages, `mkdocs.yml`, the theme folder, the versions of MkDocs and
# its themes and plugins, this program, and the build date; and a list of
# the site's files with their sizes and times, so that a site changed or
# replaced since is never taken for the one recorded.
#
# - Nothing changed: MkDocs does not run, and the site stays as it is.
# - Only the text of some pages changed, not what every page shows of the
#   others (which pages there are, their titles and the rest of their front
#   matter, which make the navigation): MkDocs builds the changed pages, and
#   each unchanged one is a stub that renders to nothing and stays out of
#   the search index. Its last built page is then linked into the new site
#   (it is the same file a full build would write), and its search entries
#   are taken from the last index, in their place.
# - Anything else, or an incremental build that does not come out as the
#   full one would (a page missing, a file too many): a full build.
#
# The new site is still built beside the old one and swapped in whole; the
# old site is only read. A full and an incremental build of the same input
# give the same bytes (`tests/test_fast_builds.py` checks it).
SITE_RECORD_VERSION = 1
KEPT_PAGE_TEMPLATE = "build_docs-unchanged-page.html"


def site_record(cache_dir, site_dir):
    return Path(cache_dir) / "sites" / f"{path_digest(site_dir)}.json"


def mkdocs_inputs(config):
    docs = Path(config["docs_dir"])
    pages, shape = {}, []
    for path in sorted(docs.rglob("*")):
        if path.is_file():
            name, data = path.relative_to(docs).as_posix(), path.read_bytes()
            pages[name] = hashlib.sha256(data).hexdigest()
            shape.append([name, front_matter_of(data) if name.endswith(".md") else None])
    return {
        "setup": mkdocs_setup_digest(config),
        "date": os.environ.get("SOURCE_DATE_EPOCH"),
        "shape": hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest(),
        "pages": pages,
    }


def front_matter_of(data):
    from mkdocs.utils.meta import get_data

    return get_data(data.decode("utf-8", errors="replace"))[1]


# Everything MkDocs reads besides the pages: its settings (the plugins'
# as this program leaves them, with the navigation it makes), files named
# there (the jieba dictionary of Material's search), the theme folder, and
# the versions of what MkDocs runs.
def mkdocs_setup_digest(config):
    from importlib.metadata import entry_points

    digest = hashlib.sha256(f"{SITE_RECORD_VERSION} {sys.version}".encode())
    plugins = json.dumps({name: plugin.config for name, plugin in config.plugins.items()}, sort_keys=True,
                         default=lambda value: dict(value) if hasattr(value, "keys") else str(value))
    digest.update(plugins.encode())
    files = [Path(config.config_file_path), *generator_files()]
    files += [Path(name) for name in re.findall(r'"([^"]+)"', plugins) if Path(name).is_file()]
    if config.theme.custom_dir:
        files += sorted(path for path in Path(config.theme.custom_dir).rglob("*") if path.is_file())
    for path in files:
        digest.update(f"\0{path}\0".encode() + path.read_bytes())
    distributions = {entry.dist.name for group in ("mkdocs.plugins", "mkdocs.themes")
                     for entry in entry_points(group=group)}
    for name in sorted(distributions | {"mkdocs", "markdown", "jinja2", "pygments", "pymdown-extensions"}):
        try:
            digest.update(f"\0{name} {importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            pass
    return digest.hexdigest()


def site_listing(folder):
    listing = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            stat = path.stat()
            listing[path.relative_to(folder).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return listing


# The record of the last build, if the site is still what that build left.
def recorded_build(record, site_dir):
    try:
        stored = json.loads(Path(record).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stored.get("version") != SITE_RECORD_VERSION or not Path(site_dir).is_dir():
        return None
    return stored if stored.get("site") == site_listing(site_dir) else None


def record_build(record, site_dir, inputs):
    record = Path(record)
    stored = {"version": SITE_RECORD_VERSION, "site_dir": str(site_dir), "inputs": inputs,
              "site": site_listing(site_dir)}
    partial = record.with_name(f"{record.name}.{os.getpid()}")
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(stored), encoding="utf-8")
        os.replace(partial, record)
        forget_removed_sites(record.parent)
    except OSError as error:
        print(f"warning: cannot record the build in {record.parent}: {error}", file=sys.stderr)


# Records of sites that no longer exist (a preview's temporary folder) go.
def forget_removed_sites(folder):
    for record in folder.glob("*.json"):
        try:
            site_dir = json.loads(record.read_text(encoding="utf-8")).get("site_dir")
        except (OSError, ValueError):
            site_dir = None
        if not site_dir or not Path(site_dir).exists():
            record.unlink(missing_ok=True)


# The pages that may be stubs: those whose bytes are as last time, when
# nothing else changed but the text of pages. The versions of one page in
# every language go together: mkdocs-static-i18n drops a translation's
# search entry that repeats the default language's word for word, which
# only a build of both can tell. A link to a section of a stub could not be
# checked, so a site that makes a missing section an error is built in full.
def reusable_pages(previous, inputs, config):
    if previous is None or config.validation.links.anchors >= logging.WARNING:
        return []
    before = previous["inputs"]
    if (before["setup"], before["shape"]) != (inputs["setup"], inputs["shape"]):
        return []
    locales = {language.locale for language in site_languages(config)}

    def page(name):
        tree, _, rest = name.partition("/")
        return rest if tree in locales else name

    pages = [name for name in inputs["pages"] if name.endswith(".md")]
    changed = {page(name) for name in pages if before["pages"].get(name) != inputs["pages"][name]}
    return [name for name in pages if page(name) not in changed]


# A build that does not line up is done again in full, with settings loaded
# afresh (`fresh_config()`): plugins keep state from one build to the next
# (mkdocs-static-i18n gathers search entries and alternate pages).
def build_reusing(config, site_dir, unchanged, fresh_config):
    if unchanged:
        docs, staging = Path(config["docs_dir"]), Path(config["site_dir"])
        originals = {name: (docs / name).read_bytes() for name in unchanged}
        with tempfile.TemporaryDirectory(prefix="build_docs-theme-") as theme_dir:
            (Path(theme_dir) / KEPT_PAGE_TEMPLATE).write_text(
                "{#- An unchanged page: build_docs.py keeps its last build. -#}\n", encoding="utf-8")
            config.theme.dirs.append(theme_dir)
            try:
                for name, data in originals.items():
                    (docs / name).write_text(stub_page(data), encoding="utf-8")
                mkdocs_build(config)
                carried = carry_over(site_dir, staging, len(unchanged))
                if carried is not None and splice_search_indexes(site_dir, staging, carried):
                    print(f"MkDocs built the changed pages and kept {len(unchanged)} unchanged")
                    return
            finally:
                config.theme.dirs.remove(theme_dir)
                for name, data in originals.items():
                    (docs / name).write_bytes(data)
        config = fresh_config()
    mkdocs_build(config)


def stub_page(data):
    meta = dict(front_matter_of(data), template=KEPT_PAGE_TEMPLATE)
    meta["search"] = dict(meta.get("search") or {}, exclude=True)
    return front_matter(**meta)


# Each stub left no file: exactly those files of the old site are missing
# from the new one, and each is a page.
def carry_over(site_dir, staging, stubs):
    old, new = site_listing(site_dir), site_listing(staging)
    missing = [name for name in old if name not in new]
    if len(missing) != stubs or set(new) - set(old) or not all(name.endswith(".html") for name in missing):
        return None
    for name in missing:
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(Path(site_dir) / name, staging / name)
        except OSError:
            shutil.copy2(Path(site_dir) / name, staging / name)
    return set(missing)


# The stubs render to nothing, which MkDocs says of each; that is no news.
class UnchangedPagesQuiet(logging.Filter):
    def filter(self, record):
        return not record.getMessage().endswith("Generated empty output.")


def mkdocs_build(config):
    from mkdocs.commands.build import build

    quiet = UnchangedPagesQuiet()
    logging.getLogger("mkdocs.commands.build").addFilter(quiet)
    try:
        build(config)
    finally:
        logging.getLogger("mkdocs.commands.build").removeFilter(quiet)
    split_search_index(config)


# Jinja compiles Material's templates, some ninety of them, on every build
# and again for every language: a third of an incremental build. Jinja's
# own bytecode cache (`.cache/templates/`) keeps them compiled. It checks
# each template's source, so an edited template is compiled again.
def keep_templates_compiled(config, cache_dir):
    import jinja2

    folder = Path(cache_dir) / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # builds are slower, not wrong
    cache, make_env = jinja2.FileSystemBytecodeCache(str(folder)), config.theme.get_env

    def get_env():
        env = make_env()
        env.bytecode_cache = cache
        return env

    config.theme.get_env = get_env


# The search plugin writes its index as JSON, a list of entries in the order
# of the pages; a page's entries have its address as `location`, followed by
# `#section` for its sections. Each stub's entries come from the old index,
# in their place; every address must be a page that was built or kept.
def splice_search_indexes(site_dir, staging, carried):
    for index_file in sorted(staging.rglob("search_index.json")):
        relative = index_file.relative_to(staging)
        old_file = Path(site_dir) / relative
        if not old_file.is_file():
            return False
        base = relative.parent.parent
        old = json.loads(old_file.read_text(encoding="utf-8"))
        new = json.loads(index_file.read_text(encoding="utf-8"))
        old_pages, new_pages = entries_by_page(old["docs"]), entries_by_page(new["docs"])
        if set(new_pages) - set(old_pages) or any(
                page_file(base, page) in carried or not (staging / page_file(base, page)).is_file()
                for page in new_pages):
            return False
        docs = []
        for page, entries in old_pages.items():
            docs.extend(entries if page_file(base, page) in carried else new_pages.get(page, []))
        index_file.write_text(json.dumps(dict(new, docs=docs), separators=(",", ":")), encoding="utf-8")
    return True


# The file of the built site that holds the page at `location`, an address
# relative to the folder `base`.
def page_file(base, location):
    path = urllib.parse.unquote(location)
    if not path or path.endswith("/"):
        path += "index.html"
    return (PurePosixPath(base) / path).as_posix()


def entries_by_page(entries):
    pages = {}
    for entry in entries:
        pages.setdefault(entry["location"].split("#")[0], []).append(entry)
    return pages


# Material's scripts load the search index from `search/` under the base of
# the site, and mkdocs-static-i18n fills that one index with every
# language. Readers search in their own language, so the index is split:
# each language's entries go to the `search/` folder of its own tree, with
# their addresses made relative to it, and `main.html` makes that tree the
# base of its pages, where Material looks for the index. Both halves keep
# the settings of `mkdocs.yml`.
def split_search_index(config):
    site_dir = Path(config["site_dir"])
    index_file = site_dir / "search" / "search_index.json"
    if not index_file.exists():
        return
    index = json.loads(index_file.read_text(encoding="utf-8"))
    languages = site_languages(config)
    subtrees = tuple(language.folder for language in languages if language.folder)
    for language in languages:
        if language.folder:
            docs = [dict(entry, location=entry["location"][len(language.folder):])
                    for entry in index["docs"] if entry["location"].startswith(language.folder)]
        else:
            docs = [entry for entry in index["docs"] if not entry["location"].startswith(subtrees)]
        write_if_changed(site_dir / language.folder / "search" / "search_index.json",
                         json.dumps(dict(index, docs=docs), separators=(",", ":")))
