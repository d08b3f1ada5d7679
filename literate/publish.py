"""
# Publish: MkDocs run when something changed

A complete site goes out, or none: the old one stays until the new is ready.

In: MkDocs' settings for this build (see "Settings"), the pages (in
memory), the site folder and its last build's record (see "Record").
Out: the site built beside the old one and swapped in only when complete
(see "Swap"), dated reproducibly; no MkDocs run at all when nothing it
reads changed; and in a preview, only the pages an edit changed built
again (see "Rebuild").
"""

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from literate.read import display_path
from literate.settings import PLUGIN_NAME
from literate.write import write_files
from literate.swap import swap_in
from literate.record import mkdocs_inputs, mkdocs_setup_digest, record_build


# The new site is built beside the old one and swapped in only when it is
# complete: a failed or interrupted build leaves the previous site as it
# was.
#
# `files` are the pages MkDocs is to read (see "Write"), written into its
# folder only when it runs; `recorded` is the last build's record, `facts`
# go into this one's. A preview's site is its own, in a folder of its own:
# the preview remembers what it built there instead of recording it.
def run_mkdocs(config, files, site_dir, record, recorded, facts, preview=None):
    staging = Path(config["site_dir"])
    setup = mkdocs_setup_digest(config)
    if preview is not None:
        inputs = preview.inputs_of(setup)
        unchanged = preview.holds(inputs, files)
    else:
        inputs = mkdocs_inputs(files, setup)
        unchanged = recorded.get("inputs") == inputs
    if unchanged:
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
        write_files(config.plugins[PLUGIN_NAME].files_on_disk(files, config), config["docs_dir"])
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
