"""Every test_* function of every tutorial in source/, collected by pytest.

The tutorials are plain files, not a package: each is imported from its own
path under a name of its own, so two tutorials may share function names."""

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "source"
TUTORIALS = sorted(SOURCE.glob("*.py"))
_modules = {}


def tutorial_tests():
    for path in TUTORIALS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                yield pytest.param(path, node.name, id=f"{path.name}::{node.name}")


def load(path):
    if path not in _modules:
        spec = importlib.util.spec_from_file_location(f"tutorial_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _modules[path] = module
    return _modules[path]


@pytest.mark.parametrize("path, name", list(tutorial_tests()))
def test_tutorial(path, name):
    getattr(load(path), name)()


def test_there_are_tutorial_tests():
    assert len(list(tutorial_tests())) >= 10


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.name)
def test_running_a_tutorial_runs_its_checks(path):
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=path.parent)
    assert result.returncode == 0, result.stderr
    count = sum(1 for _ in (n for n in ast.parse(path.read_text(encoding="utf-8")).body
                            if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")))
    assert f"{count} passed, 0 failed" in result.stdout
