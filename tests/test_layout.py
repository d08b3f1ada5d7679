"""The generator's layout: `build_docs.py` the command, `literate/` its stages in one order.

Data flows one way: each stage imports only from the stages before it in
`literate.STAGES`, which rules out an import cycle, and its pages read
top-down. `build_docs.py` stays an overview; a stage's length is advice.
"""

import ast
import io
import re
import tokenize
import warnings

import pytest

from literate import STAGES
from support import ROOT

pytestmark = pytest.mark.quick

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


def test_every_module_is_a_stage_in_the_order():
    modules = sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__")
    assert sorted(STAGES) == modules, "literate/__init__.py's STAGES must list every module once"
    assert len(set(STAGES)) == len(STAGES)


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_only_earlier_stages(stage):
    for imported, line in literate_imports(stage_file(stage)):
        assert STAGES.index(imported) < STAGES.index(stage), (
            f"literate/{stage}.py:{line}: imports {imported}, which comes later in the pipeline")


def test_the_command_stays_an_overview():
    lines = len(COMMAND.read_text(encoding="utf-8").splitlines())
    assert lines < 200, f"build_docs.py has {lines} lines; move what is not the command into literate/"


# A module is cut by concern, not by a count of lines: a length outside the
# usual range is advice to look again (a warning in pytest's summary), not
# a failure that would have a module split mid-concern to pass.
@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_is_a_page(stage):
    text = stage_file(stage).read_text(encoding="utf-8")
    lines = len(text.splitlines())
    if not 60 <= lines <= 350:
        warnings.warn(f"literate/{stage}.py has {lines} lines: does it hold one concern?")
    docstring = ast.get_docstring(ast.parse(text), clean=False) or ""
    assert "In:" in docstring and "Out:" in docstring, (
        f"literate/{stage}.py: its docstring says what comes in (In:) and what goes out (Out:)")



# A measured time goes stale with every machine and every change; the
# benchmark (tests/benchmarks/README.md) is where times are measured, and
# a comment says why without them. Defaults (`120 s unless set`) are no
# measurement: a figure with decimals, in milliseconds or as a ratio is.
MEASURED_TIME = re.compile(r"\b\d+\.\d+\s?(?:ms|s|seconds)\b|\b\d+\s?ms\b|\d×")


@pytest.mark.parametrize("path", [COMMAND, *map(stage_file, STAGES)], ids=lambda path: path.name)
def test_no_measured_time_in_comments_or_docstrings(path):
    found = [f"{path.name}:{token.start[0]}: {token.string.strip()[:80]}"
             for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
             if token.type in (tokenize.COMMENT, tokenize.STRING) and MEASURED_TIME.search(token.string)
             and (token.type == tokenize.COMMENT or token.string.startswith(('"""', 'r"""')))]
    assert not found, "\n".join(found)


# The plugin and a preview's rebuild use MkDocs' public API only (issue
# 25): a private name of MkDocs may change in any release, where the
# `mkdocs<2` pin promises only the public ones.
@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_uses_no_private_name_of_mkdocs(stage):
    path = stage_file(stage)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "mkdocs":
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names if alias.name.split(".")[0] == "mkdocs"]
        else:
            continue
        private = [name for name in names if any(part.startswith("_") for part in name.split("."))]
        assert not private, f"literate/{stage}.py:{node.lineno}: imports MkDocs' private {', '.join(private)}"
