"""Every test_* function of every tutorial in source/, collected by pytest.

The tutorials are plain files, not a package: each is imported from its own
path under a name of its own, so two tutorials may share function names.
A text-first tutorial (`x.py.txt`) is converted to code in memory by the
build's own PyLit conversion and run from there: no generated copy is
kept. Tutorials sit in source/ and in its chapter folders; a chapter's
__init__.py (and its translations) holds the chapter's introduction, not a
tutorial."""

import ast
import importlib.util
import os
import re
import subprocess
import sys
import types
import warnings

import pytest

import build_docs
import literate.textfirst
import literate.site
from support import SOURCE

TUTORIALS = sorted(path for pattern in ("*.py", "*" + literate.textfirst.LITERATE_SUFFIX) for path in SOURCE.rglob(pattern)
                   if not path.name.startswith("__init__"))
_modules = {}


def code_of(path):
    text = path.read_text(encoding="utf-8")
    return build_docs.literate_text_to_code(text) if literate.textfirst.is_literate_text(path) else text


def names_of_tests(path):
    tree = ast.parse(code_of(path))
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]


def tutorial_tests():
    for path in TUTORIALS:
        for name in names_of_tests(path):
            yield pytest.param(path, name, id=f"{path.relative_to(SOURCE).as_posix()}::{name}")


def load(path):
    if path not in _modules:
        folders = "".join(f"{part}_" for part in path.relative_to(SOURCE).parent.parts)
        name = f"tutorial_{folders}{literate.site.page_name(path)}"
        if literate.textfirst.is_literate_text(path):
            module = types.ModuleType(name)
            module.__file__ = str(path)
            exec(compile(code_of(path), str(path), "exec"), module.__dict__)
        else:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        _modules[path] = module
    return _modules[path]


@pytest.mark.parametrize("path, name", list(tutorial_tests()))
def test_tutorial(path, name):
    getattr(load(path), name)()


def test_there_are_tutorial_tests():
    assert len(list(tutorial_tests())) >= 10


def test_there_is_a_text_first_tutorial_with_tests():
    assert any(literate.textfirst.is_literate_text(path) and names_of_tests(path) for path in TUTORIALS)


def test_tutorials_are_found_in_chapter_folders():
    chapters = {path.parent for path in TUTORIALS} - {SOURCE}
    assert len(chapters) >= 2


# Run directly, a tutorial hands itself to pytest (its `if __name__ ==
# "__main__":` block), whose summary line counts what passed and failed.
# That every tutorial passes so is checked in tests/test_notebooks.py,
# which runs each page's "Download .py" beside its notebook; test_site.py
# checks that the download is the source's code, byte for byte. Here, a
# failing check. A text-first tutorial runs as the code PyLit makes of it,
# written for the occasion to a temporary file. It runs from a temporary
# folder: pytest's plugins leave their folders where pytest runs
# (pytest-benchmark its `.benchmarks`, wherever it is installed), and
# PYTHONDONTWRITEBYTECODE keeps pytest's rewritten modules out of the
# source folder.
def run_directly(script, cwd):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=cwd, env=env)


# With one more test, which fails, the run says so and exits 1.
# One tutorial of each kind, code first and text first, is enough: every
# tutorial ends in the same `__main__` block, as the next test checks.
FAILING = "def test_zz_fails_on_purpose():\n    assert False\n\n\n"
ONE_OF_EACH_KIND = [SOURCE / "01_tensors" / "01_broadcasting.py", SOURCE / "02_autograd" / "01_finite_differences.py.txt"]


@pytest.mark.parametrize("path", ONE_OF_EACH_KIND, ids=lambda p: p.relative_to(SOURCE).as_posix())
def test_running_a_tutorial_with_a_failing_check_exits_1(path, tmp_path):
    code = code_of(path) if literate.textfirst.is_literate_text(path) else path.read_text(encoding="utf-8")
    main = code.index('\nif __name__ == "__main__":')
    script = tmp_path / f"{literate.site.page_name(path)}.py"
    script.write_text(code[:main + 1] + FAILING + code[main + 1:], encoding="utf-8")
    result = run_directly(script, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(rf"^1 failed, {len(names_of_tests(path))} passed in ", result.stdout, re.M), result.stdout


# One runner for every tutorial, not a copy with its own variations: the
# `__main__` block that closes each tutorial is this one statement.
STANDARD_RUNNER = 'raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))'


@pytest.mark.parametrize("path", [path for path in TUTORIALS if names_of_tests(path)],
                         ids=lambda p: p.relative_to(SOURCE).as_posix())
def test_every_tutorial_ends_in_the_standard_runner(path):
    last = ast.parse(code_of(path)).body[-1]
    assert isinstance(last, ast.If) and ast.unparse(last.test) == "__name__ == '__main__'"
    assert ast.unparse(last.body[-1]) == STANDARD_RUNNER.replace('"', "'")


# A docstring with TeX in it must be raw: in a plain one `\times` holds a tab
# and `\sigma` an invalid escape, which Python only warns about.
@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.relative_to(SOURCE).as_posix())
def test_every_tutorial_compiles_without_a_warning(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(code_of(path), str(path), "exec")
