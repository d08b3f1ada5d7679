"""
# Pages: each rendered once, in parallel

Every page is rendered at most once, and in a process per core.

In: the site's pages and their texts. Out: each page's title, summary,
warnings, downloads (its notebook among them) and body, from the cache when nothing it depends on
changed, rendered otherwise; or a `BuildError` listing every source that
cannot be a page.
"""

import concurrent.futures
import functools
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import pickle
import sys
from dataclasses import dataclass, fields
from pathlib import Path

from literate import STAGES
from literate.read import BuildError, SourceError, display_path, path_digest
from literate.parse import parse_code
from literate.render import PageBody, collect_downloads, render_page
from literate.notebook import collect_notebook


# What a page's body looks like depends on its source, on which page it is
# (its source's path, its name, language and path in the repository), and
# on the stages that render it and the libraries they render with; on
# nothing else. Not on its tests' verdict: that is joined in when the page
# is written, so a verdict that arrives in a preview renders nothing again,
# and editing the stages after this one (running tests, writing, MkDocs,
# the preview) keeps every rendered page. A hash of all of them keys a
# cache of rendered pages, kept with the test results (`.cache/pages/`): a
# page whose inputs have not changed since the last build is read from
# there rather than rendered again. Like Python's own `__pycache__`, the
# cache holds pickles, which only this program writes.
#
# The pages that must be rendered are rendered in parallel, a process per
# core, the longest sources first so that no core is left with one long
# file at the end. The workers are forked, and so start at once with all
# of this program loaded. This process would only wait for them: the
# caller may give it something to do meanwhile (a build loads what MkDocs
# will need, see "The MkDocs plugin"). The preview renders its pages
# itself: it runs other threads (its server, tests in the background), and
# a fork would copy any lock another thread held at that moment, while a
# fresh interpreter would have to import all this program imports, which
# costs more than a preview's few pages. The caller says which it is, so
# that a build renders the same way whatever else its process happens to
# run.
#
# Every source is read before the build stops, so that one run lists every
# file that needs fixing, a line each, in the `path:line:col: message` form
# that editors jump to.
@dataclass(frozen=True)
class Rendered:
    """What rendering makes of a page: what a worker sends back, and the cache keeps."""

    title: str
    summary: str
    warnings: list
    downloads: dict
    body: PageBody


RENDERED = tuple(item.name for item in fields(Rendered))


def render_pages(pages, texts, cache_dir, processes=True, meanwhile=None):
    jobs = []
    for page in pages:
        read = texts[page.source]
        key = None if isinstance(read, SourceError) else render_key(page, read.data)
        entry = Path(cache_dir) / "pages" / f"{path_digest(page.source)}.pickle"
        stored = cached_rendering(entry, key)
        if stored is None:
            jobs.append((page, key, entry, read))
        else:
            apply_rendering(page, stored)
    failed = {}
    outcomes = in_parallel(render_source_page, jobs, job_size, processes, meanwhile)
    for (page, *_), (rendered, error) in zip(jobs, outcomes):
        if error:
            failed[page.source] = error
        else:
            apply_rendering(page, rendered)
    errors, warnings = [], []
    for page in pages:
        if page.source in failed:
            line, col, message = failed[page.source]
            errors.append(f"{display_path(page.source)}:{line}:{col}: {message}")
            continue
        for line, message in page.warnings:
            warnings.append(f"{display_path(page.source)}:{line}: warning: {message}")
            print(warnings[-1], file=sys.stderr)
    if errors:
        raise BuildError("\n".join(errors))
    return warnings


def render_source_page(job):
    """(the rendered fields, None), or (None, (line, col, message)) for a source that cannot be a page."""
    page, key, entry, read = job
    try:
        if isinstance(read, SourceError):
            raise read
        collect_downloads(page, read)
        parsed = parse_code(read.code)
        collect_notebook(page, read.code, parsed)
        page.body = render_page(page, read.code, parsed)
    except SourceError as error:
        return None, (error.line, error.col, error.message)
    rendered = Rendered(**{name: getattr(page, name) for name in RENDERED})
    if key is not None:
        store_rendering(entry, key, rendered)
    return rendered, None


def apply_rendering(page, rendered):
    for name in RENDERED:
        setattr(page, name, getattr(rendered, name))


# The key: the stages up to this one (`literate/read.py` to
# `literate/pages.py`) and their libraries, which page it is, and the bytes
# of its source. A source that cannot be read has no key; rendering it
# reports why. How commentary breaks lines (the plugin's `line_breaks`
# in `mkdocs.yml`) is part of which page it is, and so is where the pages
# it may link to are published (see "links").
PAGE_IDENTITY = ("source", "name", "repo_path", "lang", "line_breaks", "links")


def render_key(page, source):
    identity = [str(getattr(page, name)) for name in PAGE_IDENTITY]
    digest = hashlib.sha256(renderer_fingerprint().encode())
    digest.update(json.dumps(identity, ensure_ascii=False).encode())
    digest.update(b"\0" + source)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def renderer_fingerprint():
    digest = hashlib.sha256()
    for stage in STAGES[: STAGES.index("pages") + 1]:
        digest.update((Path(__file__).parent / f"{stage}.py").read_bytes())
    for library in ("markdown", "pygments", "latex2mathml", "nh3", "pylit", "nbformat", "griffe", "pyyaml"):
        digest.update(f"\0{library} {importlib.metadata.version(library)}".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


# A damaged or foreign entry is a miss, whatever unpickling it raises.
def cached_rendering(entry, key):
    if key is None:
        return None
    try:
        with open(entry, "rb") as file:
            stored = pickle.load(file)
        return stored["rendered"] if stored["key"] == key else None
    except Exception:
        return None


def store_rendering(entry, key, rendered):
    partial = entry.with_name(f"{entry.name}.{os.getpid()}")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(pickle.dumps({"key": key, "rendered": rendered}, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, entry)
    except OSError as error:
        print(f"warning: cannot cache rendered pages in {entry.parent}: {error}", file=sys.stderr)


def job_size(job):
    try:
        return Path(job[0].source).stat().st_size
    except OSError:
        return 0


def in_parallel(function, jobs, size, processes=True, meanwhile=None):
    """[function(job) for job in jobs]: with processes, in a process per core, the largest jobs first.

    `meanwhile()`, if given, runs in this process while the jobs run, or after them without processes.
    """
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers < 2 or not processes:
        results = [function(job) for job in jobs]
        if meanwhile:
            meanwhile()
        return results
    order = sorted(range(len(jobs)), key=lambda index: -size(jobs[index]))
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        running = pool.map(function, [jobs[index] for index in order])
        if meanwhile:
            meanwhile()
        results = dict(zip(order, running))
    return [results[index] for index in range(len(jobs))]
