"""Literate text with PyLit: lossless both ways on our sources and on each
construct that PyLit alone gets wrong (on the standard library:
test_standard_library.py)."""

import os
import re
import subprocess
import sys
import warnings

import pytest

import build_docs
import literate.parse
import literate.textfirst
import literate.site
import literate.testrun
import literate.judge
import literate.render
import literate.settings
from support import ROOT, code_facts, project_config, run_command

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pylit

CODE_SOURCES = sorted((ROOT / "source").rglob("*.py")) + [ROOT / "build_docs.py"] + sorted((ROOT / "literate").glob("*.py"))
TEXT_SOURCES = sorted((ROOT / "source").rglob("*" + literate.textfirst.LITERATE_SUFFIX))


def pylit_alone(code):
    """The code PyLit gives back from its own text, or None if it gives up."""
    text = str(pylit.Code2Text(code.splitlines(True), **literate.textfirst.PYLIT_OPTIONS))
    try:
        return str(pylit.Text2Code(text.splitlines(True), **literate.textfirst.PYLIT_OPTIONS))
    except ValueError:
        return None


def round_trip(code):
    return build_docs.literate_text_to_code(build_docs.code_to_literate_text(code))


@pytest.mark.quick
@pytest.mark.parametrize("path", CODE_SOURCES, ids=lambda path: path.name)
def test_code_text_code_is_identical_on_every_code_source(path):
    code = build_docs.read_source(path)
    assert round_trip(code) == code


@pytest.mark.quick
def test_there_is_a_text_first_source():
    assert TEXT_SOURCES


@pytest.mark.quick
@pytest.mark.parametrize("path", TEXT_SOURCES, ids=lambda path: path.name)
def test_text_code_text_is_identical_on_every_text_source(path):
    text = build_docs.read_source(path)
    code = build_docs.literate_text_to_code(text)
    assert "\n# " in code and "\ndef " in code
    assert build_docs.code_to_literate_text(code) == text


# Each construct below is changed by PyLit's own round trip, and kept by ours.
HARD_CASES = {
    "a comment block, a blank line, code": "# Why.\n\nx = 1\n",
    "two comment blocks apart": "# One.\n\n# Two.\n\nx = 1\n",
    "a banner of empty comments after code": "x = 1\n\n#\n# Part two\n#\n\ny = 2\n",
    "a comment indented past the prose, after code": "x = 1\n\n#       Globals\n\ny = 2\n",
    "a comment indented less than the code, after code": '"""Doc."""\n\n#  Taken from\n#   elsewhere\n\nx = 1\n',
    "a block of empty comments between code": "x = 1\n\n#\n#\n\ny = 2\n",
    "a file that starts with a blank line": "\nimport os\n",
    "a blank line with spaces in code": "def f():\n    x = 1\n        \n    return x\n",
    "Windows line ends": "# Why.\r\n\r\nx = 1\r\n",
    "an empty comment with trailing spaces": "# Why.\n#  \n\nx = 1\n",
}


@pytest.mark.quick
@pytest.mark.parametrize("code", HARD_CASES.values(), ids=HARD_CASES.keys())
def test_what_pylit_alone_changes_comes_back_identical(code):
    assert pylit_alone(code) != code
    assert round_trip(code) == code


# Where PyLit itself brings the code back, our text is PyLit's text.
EASY_CASES = [
    "# Why::\n\nx = 1\n",
    "# One.\n#\n# Two::\n\nx = 1\n",
    "# Explicit marker\n#\n# ::\n\nx = 1\n",
]


@pytest.mark.quick
@pytest.mark.parametrize("code", EASY_CASES)
def test_where_pylit_is_lossless_the_text_is_pylits(code):
    assert pylit_alone(code) == code
    assert build_docs.code_to_literate_text(code) == str(pylit.Code2Text(code.splitlines(True), **literate.textfirst.PYLIT_OPTIONS))


@pytest.mark.quick
def test_the_marks_in_the_text_are_blank_to_restructuredtext():
    text = build_docs.code_to_literate_text("# One.\n\n# Two.\n\nx = 1\n")
    assert text == "One.\n \nTwo.\n \n::\n\n    x = 1\n"


@pytest.mark.quick
def test_a_double_colon_the_author_wrote_stays():
    code = "# Explicit marker\n#\n# ::\n\nx = 1\n"
    assert round_trip(code) == code
    text = "Text\n\n::\n\n    x = 1\n"
    assert build_docs.code_to_literate_text(build_docs.literate_text_to_code(text)) == text


