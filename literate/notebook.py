"""
# Notebook: every tutorial, ready to run in Jupyter or Colab

A tutorial becomes a Jupyter notebook, offered beside its page.

In: a tutorial page, its code and the sections its code was parsed into.
Out: `x.ipynb`, one of the page's downloads, nbformat 4, validated.

A reader who wants to change a number and run the code again should not
have to copy it out of the page. Every tutorial page therefore offers its
tutorial as a Jupyter notebook (`x.ipynb` beside the page, `x_zh.ipynb`
beside the Chinese one), which "Open in Colab" opens from the published
site. It is made from the same source as the page, by the same parser:

- commentary at the top level of the file becomes a Markdown cell, its
  math left as `$…$` and `$$…$$`, which Jupyter and Colab render;
- the code between two pieces of such commentary becomes a code cell, cut
  only between top-level statements (`ast` says where they begin and end),
  so that every cell is complete and runs. Commentary inside a function or
  a class stays where it is, as the `#` comments and docstrings it is in
  the file;
- cells run in the order of the file, so seeds and imports do what they
  do when the file runs;
- the last cell runs the tutorial's `test_*` functions and prints the line
  `python x.py` prints, `N passed, M failed`. It takes the place of the
  file's `if __name__ == "__main__":` block, which does the same as a
  script (in a notebook `__name__` is `"__main__"` too, and its
  `sys.exit()` would stop "Run all" with an error).

The notebook is written with `nbformat` (version 4) and validated by it.
Its bytes depend on the source alone: cell ids are numbered, not random.
"""

import ast
import posixpath

from literate.parse import commentary_of, split_lines
from literate.site import NOTEBOOK_SUFFIX, download_name
from literate.commentary import translate_series_conventions
from literate.render import literal_markers_removed

# The kernel Jupyter, Colab and nbclient start for the notebook: ipykernel's.
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

# The words of the cell the generator adds, in the language of the page; a
# language missing here gets the English ones.
CHECKS_WORDS = {
    "en": "## Checks\n\nRun as a script (`python {script}`), the tutorial runs its `test_*` functions and "
          "prints how many passed. This cell does the same here.",
    "zh": "## 检查\n\n作为脚本运行（`python {script}`）时，本教程逐个运行它的 `test_*` 函数，"
          "并打印通过了几个。这个单元格在这里做同样的事。",
}

RUN_CHECKS = """\
import traceback

tests = [{names}]
failed = []
for test in tests:
    try:
        test()
    except Exception:
        failed.append(test.__name__)
        traceback.print_exc()
print(f"{{len(tests) - len(failed)}} passed, {{len(failed)}} failed")
assert not failed, "failed: " + ", ".join(failed)
"""


# A download of the page, beside its others: {file name: bytes}, empty
# for the generator's own pages, which are not tutorials. The Markdown
# cells hold the commentary as the page reads it, before it is rendered:
# Jupyter renders it, math included, itself.
def notebook_download(page, code, parsed):
    if page.generator:
        return {}
    name = download_name(page)
    tests = [function for function, _ in parsed.tests]
    return {name + NOTEBOOK_SUFFIX: notebook_bytes(
        split_lines(code), parsed, tests, page.text_first, page.lang, posixpath.basename(name) + ".py")}


def notebook_markdown(kinds, text_first):
    texts = commentary_of(kinds)
    if text_first:
        texts = [literal_markers_removed(text) for text in texts]
    return "\n\n".join(translate_series_conventions(text) for text in texts if text.strip())


