"""The whole standard library as a corpus: some 1,800 files nobody wrote
for us, in one pass over the machine's cores.

Each file is read and parsed once, and put through three promises: the parser's
contract (no line lost or moved, `contract.py`), highlighting that keeps
every character, and, for the top-level modules, PyLit's literate text
coming back as the very same code. Each promise is its own test, and each
lists every file that breaks it.
"""

import multiprocessing
import os
import sysconfig
import tokenize
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import build_docs
import literate.highlight
import literate.parse
import literate.textfirst
from contract import check_file
from site_html import text_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pylit

pytestmark = pytest.mark.slow

STDLIB = Path(sysconfig.get_paths()["stdlib"])
# Every module of the standard library, its packages and their tests
# included; installed third-party packages are not the standard library.
STDLIB_FILES = sorted(path for path in STDLIB.rglob("*.py") if not {"site-packages", "dist-packages"} & set(path.parts))


def highlighting_keeps_every_line(path, text, parsed):
    if parsed is None:
        return "refused"
    lines = literate.parse.split_lines(text)
    shown = [text_of(line) for line in literate.highlight.highlight_code(lines, parsed.tokens, parsed.tree)]
    wrong = next((row for row, (a, b) in enumerate(zip(shown, lines), start=1) if a != b), None)
    if len(shown) != len(lines) or wrong:
        return f"{path}:{wrong}: {shown[wrong - 1]!r} != {lines[wrong - 1]!r}" if wrong else f"{path}: line count"
    return "ok"


# Lossless is not enough: keeping every comment as code would be lossless
# too. Our text must be PyLit's own, but for the marked blank lines, in all
# but a few modules (those with a comment block that PyLit would misread).
def literate_text_round_trip(path):
    with tokenize.open(path) as file:
        code = file.read()
    text = build_docs.code_to_literate_text(code)
    if build_docs.literate_text_to_code(text) != code:
        return f"{path.name}: code -> literate text -> code differs"
    pylits = str(pylit.Code2Text(code.splitlines(True), **literate.textfirst.PYLIT_OPTIONS))
    return "ok" if text.replace(literate.textfirst.OTHER_BLANK, "\n") == pylits else "not pylit's"


def checked(path):
    contract, text, parsed = check_file(path)
    results = {"contract": contract, "highlighting": highlighting_keeps_every_line(path, text, parsed)}
    if path.parent == STDLIB:
        results["literate text"] = literate_text_round_trip(path)
    return results


@pytest.fixture(scope="module")
def results():
    assert len(STDLIB_FILES) > 600 and any(len(p.relative_to(STDLIB).parts) > 2 for p in STDLIB_FILES)
    workers = min(4, os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return dict(zip(STDLIB_FILES, pool.map(checked, STDLIB_FILES, chunksize=25)))


def outcomes(results, promise):
    return [found[promise] for found in results.values() if promise in found]


def test_the_parser_contract_holds_on_every_file(results):
    found = outcomes(results, "contract")
    failures = [result for result in found if result not in ("ok", "refused")]
    assert not failures, f"{len(failures)} of {len(found)} files:\n" + "\n".join(failures)
    assert found.count("refused") < 30, "files Python reads refused by the build"


def test_highlighting_keeps_every_line(results):
    found = outcomes(results, "highlighting")
    failures = [result for result in found if result not in ("ok", "refused")]
    assert not failures, f"{len(failures)} of {len(found)} files:\n" + "\n".join(failures[:20])
    assert found.count("ok") > 600


def test_code_text_code_is_identical_and_the_text_is_pylits(results):
    found = outcomes(results, "literate text")
    assert len(found) > 150
    failures = [result for result in found if result not in ("ok", "not pylit's")]
    assert not failures, "\n".join(failures)
    assert found.count("not pylit's") <= len(found) // 50, "our text strays from PyLit's on too many modules"