@pytest.mark.quick
@pytest.mark.parametrize("code, line", [
    ("# Tab.\n\nx = {\n\t1: 2}\n", 4),  # PyLit expands tabs
    ("x = 1\n \ny = 2\n", 2),  # one space: the text's own mark for "the other blank line"
])
def test_what_cannot_round_trip_is_an_error_at_its_line(code, line):
    with pytest.raises(build_docs.SourceError) as error:
        build_docs.code_to_literate_text(code)
    assert error.value.line == line
    assert "would not give back this line" in error.value.message


@pytest.mark.quick
def test_a_code_block_indented_less_than_the_first_is_an_error_at_its_line():
    text = "Intro::\n\n        x = 1\n\nMore::\n\n    y = 2\n"
    with pytest.raises(build_docs.SourceError) as error:
        build_docs.literate_text_to_code(text)
    assert error.value.line == 7


@pytest.mark.quick
def test_a_syntax_error_in_a_text_first_source_is_shown_at_its_text_line():
    text = "Intro\n \n::\n\n    x = 1\n\nMore::\n\n    y = (\n"
    read = literate.textfirst.source_read(text.encode(), text_first=True)
    with pytest.raises(build_docs.SourceError) as error:
        literate.parse.parse_code(read.code)
    located = read.in_text(error.value)
    assert (located.line, located.message) == (9, "in the code of this text: '(' was never closed")


@pytest.mark.quick
def test_literal_markers_are_not_shown_on_a_text_first_page():
    section = build_docs.Section("Code::\nSee ::\n\n::\nEnd.\n.. note::", "x = 1", 1, 7, (7,))
    assert literate.render.without_literal_markers(section).docs == "Code:\nSee\n\nEnd.\n.. note::"


@pytest.mark.quick
def test_an_underlined_heading_is_the_title():
    sections = build_docs.parse_source("# Title\n# =====\n#\n# Summary line.\nx = 1\n")
    assert literate.render.title_and_summary(sections, "fallback") == ("Title", "Summary line.")
    assert literate.render.without_title(sections[0], "Title").docs == "Summary line."


# The import of PyLit is compiled afresh (an empty bytecode cache) under
# `-W error`: its invalid escape sequence must not stop the build.
def test_importing_pylit_shows_no_warning_even_under_w_error(tmp_path):
    environment = dict(os.environ, PYTHONPYCACHEPREFIX=str(tmp_path))
    bare = subprocess.run([sys.executable, "-W", "error", "-c", "import pylit"],
                          capture_output=True, text=True, env=environment, cwd=tmp_path)
    assert bare.returncode != 0 and "invalid escape sequence" in bare.stderr
    ours = subprocess.run([sys.executable, "-W", "error", "-c", "import build_docs"],
                          capture_output=True, text=True, env=environment | {"PYTHONPATH": str(ROOT)},
                          cwd=tmp_path)
    assert ours.returncode == 0 and ours.stderr == ""


def test_the_build_names_a_file_it_cannot_round_trip_and_writes_no_text_for_it(tmp_path):
    source, site_dir = tmp_path / "source", tmp_path / "site"
    source.mkdir()
    (source / "tabs.py").write_text("# Tabbed.\n\nif True:\n\tx = 1\n", encoding="utf-8")
    (source / "fine.py").write_text("# Fine.\n\nx = 1\n", encoding="utf-8")
    result = run_command("--source", str(source), "--site-dir", str(site_dir), "--cache-dir", str(tmp_path / "cache"),
                         "--config", project_config(tmp_path))
    assert result.returncode == 0, result.stderr
    assert re.search(r"tabs\.py:4: warning: .*no literate text", result.stderr)
    assert "fine.py" not in result.stderr
    assert (site_dir / "tabs.py").read_bytes() == (source / "tabs.py").read_bytes()
    assert not (site_dir / "tabs.py.txt").exists()
    assert "Download as literate text" not in (site_dir / "tabs" / "index.html").read_text(encoding="utf-8")
    assert (site_dir / "fine.py.txt").read_text(encoding="utf-8") == "Fine.\n \n::\n\n    x = 1\n"


def test_a_page_from_both_a_py_and_a_py_txt_is_an_error(tmp_path):
    source, site_dir = tmp_path / "source", tmp_path / "site"
    source.mkdir()
    (source / "twice.py").write_text("x = 1\n", encoding="utf-8")
    (source / "twice.py.txt").write_text("Text::\n\n    x = 1\n", encoding="utf-8")
    result = run_command("--source", str(source), "--site-dir", str(site_dir), "--cache-dir", str(tmp_path / "cache"),
                         "--config", project_config(tmp_path))
    assert result.returncode == 1
    assert "twice.py.txt: page 'twice' already comes from" in result.stderr
    assert "Traceback" not in result.stderr


