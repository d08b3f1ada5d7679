"""
# How this site is built

This page is `build_docs.py`, the command that made this site.

It reads like the tutorials it publishes: every tutorial on this site is
an ordinary Python file, its comments and docstrings the commentary on the
left, its code the column on the right. The pages after this one are the
stages of the package `literate/`, a page each, in the order data flows
through them:

1. **read** each source as Python reads it (`literate/read.py`), and a
   text-first source (literate text, `x.py.txt`) as the code PyLit makes of
   it (`textfirst`);
2. **parse** it into sections of commentary and code, with `tokenize` and
   `ast`, so that a `#` inside a string can never be mistaken for a comment
   (`parse`);
3. find the **site**: a folder of `source/` is a chapter, `x_zh.py` is the
   Chinese version of the page `x.py`, and every page gets an address of
   its own, checked (`site`);
4. **render the commentary** from Markdown and TeX to HTML, math included,
   at build time: the site needs no network to show a formula
   (`commentary`), and **highlight the code**, colouring the parser's own
   tokens, keeping the source's own line numbers (`highlight`);
5. **render each page** once, and a tutorial's Jupyter notebook with it, in
   a process per core, and keep them in a cache that no verdict touches
   (`render`, `notebook`, `pages`); meanwhile the build's own process loads
   what MkDocs' search will need (`plugin`);
6. **run the tutorials' tests**, each tutorial in a pytest process of its
   own, so that its page can show what they proved on this build
   (`testrun`, `judge`);
7. **write the pages**, each with its verdict, as Markdown files that
   Material for MkDocs publishes, one tree per language, each page with its
   code, its literate text and, for a tutorial, its notebook beside it to
   download (`verdicts`, `write`); they are made in memory, and go to disk
   only for MkDocs to read;
8. **run MkDocs** into a fresh folder, with the package's plugin keeping
   the code column away from Markdown and search and building the
   languages side by side (`plugin`), and swap the new site in only when
   it succeeded (`publish`).

`build` runs them, reading each source once and judging the tutorials
before any page is written; `serve` runs them again on every edit, and
has MkDocs build only the pages the edit changed (`rebuild`);
`deploy` (`python build_docs.py gh-deploy`) builds and pushes the site to
GitHub Pages. A build does again only what changed since the last one: a
tutorial's tests, a page, MkDocs not at all when nothing it reads
changed, and nothing at all, not even reading the sources, when nothing
the site is made from changed. Whatever it reuses, it gives the bytes a
build from nothing would.

Run `python build_docs.py --help` for the options.
"""

import argparse
import logging
import sys
import time
from pathlib import Path

from literate import ROOT
from literate.read import BuildError, SourceError, read_source
from literate.textfirst import code_to_literate_text, literate_text_to_code
from literate.parse import Section, parse_source
from literate.judge import TutorialTestOptions
from literate.build import build_site, write_pages_only
from literate.deploy import DeployError, deploy_site
from literate.serve import serve_site

# What other programs may use: the parser, literate text both ways, a build.
__all__ = [
    "parse_source", "Section", "SourceError", "read_source", "literate_text_to_code", "code_to_literate_text",
    "build_site", "main",
]


# ## The command line
def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Build the literate-programming site: source/ (chapters of .py and .py.txt files, "
                    "x_zh.py in Chinese) -> side-by-side pages -> site/.",
    )
    parser.add_argument("command", nargs="?", choices=["build", "serve", "gh-deploy"], default="build",
                        help="build the site (default), serve a live preview, or build and publish it "
                             "to GitHub Pages")
    parser.add_argument("--source", default=str(ROOT / "source"), metavar="DIR",
                        help="folder of tutorial sources (default: source/)")
    parser.add_argument("--site-dir", default=str(ROOT / "site"), metavar="DIR",
                        help="where the built site goes (default: site/)")
    parser.add_argument("--config", default=str(ROOT / "mkdocs.yml"), metavar="FILE",
                        help="MkDocs configuration (default: mkdocs.yml)")
    parser.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT",
                        help="address for serve (default: 127.0.0.1:8000; port 0: a free one)")
    parser.add_argument("--no-run", action="store_true",
                        help="do not run the tutorials' tests; their pages say 'not run'")
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache"), metavar="DIR",
                        help="where test results and rendered pages are kept between builds (default: .cache/)")
    parser.add_argument("--pages-only", metavar="DIR",
                        help="write the generated Markdown pages to DIR and stop, without running MkDocs")
    parser.add_argument("--remote-name", metavar="NAME",
                        help="gh-deploy: the git remote to push to (default: remote_name of mkdocs.yml, origin)")
    parser.add_argument("--remote-branch", metavar="BRANCH",
                        help="gh-deploy: the branch to publish to (default: remote_branch of mkdocs.yml, gh-pages)")
    arguments = parser.parse_args(argv)
    if arguments.command == "gh-deploy" and (arguments.no_run or arguments.pages_only):
        parser.error("gh-deploy publishes a full build whose tests ran: not with --no-run or --pages-only")
    return arguments


def main(argv=None):
    arguments = parse_arguments(argv)
    testing = TutorialTestOptions(run=not arguments.no_run, cache_dir=Path(arguments.cache_dir))
    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.WARNING)
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    try:
        if arguments.command == "serve":
            logging.getLogger("mkdocs").setLevel(logging.INFO)
            serve_site(arguments.source, arguments.config, arguments.dev_addr, testing)
        elif arguments.command == "gh-deploy":
            print(deploy_site(arguments.source, arguments.site_dir, arguments.config, testing,
                              arguments.remote_name, arguments.remote_branch))
        elif arguments.pages_only:
            started = time.perf_counter()
            write_pages_only(arguments.source, arguments.pages_only, arguments.config, testing)
            print(f"wrote the pages to {arguments.pages_only} in {time.perf_counter() - started:.1f} s")
        else:
            started = time.perf_counter()
            build_site(arguments.source, arguments.site_dir, arguments.config, testing)
            print(f"built {arguments.site_dir} in {time.perf_counter() - started:.1f} s")
    except (BuildError, DeployError) as error:
        print(error, file=sys.stderr)
        return 1
    except OSError as error:  # a site folder that cannot be written, a full disk
        print(f"{error.filename or 'build_docs'}: {error.strerror or error}", file=sys.stderr)
        return 1
    except Exception as error:
        from mkdocs.exceptions import MkDocsException

        if isinstance(error, MkDocsException):
            print(f"mkdocs: {error}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