# ## From the source to cells
#
# Each line of the source is code, commentary or blank. A line is code
# when it belongs to a top-level statement (decorators, comments and
# docstrings inside it included), or when the parser kept it in the code
# column (a shebang, a `# noqa`). Commentary is every other line that is
# not blank: comments between statements, the module docstring. Blank lines
# go with what is around them. Each run of commentary ends the code cell
# before it and becomes one Markdown cell, with the commentary the page's
# own parse read on those lines, so that a comment shows the same words
# here as on the page. A top-level statement that starts a section of the
# page (a `def` whose docstring is commentary) starts a cell of its own
# too, so that the notebook is cut where the page is. The statements are
# those of the page's own syntax tree (`parse.Parsed`): a source is parsed
# once per build.
def notebook_cells(lines, parsed, tests, text_first=False):
    """[(cell type, text)] of a source and its `parse.Parsed`; `tests` are its test_* function names."""
    lines = [lines[0].lstrip("\ufeff"), *lines[1:]] if lines else lines
    sections, tree = parsed.sections, parsed.tree
    code_rows = {row for section in sections for row in section.code_line_numbers}
    section_starts = {section.code_line_numbers[0] for section in sections if section.code_line_numbers}
    statement_rows, left_out, cuts = set(), set(), set()
    for node in tree.body:
        rows = set(range(statement_start(node), node.end_lineno + 1))
        if is_module_docstring(node, tree) and not rows & code_rows:
            continue
        if tests and is_main_block(node):
            left_out |= rows
            continue
        statement_rows |= rows
        if statement_start(node) in section_starts:
            cuts.add(statement_start(node))
    cells, kind, rows = [], None, []

    def close():
        text = "\n".join(lines[row - 1] for row in rows).strip("\n")
        if kind == "markdown":
            text = notebook_markdown([parsed.kinds[row - 1] for row in rows], text_first)
        if text.strip():
            cells.append((kind, text))

    for row, line in enumerate(lines, start=1):
        if row in left_out:
            continue
        if row in statement_rows or (row in code_rows and line.strip()):
            line_kind = "code"
        elif not line.strip():
            line_kind = kind
        else:
            line_kind = "markdown"
        if line_kind != kind or row in cuts:
            close()
            kind, rows = line_kind, []
        rows.append(row)
    close()
    return cells


def statement_start(node):
    return min([node.lineno] + [decorator.lineno for decorator in getattr(node, "decorator_list", [])])


def is_module_docstring(node, tree):
    return (node is tree.body[0] and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))


# `if __name__ == "__main__":`, written either way round.
def is_main_block(node):
    if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1
            and isinstance(node.test.ops[0], ast.Eq)):
        return False
    sides = [node.test.left, node.test.comparators[0]]
    names = [side.id for side in sides if isinstance(side, ast.Name)]
    values = [side.value for side in sides if isinstance(side, ast.Constant)]
    return names == ["__name__"] and values == ["__main__"]


# ## The notebook file
#
# A tutorial with tests ends with the cell that runs them, named in the
# order of the file as pytest runs them. Cell ids are required by
# nbformat 4.5; numbering them keeps two builds' bytes the same. The
# notebook is validated once, whole: nbformat's `new_*_cell` would validate
# each cell as it is made, which costs more than making the notebook, and
# `nbformat.writes` would validate it again, only to log what is wrong; its
# writer for version 4 writes the same bytes without.
#
# nbformat, with the jsonschema it validates with, takes a tenth of a
# second to import: only a page rendered anew needs it, so a build that
# finds every page in its cache (`pages`) never loads it.
def notebook_bytes(lines, parsed, tests, text_first, lang, script):
    """The .ipynb file of a tutorial, as bytes; `script` is the name of its .py download."""
    import nbformat

    cells = notebook_cells(lines, parsed, tests, text_first)
    if tests:
        cells.append(("markdown", CHECKS_WORDS.get(lang, CHECKS_WORDS["en"]).format(script=script)))
        cells.append(("code", RUN_CHECKS.format(names=", ".join(tests)).rstrip("\n")))
    notebook = nbformat.from_dict({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": KERNEL, "language_info": {"name": "python"}},
        "cells": [cell(number, kind, text) for number, (kind, text) in enumerate(cells, start=1)],
    })
    nbformat.validate(notebook)
    return nbformat.v4.writes(notebook).encode("utf-8") + b"\n"


def cell(number, kind, text):
    made = {"id": f"cell-{number}", "cell_type": kind, "metadata": {}, "source": text}
    if kind == "code":
        made.update(execution_count=None, outputs=[])
    return made