LESSON = """\
A lesson written text first
===========================

It leans on a neighbour::

    from helper import double

Its checks, one of them wrong on purpose::

    def test_doubles():
        assert double(2) == 4

    def test_wrong():
        assert double(2) == 5
"""


# At build time a text-first tutorial's tests run from the code PyLit makes
# of it, written to the cache folder, never beside the source; they import
# the tutorial's neighbours, and a failure is found at its line.
def test_a_text_first_tutorial_runs_at_build_time_from_its_code(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (tmp_path / "docs").mkdir()
    (source / "lesson.py.txt").write_text(LESSON, encoding="utf-8")
    (source / "helper.py").write_text("def double(x):\n    return 2 * x\n", encoding="utf-8")
    config = literate.settings.load_mkdocs_config(ROOT / "mkdocs.yml", tmp_path / "docs", tmp_path / "site")
    pages = literate.site.pages_of(literate.site.find_chapters(source, tmp_path, literate.site.site_languages(config)))
    options = literate.judge.TutorialTestOptions(cache_dir=tmp_path / "cache")
    texts = literate.textfirst.read_pages(pages)
    verdicts = literate.judge.judge_tutorials(pages, texts, code_facts(texts), source, config, options)
    verdict = next(verdict for page, verdict in verdicts.items() if page.name == "lesson")
    assert verdict.status == literate.testrun.FAILED
    outcomes = {case.name: (case.outcome, case.line) for case in verdict.cases}
    wrong_line = LESSON.splitlines().index("        assert double(2) == 5") + 1
    assert outcomes == {"test_doubles": (literate.testrun.PASSED, 0), "test_wrong": (literate.testrun.FAILED, wrong_line)}
    assert [path.name for path in source.glob("*.py")] == ["helper.py"]
    assert [path.name for path in (tmp_path / "cache" / "text-first").rglob("*.py")] == ["lesson.py"]


# A conftest.py beside a text-first tutorial is not loaded: its tests run
# from the code in the cache folder. They still run from the source's folder
# (a data file there is found by its bare name) and import its neighbours.
def test_a_text_first_tutorial_runs_without_the_conftest_beside_it(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (tmp_path / "docs").mkdir()
    (source / "lesson.py.txt").write_text(
        "Neighbours\n==========\n\nIt reads a file beside it::\n\n    from helper import double\n\n"
        "    def test_reads_its_folder_and_imports_its_neighbour():\n"
        "        assert double(int(open('data.txt').read())) == 42\n", encoding="utf-8")
    (source / "helper.py").write_text("def double(x):\n    return 2 * x\n", encoding="utf-8")
    (source / "data.txt").write_text("21", encoding="utf-8")
    (source / "conftest.py").write_text('raise RuntimeError("conftest.py beside the text was loaded")\n',
                                        encoding="utf-8")
    config = literate.settings.load_mkdocs_config(ROOT / "mkdocs.yml", tmp_path / "docs", tmp_path / "site")
    pages = literate.site.pages_of(literate.site.find_chapters(source, tmp_path, literate.site.site_languages(config)))
    options = literate.judge.TutorialTestOptions(cache_dir=tmp_path / "cache")
    texts = literate.textfirst.read_pages(pages)
    verdicts = literate.judge.judge_tutorials(pages, texts, code_facts(texts), source, config, options)
    verdict = next(verdict for page, verdict in verdicts.items() if page.name == "lesson")
    assert verdict.status == literate.testrun.PASSED, verdict.output
    assert "conftest.py beside the text was loaded" not in verdict.output


# The warning a code-first page gets when its text would not come back
# unchanged, a text-first page gets too, at the line of its text.
def test_a_text_first_source_that_would_not_come_back_warns_at_its_line(tmp_path, capsys):
    source = tmp_path / "source"
    source.mkdir()
    (source / "tabbed.py.txt").write_text("Tabbed\n======\n\nA dict::\n\n    x = {\n\t1: 2}\n", encoding="utf-8")
    (source / "fine.py.txt").write_text("Fine\n====\n\nCode::\n\n    x = 1\n", encoding="utf-8")
    status = build_docs.main(["--no-run", "--source", str(source), "--site-dir", str(tmp_path / "site"),
                              "--cache-dir", str(tmp_path / "cache"), "--config", str(project_config(tmp_path))])
    err = capsys.readouterr().err
    assert status == 0, err
    assert re.search(r"tabbed\.py\.txt:7: warning: text -> code -> text changes this line", err), err
    assert "fine.py.txt" not in err
