"""
# The generator's stages

`build_docs.py` is this repository's command, and `literate` the package's
(see "The command line"); this package holds what they do, a module per
stage. Data flows one way through them, in the order below: a module
imports only from the modules before it (`tests/test_layout.py` checks
it), and the site's chapter "The generator" shows them in this order.
"""

from pathlib import Path

__version__ = "0.1.0"

STAGES = (
    "read",  # a source file becomes text
    "console",  # what a command tells the person who runs it: lines, and progress on a terminal
    "cache",  # what a build keeps for the next, under a fingerprint of what it was made from
    "settings",  # what mkdocs.yml tells the generator, checked by MkDocs, and MkDocs' settings for a build
    "textfirst",  # literate text and code, each made of the other by PyLit
    "parse",  # text becomes sections of commentary and code
    "frontmatter",  # a YAML block opening the commentary: the page's title and summary
    "conventions",  # the series' ways of writing: line breaks, lists, docstring sections, folder names
    "model",  # what a site is made of: languages, chapters, pages, and what a tutorial's tests showed
    "site",  # the chapters and pages found in the source folder, and their addresses
    "links",  # a link to a source leads to its page
    "tex",  # TeX becomes MathML, whole or not at all
    "commentary",  # Markdown and TeX become HTML
    "highlight",  # code becomes coloured HTML
    "render",  # a page's HTML
    "notebook",  # a tutorial as a Jupyter notebook, beside its page
    "pages",  # every page rendered once, with its notebook, in parallel
    "testrun",  # one tutorial's tests run, and what they showed
    "judge",  # every tutorial's verdict, cached or run
    "verdicts",  # a verdict as the page shows it: status line, marks, citation marks
    "write",  # the pages with their verdicts, into MkDocs' folder, and as data for the plugin
    "plugin",  # MkDocs reads only what it is for
    "rebuild",  # what a preview keeps between its builds, and an edit's pages built again
    "swap",  # the site folder: checked, and a new site swapped in whole
    "record",  # what the last build of a site was made from
    "publish",  # MkDocs run only when what it reads changed, and the new site swapped in whole
    "build",  # the stages in order
    "deploy",  # the site published to GitHub Pages
    "serve",  # a live preview
    "mkdocs_plugin",  # the plugin as MkDocs loads it: mkdocs build, serve and gh-deploy
    "cli",  # the command line: build, serve, gh-deploy
)

# The project's folder: `build_docs.py`, `mkdocs.yml` and `source/` are here.
ROOT = Path(__file__).resolve().parent.parent
