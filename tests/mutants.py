"""Mutants of a tutorial, and whether its own tests kill them.

A mutant is the tutorial's code with one small, plausible mistake in it:
an operator swapped, a term dropped, ``sum`` for ``mean``, a transpose
dropped, ``ctx.needs_input_grad`` ignored, or a returned gradient off by
one part in a million. Only the code the tests check is mutated, never the
``test_*`` functions themselves. A mutant is killed when one of the
tutorial's ``test_*`` functions raises on it.

mutmut and cosmic-ray were tried first. Both mutate a package and run a
test command per mutant (a fresh interpreter, two seconds of importing
torch each), mutmut writes its copies into the working tree, and neither
knows the mistakes this check is about (sum for mean, a dropped transpose,
needs_input_grad, a slightly wrong gradient). Here each mutant is compiled
from the tutorial's syntax tree and its tests are called in this process.
"""

import ast
import copy
import itertools
import pickle
import signal
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from literate.read import read_source
from literate.textfirst import LITERATE_SUFFIX, is_literate_text, literate_text_to_code

SCALE = 1 + 1e-6  # a gradient this wrong must fail gradcheck in float64
SWAPPED = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.MatMult: ast.Mult,
           ast.Pow: ast.Mult, ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv}
COMPARED = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
            ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
REDUCTIONS = {"sum": "mean", "mean": "sum"}
TRANSPOSES = {"t", "T", "transpose", "mT"}


@dataclass
class Mutant:
    number: int  # its place in the order mutants() makes them
    line: int
    description: str  # what changed, in the source's own words
    function: str  # the innermost function it is in, or None at module level
    original: ast.Module
    position: int  # of the node replaced, in ast.walk(original)
    replacement: ast.AST  # a copy of its own, put into the tree as it is

    @cached_property
    def tree(self):
        """The tutorial's tree with the one change, made when first asked for."""
        mutated = pickle.loads(pickle.dumps(self.original))  # a deep copy, many times faster than deepcopy's
        target = next(itertools.islice(ast.walk(mutated), self.position, None))
        return ast.fix_missing_locations(Replace(target, self.replacement).visit(mutated))


