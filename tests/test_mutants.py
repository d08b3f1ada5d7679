"""Every tutorial's tests kill the mistakes they are there to catch.

For each tutorial with test_* functions (found, not listed), every mutant
of its code (tests/mutants.py) must make one of its own tests fail. A
mutant that survives fails this check unless tests/equivalent_mutants.txt
names it with the reason it changes nothing the tutorial claims.
"""

import time
from pathlib import Path

import pytest

from mutants import Tutorial, Verdicts, equivalent_mutants, mutants, tutorials
from support import ROOT

EQUIVALENT = Path(__file__).with_name("equivalent_mutants.txt")
TUTORIALS = tutorials(ROOT / "source")


@pytest.fixture(scope="module")
def verdicts():
    return Verdicts()


def test_tutorials_with_tests_are_found():
    names = {tutorial.path.relative_to(ROOT).as_posix() for tutorial in TUTORIALS}
    assert {"source/02_autograd/03_autograd.py", "source/02_autograd/03_autograd_zh.py",
            "source/02_autograd/01_finite_differences.py.txt", "source/01_tensors/01_broadcasting.py"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda tutorial: tutorial.path.relative_to(ROOT).as_posix())
def test_every_mutant_fails_the_tutorials_own_tests(tutorial, verdicts, capsys):
    where = tutorial.path.relative_to(ROOT).as_posix()
    assert verdicts.failing_test(tutorial) is None, "the tutorial's tests fail without any mutant"
    listed = {description: reason for (path, description), reason in equivalent_mutants(EQUIVALENT).items()
              if path == where}
    started = time.perf_counter()
    made = list(mutants(tutorial))
    all_mutants = [mutant for mutant in made if f"in {mutant.function}" not in listed]
    reused = verdicts.reused
    survivors = [mutant for mutant in all_mutants if verdicts.failing_test(tutorial, mutant) is None]
    reused = verdicts.reused - reused
    unexplained = [mutant for mutant in survivors if mutant.description not in listed]
    killed = len(all_mutants) - len(survivors)
    with capsys.disabled():
        print(f"\n{where}: {killed}/{len(all_mutants)} mutants killed"
              f" ({len(survivors) - len(unexplained)} listed as equivalent,"
              f" {len(made) - len(all_mutants)} in test data left out;"
              f" {reused} judged as the same code was) in {time.perf_counter() - started:.1f} s")
        for mutant in survivors:
            print(f"  survived: {where}:{mutant.line}: {mutant.description}"
                  + (f"  [equivalent: {listed[mutant.description]}]" if mutant.description in listed else ""))
    assert all_mutants, "no mutant could be made of this tutorial"
    assert not unexplained, "mutants survived: " + "; ".join(f"line {m.line}: {m.description}" for m in unexplained)
    stale = set(listed) - {mutant.description for mutant in survivors} - {f"in {m.function}" for m in made}
    assert not stale, f"listed as equivalent, but killed or gone: {sorted(stale)}"


# A twin's mutants take the verdicts of its English page's: only the
# docstrings may differ between two codes judged as one.
@pytest.mark.quick
def test_code_judged_once_differs_at_most_in_its_docstrings():
    def tutorial(doc, body="return 1 + 2"):
        return Tutorial(Path(f"{doc}.py"), f'def f():\n    """{doc}"""\n    {body}\n\n\ndef test_f():\n    assert f() == 3\n')

    english, chinese, other = tutorial("Two."), tutorial("二。"), tutorial("Two.", "return 2 + 1")
    assert english.behaviour == chinese.behaviour != other.behaviour
    reads_its_doc = tutorial("Two.", "return f.__doc__")
    assert reads_its_doc.behaviour is None
    verdicts = Verdicts()
    judged = [[verdicts.failing_test(t, mutant) for mutant in [None, *mutants(t)]] for t in (english, chinese, other)]
    assert judged[0] == judged[1] == judged[2] == [None] + ["test_f (AssertionError)"] * 3
    assert verdicts.reused == 4
