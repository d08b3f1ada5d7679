"""Every tutorial's notebook: valid nbformat 4, cut only where the code is
complete, and run from the first cell to the last by a real kernel, with
the result `python x.py` gives; a translation that says the same
statements in other words, held cell for cell to its original's, which
runs."""

import ast
import concurrent.futures
import os
import re
import subprocess
import sys
import sysconfig
import tokenize
from pathlib import Path

import nbformat

import pytest
from nbclient import NotebookClient

import literate.build
import literate.judge
import literate.parse
import literate.settings
import literate.read
import literate.render
import literate.site
import literate.testrun
import literate.textfirst
import literate.write
from literate import notebook
from support import ROOT

# Discovered, not listed: a chapter added tomorrow is tested too.
TUTORIALS = sorted(
    path for path in literate.site.tutorial_sources(ROOT / "source") + [
        path for folder in sorted((ROOT / "source").iterdir()) if folder.is_dir()
        for path in literate.site.tutorial_sources(folder)
    ]
    if not path.name.startswith("__init__")
)


@pytest.fixture(scope="module")
def pages(tmp_path_factory, rendered_pages):
    """{source: (page, its notebook file, its rendering)}, written as a build writes them (tests not run),
    from the pages this run rendered once."""
    folder = tmp_path_factory.mktemp("notebooks")
    (folder / "pages").mkdir()
    config = literate.settings.load_mkdocs_config(ROOT / "mkdocs.yml", folder / "pages", folder / "site")
    testing = literate.judge.TutorialTestOptions(run=False, cache_dir=rendered_pages(folder / "cache"))
    made = literate.build.make_pages(ROOT / "source", config, testing)
    literate.write.write_files(made.files, folder / "pages")
    return {
        page.source: (page, folder / "pages" / page.lang / (literate.site.download_name(page) + literate.site.NOTEBOOK_SUFFIX),
                      made.rendered[page])
        for page in literate.site.pages_of(made.chapters)
    }


def code_of(source):
    text = literate.read.read_source(source)
    return literate.textfirst.literate_text_to_code(text) if literate.textfirst.is_literate_text(source) else text


def test_tutorials_are_found():
    assert len(TUTORIALS) >= 5 and any(literate.textfirst.is_literate_text(path) for path in TUTORIALS)


def test_the_generators_pages_have_no_notebook(pages):
    generator = [made for page, _, made in pages.values() if page.generator]
    assert len(generator) > 10
    assert not [name for made in generator for name in made.downloads if name.endswith(literate.site.NOTEBOOK_SUFFIX)]


# A translation `x_zh.py` whose statements are those of `x.py`, words aside
# (its docstrings, comments and the strings it prints), runs as `x.py`
# runs. The build ran its own tests; here its notebook is held to its
# original's, cell for cell, words aside, and only the original runs.
class WordsAside(ast.NodeTransformer):
    def visit_Constant(self, node):
        return ast.Constant("") if isinstance(node.value, str) else node


def statements(code):
    return ast.dump(WordsAside().visit(ast.parse(code)))


def original_of(path):
    stem, suffix = path.name.split(".", 1)
    original = path.with_name(f"{stem.removesuffix('_zh')}.{suffix}")
    return original if stem.endswith("_zh") and original in TUTORIALS else None


TWINS = {path: original_of(path) for path in TUTORIALS
         if original_of(path) and statements(code_of(path)) == statements(code_of(original_of(path)))}
RUN = [path for path in TUTORIALS if path not in TWINS]


# One kernel per notebook, as a reader's "Run all" starts one, and beside
# it the page's "Download .py" run as `python x.py`, both in the folder of
# the pages, where nothing of the source folder is. Tutorials run in
# parallel, a kernel per core, the way the build runs their tests.
@pytest.fixture(scope="module")
def runs(pages):
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = {source: pool.submit(run_both, path) for source, (_, path, _) in pages.items() if source in RUN}
    return {source: future.result() for source, future in futures.items()}


