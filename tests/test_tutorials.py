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
import subprocess
import sys
import types
from pathlib import Path

import pytest

import build_docs
import literate.textfirst
import literate.site

SOURCE = Path(__file__).resolve().parent.parent / "source"
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


# A text-first tutorial runs as the code PyLit makes of it, written for the
# occasion to a temporary file.
@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.relative_to(SOURCE).as_posix())
def test_running_a_tutorial_runs_its_checks(path, tmp_path):
    script = path
    if literate.textfirst.is_literate_text(path):
        script = tmp_path / f"{literate.site.page_name(path)}.py"
        script.write_text(code_of(path), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=path.parent)
    assert result.returncode == 0, result.stderr
    assert f"{len(names_of_tests(path))} passed, 0 failed" in result.stdout
