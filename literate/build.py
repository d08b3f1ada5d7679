"""
# Build: the stages in order

`python build_docs.py` runs the stages here, one after the other.

In: the source folder, the site folder and `mkdocs.yml`. Out: the site,
or a `BuildError` that says what to fix, with the previous site untouched.
"""

import os
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from literate.read import BuildError, display_path
from literate.cache import fingerprint
from literate.settings import PLUGIN_NAME, cache_folder, literate_settings, load_mkdocs_config
from literate.textfirst import read_pages
from literate.site import (
    check_page_urls, check_sources_stay_inside, configure_navigation, find_chapters, pages_of,
    site_languages, titled_sections, unshown_code,
)
from literate.links import link_targets, missing_anchors
from literate.pages import render_pages
from literate.testrun import verdict_problems
from literate.judge import TutorialTestOptions, judge_tutorials
from literate.write import home_introductions, home_warnings, page_files, write_files
from literate.plugin import load_search_dictionary
from literate.swap import check_site_dir, recover_site
from literate.record import mkdocs_setup_digest, recorded_build, site_record
from literate.publish import last_change, reproducible_build_date, run_mkdocs


# Before anything is read, each source must stay inside the source folder
# and have an address of its own.
def site_chapters(source_dir, config):
    languages = site_languages(config)
    chapters = find_chapters(source_dir, Path(config.config_file_path).parent, languages,
                             literate_settings(config).generator_pages)
    check_sources_stay_inside(pages_of(chapters), source_dir)
    check_page_urls(pages_of(chapters), languages)
    return chapters


def build_site(source_dir, site_dir, config_file, testing=None, preview=False, overrides=None, preview_site=None):
    """Build the site; returns the MkDocs settings it was built with (`overrides` replace mkdocs.yml's).

    A preview passes the same `preview_site` (`rebuild.PreviewSite`) to each of its builds.
    """
    config_file, site_dir = Path(config_file).resolve(), Path(site_dir).resolve()
    staging = site_dir.with_name(f".{site_dir.name}.building")
    testing = testing or TutorialTestOptions()
    with tempfile.TemporaryDirectory(prefix="build_docs-") as docs_dir:
        config = load_mkdocs_config(config_file, docs_dir, staging, overrides=overrides)
        source_dir, testing = settled(source_dir, config, testing)
        config.plugins[PLUGIN_NAME].prepare(testing.cache_dir, processes=not preview)
        check_site_dir(site_dir, source_dir, config_file.parent)
        recover_site(site_dir)
        shutil.rmtree(staging, ignore_errors=True)
        record = site_record(testing.cache_dir, site_dir)
        sources = None if preview else sources_digest(source_dir, config, testing, overrides)
        recorded = {} if preview else recorded_build(record, site_dir)
        if not preview and recorded.get("sources") == sources:
            for warning in recorded["warnings"]:
                print(warning, file=sys.stderr)
            testing.console.say(f"{display_path(site_dir)}: nothing changed since the last build")
            return config
        made = make_pages(source_dir, config, testing, preview,
                          meanwhile=lambda texts: load_search_dictionary(config, texts))
        facts = {"sources": sources, "warnings": made.warnings}
        with reproducible_build_date(config_file.parent, pages_of(made.chapters)):
            run_mkdocs(config, made.files, site_dir, record, recorded, facts, preview_site)
    return config