def run_both(path):
    """(the executed notebook, or the error that stopped it; the script's completed process)."""
    book = nbformat.read(path, as_version=4)
    try:
        NotebookClient(book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    except Exception as error:  # CellExecutionError names the cell and its traceback
        book = error
    script = path.with_suffix(".py")  # the page's "Download .py", beside the notebook
    # Its `__main__` needs pytest alone: the plugins installed here for the
    # suite (hypothesis, xdist, pytest-benchmark) are no part of a reader's
    # `python x.py`, and loading them is work its run does not need.
    environment = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    ran = subprocess.run([sys.executable, script.name], cwd=path.parent, env=environment, capture_output=True,
                         text=True, timeout=300)
    return book, ran


@pytest.mark.parametrize("source", TUTORIALS, ids=lambda path: path.relative_to(ROOT / "source").as_posix())
def test_the_notebook_is_valid(pages, source):
    page, path, made = pages[source]
    assert literate.render.download_links(page, made.downloads)["notebook"] == literate.site.download_name(page) + ".ipynb"
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    assert book.nbformat == 4 and book.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("twin", TWINS, ids=lambda path: path.relative_to(ROOT / "source").as_posix())
def test_a_translation_not_run_here_is_its_originals_notebook_words_aside(pages, twin):
    def code_cells(source):
        book = nbformat.read(pages[source][1], as_version=4)
        return [statements(cell.source) for cell in book.cells if cell.cell_type == "code"]

    ours, theirs = code_cells(twin), code_cells(TWINS[twin])
    differing = [number for number, (one, other) in enumerate(zip(ours, theirs), start=1) if one != other]
    assert len(ours) == len(theirs) and not differing, (
        f"{len(ours)} code cells against {len(theirs)}; beyond their words, cells {differing} differ")


def test_every_original_runs():
    assert set(TWINS.values()) <= set(RUN) and len(RUN) >= len(TUTORIALS) / 2


@pytest.mark.parametrize("source", RUN, ids=lambda path: path.relative_to(ROOT / "source").as_posix())
def test_the_notebook_runs_like_the_file(runs, source):
    book, script = runs[source]
    if isinstance(book, Exception):
        pytest.fail(f"the notebook stopped: {book}")
    errors = [output for cell in book.cells if cell.cell_type == "code" for output in cell.outputs
              if output.output_type == "error"]
    assert not errors
    code_cells = [cell for cell in book.cells if cell.cell_type == "code"]
    tests = literate.parse.parse_code(code_of(source)).tests

    def printed(cells):
        return "".join(output.text for cell in cells for output in cell.outputs
                       if output.output_type == "stream" and output.name == "stdout")
    assert script.returncode == 0, script.stderr
    if tests:
        # The file's `__main__` hands it to pytest, whose summary counts the
        # same tests as the notebook's last cell; before that, both printed
        # the same.
        assert printed(code_cells[-1:]).rstrip("\n").endswith(f"{len(tests)} passed, 0 failed")
        assert re.search(rf"^{len(tests)} passed\b(?!.*\bfailed)", script.stdout, re.M), script.stdout
        assert script.stdout.startswith(printed(code_cells[:-1]))
    else:
        assert printed(code_cells) == script.stdout


def cells_of(code, tests=()):
    return notebook.notebook_cells(literate.parse.split_lines(code), literate.parse.parse_code(code), list(tests))


SAMPLE = '''"""
# Sums

Commentary becomes Markdown, math as written: $\\\\sum_i x_i$ and
$$ s = a + b $$
"""
import random

random.seed(0)


# A function: what is said inside it stays in its cell.
@staticmethod
def add(a, b):
    """The sum."""
    # Inside the function: a comment, not a cell of its own.
    return a + b


def test_add():
    assert add(1, 2) == 3


if __name__ == "__main__":
    print("as a script")
'''


def test_commentary_between_statements_becomes_markdown_and_inside_them_stays_code():
    assert cells_of(SAMPLE, ["test_add"]) == [
        ("markdown", "# Sums\n\nCommentary becomes Markdown, math as written: $\\\\sum_i x_i$ and\n$$ s = a + b $$"),
        ("code", "import random\n\nrandom.seed(0)"),
        ("markdown", "A function: what is said inside it stays in its cell."),
        ("code", '@staticmethod\ndef add(a, b):\n    """The sum."""\n'
                 "    # Inside the function: a comment, not a cell of its own.\n    return a + b\n\n\n"
                 "def test_add():\n    assert add(1, 2) == 3"),
    ]


def test_the_main_block_stays_when_nothing_replaces_it():
    assert cells_of(SAMPLE)[-1][1].endswith('\n\n\nif __name__ == "__main__":\n    print("as a script")')


def test_the_last_cell_runs_the_checks_and_says_it_in_the_pages_language():
    lines, parsed = literate.parse.split_lines(SAMPLE), literate.parse.parse_code(SAMPLE)
    book = nbformat.reads(notebook.notebook_bytes(lines, parsed, ["test_add"], False, "zh", "sums_zh.py").decode(),
                          as_version=4)
    assert book.cells[-2].source.startswith("## 检查") and "`python sums_zh.py`" in book.cells[-2].source
    namespace = {}
    for cell in book.cells:
        if cell.cell_type == "code":
            exec(cell.source, namespace)
    assert namespace["failed"] == [] and namespace["tests"] == [namespace["test_add"]]


# Cut only where the code is complete: each code cell compiles alone, and
# together they are the file's code, statement for statement (all but the
# module docstring, which is Markdown, and the `__main__` block the checks
# cell replaces), on our tutorials and on modules of the standard library.
CORPUS = TUTORIALS + [Path(sysconfig.get_paths()["stdlib"]) / name
                      for name in ("textwrap.py", "argparse.py", "dataclasses.py", "tokenize.py", "pydoc.py")]


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
def test_code_cells_are_complete_and_are_the_whole_file(path):
    if path.is_relative_to(ROOT):
        code = code_of(path)
    else:
        with tokenize.open(path) as file:
            code = file.read()
    tests = [name for name, _ in literate.parse.parse_code(code).tests]
    cells = [text for kind, text in cells_of(code, tests) if kind == "code"]
    for text in cells:
        ast.parse(text)
    expected = ast.parse(code).body
    if ast.get_docstring(ast.Module(body=expected, type_ignores=[]), clean=False) is not None:
        expected = expected[1:]
    if tests:
        expected = [node for node in expected if not notebook.is_main_block(node)]
    got = [node for text in cells for node in ast.parse(text).body]
    assert [ast.dump(node) for node in got] == [ast.dump(node) for node in expected]


def test_a_notebook_that_nbformat_finds_invalid_stops_the_page(monkeypatch):
    monkeypatch.setattr(notebook, "cell", lambda number, kind, text: {"cell_type": kind, "source": text})
    with pytest.raises(nbformat.ValidationError):
        notebook.notebook_bytes(literate.parse.split_lines(SAMPLE), literate.parse.parse_code(SAMPLE), [], False,
                                "en", "sums.py")


# Validated once: `nbformat.writes` would validate it a second time, only to
# log what the first would have raised already. The bytes are those it writes.
def test_a_notebook_is_validated_once_and_written_as_nbformat_writes_it(monkeypatch):
    validations, validate = [], nbformat.validate
    monkeypatch.setattr(nbformat, "validate", lambda book, *arguments, **options: (
        validations.append(book), validate(book, *arguments, **options))[1])
    made = notebook.notebook_bytes(literate.parse.split_lines(SAMPLE), literate.parse.parse_code(SAMPLE),
                                   ["test_add"], False, "en", "sums.py")
    assert len(validations) == 1
    assert made == nbformat.writes(nbformat.reads(made.decode(), as_version=4)).encode() + b"\n"
