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

Run `python build_docs.py --help` for the commands, and
`python build_docs.py COMMAND --help` for the options of each; installed
with `pip install .`, the package runs the same as `literate`.
"""

import sys

from literate import ROOT
from literate.read import SourceError, read_source
from literate.textfirst import code_to_literate_text, literate_text_to_code
from literate.parse import Section, parse_source
from literate.judge import TutorialTestOptions
from literate.build import build_site
from literate.cli import main as command_line

# What other programs may use: the parser, literate text both ways, a build.
__all__ = [
    "parse_source", "Section", "SourceError", "read_source", "literate_text_to_code", "code_to_literate_text",
    "build_site", "TutorialTestOptions", "main",
]


# ## The command line
#
# The command `literate` of the package (see "The command line"), with
# this repository's `mkdocs.yml` as its settings wherever it is run from.
def main(argv=None):
    return command_line(argv, prog="build_docs.py", config_default=str(ROOT / "mkdocs.yml"))


if __name__ == "__main__":
    sys.exit(main())