# ## Nothing changed: nothing is read again
#
# MkDocs does not run when nothing it reads changed (see "Publish"), but
# to know that, a build reads and judges every source and takes every page
# from the cache: most of a second on the benchmark's corpus, for nothing.
# So a build first hashes what the site is made from: every file of the
# source folder (but Python's `__pycache__`) and where it is; what MkDocs
# reads besides the pages (`mkdocs.yml`, the files it names, the theme
# folder, the generator, MkDocs' versions); the packages installed, by the
# names of their metadata folders (`torch-2.13.0.dist-info`), which carry
# their versions: those that render and those the tutorials' tests import;
# whether the tests run; the overrides; and the build date. When the last
# build of this site recorded the same hash and the site is as it left it,
# the build stops there and prints the warnings that build printed. The
# verdicts would be those of the last build too: the judge keys them on the
# same files and versions.
def sources_digest(source_dir, config, testing, overrides):
    source_dir = Path(source_dir).resolve()
    files = sorted(path for path in source_dir.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    facts = [mkdocs_setup_digest(config), str(source_dir), testing.run, overrides, installed_packages(),
             os.environ.get("SOURCE_DATE_EPOCH") or last_change(Path(config.config_file_path).parent, files)]
    return fingerprint(facts, [(path.relative_to(source_dir).as_posix(), path.read_bytes()) for path in files])


def installed_packages():
    found = []
    for folder in sys.path:
        try:
            with os.scandir(folder or ".") as entries:
                found += sorted(entry.name for entry in entries if entry.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            pass
    return found


# What the command line leaves out, the plugin's settings in `mkdocs.yml`
# say: the source folder (MkDocs' `docs_dir` unless set) and the cache's,
# beside `mkdocs.yml`.
def settled(source_dir, config, testing):
    testing = testing or TutorialTestOptions()
    if testing.cache_dir is None:
        testing = replace(testing, cache_dir=cache_folder(config))
    return Path(source_dir or config.plugins[PLUGIN_NAME].source_dir), testing


# Each source is read once and parsed once, and every page is rendered
# before any tutorial's tests run: a source Python cannot parse stops the
# build in seconds, not after every other tutorial's tests. The verdicts
# still come before any page is written: a tutorial that fails stops the
# build there, and the previous site stays as it was. A preview reports
# the failure and shows it on the tutorial's page instead.
#
# The pages come out in memory (see "Write"): MkDocs' folder gets them only
# when MkDocs is to read them, and the plugin takes the tutorials' pages as
# data. While they render, `meanwhile(texts)` runs, given the sources read.
#
# Each stage hands its product to the next: the pages found stay as found.
class MadePages(NamedTuple):
    chapters: list  # the site's chapters, as `find_chapters` found them, each section titled
    rendered: dict  # page -> its `render.RenderedPage`
    verdicts: dict  # page -> its tests' `Verdict`, for the pages with tests
    files: dict  # MkDocs' folder: path -> bytes (see "Write")
    warnings: list  # what the build warned of, a line each


def make_pages(source_dir, config, testing, preview=False, meanwhile=None):
    source_dir, testing = settled(source_dir, config, testing)
    languages, settings = site_languages(config), literate_settings(config)
    chapters = site_chapters(source_dir, config)
    pages = pages_of(chapters)
    targets = link_targets(pages, languages, source_dir)
    texts = read_pages(pages)
    rendered, warnings = render_pages(pages, texts, testing.cache_dir, testing.console, targets, settings.line_breaks,
                                      processes=not preview, meanwhile=meanwhile and (lambda: meanwhile(texts)))
    chapters = titled_sections(chapters, languages, {page: rendered[page].heading for page in pages
                                                     if rendered[page].heading is not None})
    introductions = home_introductions(chapters, targets, testing.cache_dir)
    for warning in missing_anchors(pages, rendered) + unshown_code(chapters) + home_warnings(chapters, introductions):
        warnings.append(warning)
        print(warning, file=sys.stderr)
    code_facts = {page.source: rendered[page].code_facts for page in pages}
    verdicts = judge_tutorials(pages, texts, code_facts, source_dir, config, testing)
    problems = verdict_problems(verdicts)
    if problems and not preview:
        raise BuildError("\n".join(problems))
    for problem in problems:
        print(problem, file=sys.stderr)
    files, config.plugins[PLUGIN_NAME].pages = page_files(chapters, rendered, verdicts, introductions,
                                                                languages, config)
    configure_navigation(config, chapters)
    return MadePages(chapters, rendered, verdicts, files, warnings)


# `--pages-only DIR` stops before MkDocs, with the pages and their downloads
# in DIR as MkDocs would read them: to look at, or to time the generator
# alone. Files already in DIR are overwritten, and nothing else is removed.
def write_pages_only(source_dir, pages_dir, config_file, testing=None):
    pages_dir = Path(pages_dir).resolve()
    pages_dir.mkdir(parents=True, exist_ok=True)
    config = load_mkdocs_config(Path(config_file).resolve(), pages_dir, pages_dir.with_name(f".{pages_dir.name}.site"))
    write_files(make_pages(source_dir, config, testing).files, pages_dir)