@dataclass
class Tutorial:
    path: Path  # the source file
    code: str  # its Python code (a text-first tutorial's, made by PyLit)

    @property
    def tree(self):
        return ast.parse(self.code)

    @cached_property
    def test_names(self):
        return [node.name for node in self.tree.body
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")]

    @cached_property
    def behaviour(self):
        """What decides the verdict on this code and each of its mutants: the
        code without its docstrings, and the tests run on it. A Chinese twin
        differs from its English page only in what it says, so it behaves as
        the English one does, mutant for mutant (docstrings have no mutants).
        None for code that reads a `__doc__`."""
        tree = self.tree
        if any(isinstance(node, ast.Attribute) and node.attr == "__doc__"
               or isinstance(node, ast.Name) and node.id == "__doc__" for node in ast.walk(tree)):
            return None
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                    and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
        return ast.dump(tree), tuple(self.test_names)


def tutorials(source_dir):
    """Every tutorial under source_dir that has test_* functions, in path order."""
    found = []
    for path in sorted(Path(source_dir).rglob("*")):
        if path.suffix == ".py" or path.name.endswith(LITERATE_SUFFIX):
            text = read_source(path)
            code = literate_text_to_code(text) if is_literate_text(path) else text
            tutorial = Tutorial(path, code)
            if tutorial.test_names:
                found.append(tutorial)
    return found


# The code under test: every top-level statement but the tests and the
# `if __name__ == "__main__":` block that runs them.
def mutable_nodes(tree):
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name.startswith("test_"):
            continue
        if isinstance(statement, ast.If) and "__main__" in ast.unparse(statement.test):
            continue
        yield from walk_with_function(statement, None)


def walk_with_function(node, function):
    """(node, name of the innermost function around it) for node and all below it."""
    yield node, function
    inner = node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
    for child in ast.iter_child_nodes(node):
        yield from walk_with_function(child, inner)


def is_gradient_function(name):
    return name is not None and ("grad" in name.lower() or "backward" in name.lower())


# Each rule looks at one node and gives (description, replacement node)
# pairs; the replacement may be the node changed in place on a copy.
def swapped_operator(node, function):
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in SWAPPED:
        changed = copy.copy(node)
        changed.op = SWAPPED[type(node.op)]()
        yield f"{type(node.op).__name__} -> {changed.op.__class__.__name__}", changed
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARED:
        changed = copy.copy(node)
        changed.ops = [COMPARED[type(node.ops[0])]()]
        yield f"{type(node.ops[0]).__name__} -> {changed.ops[0].__class__.__name__}", changed
    if isinstance(node, ast.BoolOp):
        changed = copy.copy(node)
        changed.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield f"{type(node.op).__name__} -> {changed.op.__class__.__name__}", changed


def dropped_term(node, function):
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        yield "left term only", node.left
        yield "right term only", node.right
    if isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        yield "statement dropped", ast.Pass()


def swapped_reduction(node, function):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in REDUCTIONS:
        changed = copy.deepcopy(node)
        changed.func.attr = REDUCTIONS[node.func.attr]
        yield f"{node.func.attr} -> {changed.func.attr}", changed


def dropped_transpose(node, function):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in TRANSPOSES:
        yield "transpose dropped", node.func.value
    if isinstance(node, ast.Attribute) and node.attr in ("T", "mT") and isinstance(node.ctx, ast.Load):
        yield "transpose dropped", node.value


def ignored_needs_input_grad(node, function):
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
            and node.value.attr == "needs_input_grad":
        yield "needs_input_grad ignored (always True)", ast.Constant(True)


# A gradient returned one part in a million too large. None stays None, so
# that the mutant is wrong by its size, not by a TypeError.
def scaled_gradient(node, function):
    if isinstance(node, ast.Return) and node.value is not None and is_gradient_function(function):
        values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
        for index, value in enumerate(values):
            if isinstance(value, ast.Constant) and value.value is None:
                continue
            changed = copy.deepcopy(node)
            scaled = ast.Call(ast.Name("__scaled__", ast.Load()), [copy.deepcopy(value)], [])
            if isinstance(node.value, ast.Tuple):
                changed.value.elts[index] = scaled
            else:
                changed.value = scaled
            yield f"{ast.unparse(value)} scaled by 1+1e-6", changed


RULES = [swapped_operator, dropped_term, swapped_reduction, dropped_transpose, ignored_needs_input_grad,
         scaled_gradient]


def scaled(value):
    return value if value is None else value * SCALE


class Replace(ast.NodeTransformer):
    def __init__(self, target, replacement):
        self.target, self.replacement = target, replacement

    def visit(self, node):
        if node is self.target:
            return self.replacement
        return self.generic_visit(node)


def mutants(tutorial):
    tree = tutorial.tree
    # A copy keeps the order of nodes: the node to replace is found in it by position.
    positions = {id(node): position for position, node in enumerate(ast.walk(tree))}
    number = itertools.count()
    for node, function in list(mutable_nodes(tree)):
        for rule in RULES:
            for description, replacement in rule(node, function):
                yield Mutant(next(number), node.lineno, f"{description} in `{ast.unparse(node).splitlines()[0]}`",
                             function, tree, positions[id(node)], copy.deepcopy(replacement))


class TimedOut(Exception):
    pass


def on_alarm(signum, frame):
    raise TimedOut()


class Verdicts:
    """`failing_test` of a tutorial or one of its mutants, judged once for
    each behaviour in a run: a twin's mutant takes the verdict the English
    page's same mutant got."""

    def __init__(self):
        self.judged, self.reused = {}, 0

    def failing_test(self, tutorial, mutant=None):
        def judge():
            return failing_test(tutorial, mutant.tree if mutant else tutorial.tree)

        if tutorial.behaviour is None:
            return judge()
        key = (tutorial.behaviour, mutant and (mutant.number, mutant.description))
        if key in self.judged:
            self.reused += 1
        else:
            self.judged[key] = judge()
        return self.judged[key]


def failing_test(tutorial, tree, seconds=30):
    """The name of the first test_* function that fails on this code, or None when all pass."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # what the tutorial warns of, it warns of on its page
        return first_failure(tutorial, tree, seconds)


def first_failure(tutorial, tree, seconds):
    namespace = {"__name__": "tutorial_under_mutation", "__file__": str(tutorial.path), "__scaled__": scaled}
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        try:
            exec(compile(tree, str(tutorial.path), "exec"), namespace)
        except Exception as error:
            return f"(module: {type(error).__name__})"
        for name in tutorial.test_names:
            try:
                namespace[name]()
            except Exception as error:
                return f"{name} ({type(error).__name__})"
        return None
    except TimedOut:
        return "(timed out)"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def equivalent_mutants(path):
    """{(tutorial path, mutant description): why it is equivalent}, from `path | description | reason` lines.

    A description `in NAME` stands for every mutant inside function NAME:
    one that only makes the tests' inputs, which the claims hold for whatever
    they are."""
    listed = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            where, description, reason = (part.strip() for part in line.split(" | ", 2))
            listed[(where, description)] = reason
    return listed
