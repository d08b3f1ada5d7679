"""The generator's layout: `build_docs.py` the command, `literate/` its stages in one order.

Data flows one way: each stage imports only from the stages before it in
`literate.STAGES`, so the package has no import cycle and its pages read
top-down. The sizes keep `build_docs.py` an overview and each stage a page.
"""

import ast
from pathlib import Path

import pytest

from literate import STAGES

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "literate"
COMMAND = ROOT / "build_docs.py"


def stage_file(stage):
    return PACKAGE / f"{stage}.py"


def literate_imports(path):
    """The stages a file imports, each with the line of its import."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from literate import read` imports a stage; `from literate import ROOT` only the package.
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(f"{path.name}:{node.lineno}: relative import; name the stage: from literate.x import")
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "literate" and len(parts) > 1 and parts[1] in STAGES:
                found.append((parts[1], node.lineno))
    return found


def cycle(graph):
    """A list of stages that import each other in a ring, or None."""
    state = {}

    def visit(stage, trail):
        state[stage] = "open"
        for other in graph[stage]:
            if state.get(other) == "open":
                return trail[trail.index(other):] + [other]
            if other not in state:
                found = visit(other, trail + [other])
                if found:
                    return found
        state[stage] = "done"
        return None

    for stage in graph:
        if stage not in state:
            found = visit(stage, [stage])
            if found:
                return found
    return None


def test_every_module_is_a_stage_in_the_order():
    modules = sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__")
    assert sorted(STAGES) == modules, "literate/__init__.py's STAGES must list every module once"
    assert len(set(STAGES)) == len(STAGES)


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_only_earlier_stages(stage):
    for imported, line in literate_imports(stage_file(stage)):
        assert STAGES.index(imported) < STAGES.index(stage), (
            f"literate/{stage}.py:{line}: imports {imported}, which comes later in the pipeline")


def test_no_import_cycle():
    graph = {stage: {imported for imported, _ in literate_imports(stage_file(stage))} for stage in STAGES}
    assert cycle(graph) is None, f"import cycle: {' -> '.join(cycle(graph))}"


def test_the_command_stays_an_overview():
    lines = len(COMMAND.read_text(encoding="utf-8").splitlines())
    assert lines < 200, f"build_docs.py has {lines} lines; move what is not the command into literate/"


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_is_a_page(stage):
    text = stage_file(stage).read_text(encoding="utf-8")
    lines = len(text.splitlines())
    assert 60 <= lines <= 350, f"literate/{stage}.py has {lines} lines; merge a tiny stage, split a long one"
    docstring = ast.get_docstring(ast.parse(text), clean=False) or ""
    assert "In:" in docstring and "Out:" in docstring, (
        f"literate/{stage}.py: its docstring says what comes in (In:) and what goes out (Out:)")


def test_the_cycle_finder_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
