"""Mutation testing of the rule modules: does some test fail when a verdict-making line changes?

A small AST mutator (no mutation library: mutmut's copy is not a git checkout and found no test
through the editable install). Steps:

1. Copy the checkout (without ``.git`` and ``.venv``) to a temporary folder per job; the tests
   run there with the copy first on ``sys.path``, so the package, its data files and the worker
   processes (which put the parent's package folder on ``PYTHONPATH``) all use the copy.
2. Run the suite once under coverage.py in a copy, each test's lines labelled with its node id
   (``tools/mutate_plugin.py``; children inherit the id as their static context). Cached in
   ``.mutate/`` until the sources or tests change.
3. Generate mutants of the target modules: comparison, boolean and arithmetic operators,
   ``not`` dropped, conditions negated, numbers and booleans changed, ``break``/``continue``
   removed, ``any``/``all`` and ``min``/``max`` swapped. Each one replaces one node's source text,
   so the rest of the file is unchanged.
4. For each mutant, write it into the copy, run only the tests that executed its lines (fastest
   first, ``-x``; ``fuzz``-marked runs left out: slow and random), restore the file. A failing
   test kills it; a time-out (5x the tests' own time plus 30 s) kills it too; a mutant no test
   executes counts as surviving ("uncovered").

Mutants listed in ``tools/mutate_equivalent.txt`` (read by hand: no verdict changes) are not run
and not scored. Prints the score per module (killed / scored mutants) and every survivor; writes
``.mutate/results.json`` after each mutant, so a stopped run keeps what it measured. ``--tests``
runs given tests instead of the covering ones (no coverage run): does a new test kill a survivor?
Usage: ``make mutate`` or ``python tools/mutate.py --max-mutants 200 --jobs 2``.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".mutate"
TARGETS = ("provenance/checks", "provenance/identity", "provenance/spot/sampling.py")
IGNORED = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache",
                                 ".pytest_cache", ".mutate", "*.egg-info", ".hypothesis")

# ------------------------------------------------------------------------------------- mutants


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the checkout
    line: int
    col: int  # UTF-8 byte offsets, as ast gives them
    end_line: int
    end_col: int
    replacement: str
    what: str  # "== -> !=", for the report

    def apply(self, source: str) -> str:
        lines = source.encode("utf-8").splitlines(keepends=True)
        start = sum(len(text) for text in lines[:self.line - 1]) + self.col
        end = sum(len(text) for text in lines[:self.end_line - 1]) + self.end_col
        data = b"".join(lines)
        return (data[:start] + self.replacement.encode("utf-8") + data[end:]).decode("utf-8")

    @property
    def label(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


_COMPARE_SWAPS: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,),
    ast.Lt: (ast.LtE, ast.GtE), ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE), ast.GtE: (ast.Gt, ast.Lt),
    ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,), ast.NotIn: (ast.In,),
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult,
}
_NAME_SWAPS = {"any": "all", "all": "any", "min": "max", "max": "min"}
_SYMBOLS = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in", ast.And: "and",
    ast.Or: "or", ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
    ast.Mod: "%", ast.Pow: "**",
}


class _Finder(ast.NodeVisitor):
    """Collects mutants; skips annotations, f-strings, decorators, docstrings and
    ``if TYPE_CHECKING`` blocks, and lines marked ``# pragma: no mutate``."""

    def __init__(self, path: str, source: str) -> None:
        self.path = path
        self.lines = source.splitlines()
        self.found: list[Mutant] = []

    # -- helpers
    def _add(self, node: ast.AST, replacement: str, what: str) -> None:
        line, end_line = node.lineno, node.end_lineno  # type: ignore[attr-defined]
        if any("pragma: no mutate" in self.lines[n - 1] for n in range(line, end_line + 1)):
            return
        self.found.append(Mutant(self.path, line, node.col_offset,  # type: ignore[attr-defined]
                                 end_line, node.end_col_offset,  # type: ignore[attr-defined]
                                 replacement, what))

    def _expr(self, node: ast.expr, new: ast.expr, what: str) -> None:
        self._add(node, f"({ast.unparse(new)})", what)

    # -- skipped regions
    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return  # 3.11 gives no reliable positions inside f-strings

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        for default in (*node.args.defaults, *[d for d in node.args.kw_defaults if d]):
            self.visit(default)
        for statement in body:
            self.visit(statement)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for statement in node.body:
            self.visit(statement)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_arg(self, node: ast.arg) -> None:
        return

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return
        self._negate(node.test)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return
        self.generic_visit(node)

    # -- operators
    def _negate(self, test: ast.expr) -> None:
        if not isinstance(test, (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Constant)):
            self._expr(test, ast.UnaryOp(ast.Not(), test), "condition negated")

    def visit_While(self, node: ast.While) -> None:
        self._negate(node.test)
        self.generic_visit(node)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self._negate(node.test)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for index, op in enumerate(node.ops):
            for other in _COMPARE_SWAPS.get(type(op), ()):
                ops = list(node.ops)
                ops[index] = other()
                new = ast.Compare(node.left, ops, node.comparators)
                self._expr(node, new, f"{_SYMBOLS[type(op)]} -> {_SYMBOLS[other]}")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        self._expr(node, ast.BoolOp(other, node.values),
                   f"{_SYMBOLS[type(node.op)]} -> {_SYMBOLS[type(other)]}")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self._expr(node, node.operand, "not dropped")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        texty = any(isinstance(side, (ast.JoinedStr, ast.Constant))
                    and isinstance(getattr(side, "value", ""), (str, bytes))
                    for side in (node.left, node.right))
        other = _BINOP_SWAPS.get(type(node.op))
        if other is not None and not texty:
            self._expr(node, ast.BinOp(node.left, other(), node.right),
                       f"{_SYMBOLS[type(node.op)]} -> {_SYMBOLS[other]}")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        other = _BINOP_SWAPS.get(type(node.op))
        if other is not None:
            new = ast.AugAssign(node.target, other(), node.value)
            self._add(node, ast.unparse(new), f"{_SYMBOLS[type(node.op)]}= -> {_SYMBOLS[other]}=")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._add(node, repr(not value), f"{value} -> {not value}")
        elif isinstance(value, int):
            new = 1 if value == 0 else 0 if value == 1 else value + 1
            self._add(node, repr(new), f"{value} -> {new}")
        elif isinstance(value, float):
            new_f = 1.0 if value == 0 else value * 2
            self._add(node, repr(new_f), f"{value} -> {new_f}")

    def visit_Name(self, node: ast.Name) -> None:
        other = _NAME_SWAPS.get(node.id)
        if other is not None and isinstance(node.ctx, ast.Load):
            self._add(node, other, f"{node.id} -> {other}")

    def visit_Break(self, node: ast.Break) -> None:
        self._add(node, "pass", "break removed")

    def visit_Continue(self, node: ast.Continue) -> None:
        self._add(node, "pass", "continue removed")


EQUIVALENT = ROOT / "tools" / "mutate_equivalent.txt"


def read_equivalent(path: Path = EQUIVALENT) -> dict[tuple[str, str, str], str]:
    """Mutants read by hand and found to change no verdict: ``(path, source line, replacement)
    -> why``. Keyed by the line's text, not its number, so an edit elsewhere keeps the entry and
    an edit of the line itself drops it (to be read again)."""
    found: dict[tuple[str, str, str], str] = {}
    if not path.exists():
        return found
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.split(" | ")]
        if len(parts) != 4 or not all(parts):
            raise SystemExit(f"mutate: {path.name}:{number}: expected 'path | source line | "
                             "replacement | why'")
        found[(parts[0], parts[1], parts[2])] = parts[3]
    return found


def equivalence_key(mutant: Mutant) -> tuple[str, str, str]:
    text = (ROOT / mutant.path).read_text("utf-8").splitlines()[mutant.line - 1].strip()
    return mutant.path, text, mutant.replacement


def target_files(selection: list[str]) -> list[str]:
    files: list[str] = []
    for target in TARGETS:
        path = ROOT / target
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        files += [str(p.relative_to(ROOT)) for p in found if p.name != "__init__.py"]
    if selection:
        files = [f for f in files if any(s in f for s in selection)]
    return files


def find_mutants(path: str) -> list[Mutant]:
    source = (ROOT / path).read_text("utf-8")
    finder = _Finder(path, source)
    finder.visit(ast.parse(source))
    valid = []
    for mutant in finder.found:
        try:
            compile(mutant.apply(source), path, "exec")
        except SyntaxError:
            continue
        valid.append(mutant)
    return valid


# ------------------------------------------------------------------------------------ coverage


def _copy() -> Path:
    target = Path(tempfile.mkdtemp(prefix="qa-mutate-")) / "checkout"
    shutil.copytree(ROOT, target, ignore=IGNORED, symlinks=True)
    return target


def _env(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(copy), env.get("PYTHONPATH")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a mutant of the same size and second as the original
    env.pop("MUTATE_NODEID", None)        # must never be served from a stale .pyc
    return env


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for folder in ("provenance", "tests", "tools"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()


Coverage = dict[str, dict[int, list[str]]]  # path -> line -> node ids


def coverage_map(files: list[str], reuse: bool) -> tuple[Coverage, dict[str, float]]:
    STATE.mkdir(exist_ok=True)
    cached = STATE / "coverage.json"
    fingerprint = _fingerprint()
    if cached.exists():
        data = json.loads(cached.read_text("utf-8"))
        if data["fingerprint"] == fingerprint or reuse:
            return _as_coverage(data["lines"]), data["durations"]
    copy = _copy()
    try:
        print("mutate: running the suite once under coverage (a few minutes)...", flush=True)
        rc = copy / ".coveragerc"
        rc.write_text("[run]\nsource = provenance\nrelative_files = True\nparallel = True\n"
                      "patch = subprocess\ncontext = ${MUTATE_NODEID}\n"
                      f"data_file = {copy / '.coverage'}\n", "utf-8")
        env = _env(copy)
        env["PYTHONPATH"] = os.pathsep.join((str(copy), str(copy / "tools"), env["PYTHONPATH"]))
        env["COVERAGE_RCFILE"] = str(rc)
        env["MUTATE_DURATIONS"] = str(copy / "durations.json")
        subprocess.run([sys.executable, "-m", "coverage", "run", f"--rcfile={rc}", "-m", "pytest",
                        "-q", "-p", "mutate_plugin", "-p", "no:cacheprovider", "-m", "not fuzz"],
                       cwd=copy, env=env, check=False, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, "-m", "coverage", "combine", f"--rcfile={rc}", "-q"],
                       cwd=copy, env=env, check=True)
        lines = _read_coverage(copy, rc)
        durations = json.loads((copy / "durations.json").read_text("utf-8"))
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)
    cached.write_text(json.dumps({"fingerprint": fingerprint, "lines": lines,
                                  "durations": durations}), "utf-8")
    return _as_coverage(lines), durations


def _read_coverage(copy: Path, rc: Path) -> dict[str, dict[str, list[str]]]:
    import coverage

    cov = coverage.Coverage(data_file=str(copy / ".coverage"), config_file=str(rc))
    cov.load()
    data = cov.get_data()
    out: dict[str, dict[str, list[str]]] = {}
    for measured in data.measured_files():
        rel = Path(measured)
        rel = rel.relative_to(copy) if rel.is_absolute() and rel.is_relative_to(copy) else rel
        by_line = data.contexts_by_lineno(measured)
        out[str(rel)] = {str(line): sorted({c for c in contexts if c})
                         for line, contexts in by_line.items()}
    return out


def _as_coverage(raw: dict[str, dict[str, list[str]]]) -> Coverage:
    return {path: {int(line): ids for line, ids in lines.items()} for path, lines in raw.items()}


# --------------------------------------------------------------------------------------- runs


_RUNNING: set[subprocess.Popen[bytes]] = set()  # test runs to stop if the tool is stopped


def _stop(signum: int, frame: object) -> None:
    for process in list(_RUNNING):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit(f"mutate: stopped by signal {signum}; the copies are removed")


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | uncovered | timeout | error | equivalent
    tests: int
    seconds: float
    killer: str = ""


def _run(mutant: Mutant, copy: Path, tests: list[str], durations: dict[str, float]) -> Outcome:
    if not tests:
        return Outcome(mutant, "uncovered", 0, 0.0)
    target = copy / mutant.path
    original = target.read_text("utf-8")
    ordered = sorted(tests, key=lambda t: durations.get(t, 1.0))
    args = copy / ".mutate-args"
    args.write_text("\n".join(ordered) + "\n", "utf-8")
    timeout = 30 + 5 * sum(durations.get(t, 1.0) for t in tests)
    start = time.perf_counter()
    try:
        target.write_text(mutant.apply(original), "utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
             "--no-header", "-o", "addopts=", "-m", "not fuzz", f"@{args}"],
            cwd=copy, env=_env(copy), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        _RUNNING.add(process)
        try:
            out, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return Outcome(mutant, "timeout", len(tests), time.perf_counter() - start)
        finally:
            _RUNNING.discard(process)
    finally:
        target.write_text(original, "utf-8")  # restored whatever happened
    seconds = time.perf_counter() - start
    code = process.returncode
    if code == 0:
        return Outcome(mutant, "survived", len(tests), seconds)
    text = out.decode("utf-8", "replace")
    if code in (1, 2) or (code in (3, 4) and "not found:" not in text):
        # a test failed, or collection or conftest failed because the mutated module broke
        killer = next((line.split(" ", 1)[1].split(" - ")[0] for line in text.splitlines()
                       if line.startswith(("FAILED ", "ERROR "))), f"pytest exit {code}")
        return Outcome(mutant, "killed", len(tests), seconds, killer)
    if code == 5:  # no test collected: only fuzz tests execute it
        return Outcome(mutant, "uncovered", 0, seconds)
    return Outcome(mutant, "error", len(tests), seconds, f"pytest exit {code}: {text[-300:]}")


def tests_for(mutant: Mutant, coverage: Coverage) -> list[str]:
    lines = coverage.get(mutant.path, {})
    found: set[str] = set()
    executed = False
    first = mutant.line
    if mutant.replacement == "pass":  # CPython folds a lone break/continue into its `if`'s jump
        first -= 1
    for line in range(first, mutant.end_line + 1):
        executed = executed or line in lines
        found.update(lines.get(line, ()))
    if executed and not found:  # run at import only (a module constant): every test using it
        found = {test for ids in lines.values() for test in ids}
    return sorted(found)


def run_all(mutants: list[Mutant], coverage: Coverage, durations: dict[str, float],
            copies: list[Path], equivalent: dict[tuple[str, str, str], str],
            only_tests: list[str] | None = None) -> Iterator[Outcome]:
    jobs = len(copies)
    free = list(copies)
    lock = threading.Lock()

    def one(mutant: Mutant) -> Outcome:
        why = equivalent.get(equivalence_key(mutant))
        if why is not None:  # read by hand: not run, not scored
            return Outcome(mutant, "equivalent", 0, 0.0, why)
        with lock:
            copy = free.pop()
        try:
            tests = only_tests if only_tests is not None else tests_for(mutant, coverage)
            return _run(mutant, copy, tests, durations)
        finally:
            with lock:
                free.append(copy)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(one, mutants)


# ------------------------------------------------------------------------------------- report


def report(outcomes: list[Outcome]) -> None:
    by_module: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_module[outcome.mutant.path].append(outcome)
    print(f"\n{'module':<42} {'mutants':>7} {'killed':>6} {'equiv.':>6} {'surv.':>5} "
          f"{'uncov.':>6} {'score':>6}")
    total_killed = total = 0
    for path, items in sorted(by_module.items()):
        killed = sum(o.status in ("killed", "timeout") for o in items)
        equivalent = sum(o.status == "equivalent" for o in items)
        survived = sum(o.status == "survived" for o in items)
        uncovered = sum(o.status == "uncovered" for o in items)
        scored = killed + survived + uncovered
        total_killed, total = total_killed + killed, total + scored
        score = f"{100 * killed / scored:.0f}%" if scored else "-"
        print(f"{path:<42} {len(items):>7} {killed:>6} {equivalent:>6} {survived:>5} "
              f"{uncovered:>6} {score:>6}")
    if total:
        print(f"{'all':<42} {len(outcomes):>7} {total_killed:>6} {'':>6} {'':>5} {'':>6} "
              f"{100 * total_killed / total:>5.0f}%")
    survivors = [o for o in outcomes if o.status in ("survived", "uncovered", "error")]
    if survivors:
        print("\nsurvivors:")
        for outcome in sorted(survivors, key=lambda o: (o.mutant.path, o.mutant.line)):
            source = (ROOT / outcome.mutant.path).read_text("utf-8").splitlines()
            text = source[outcome.mutant.line - 1].strip()
            print(f"  {outcome.mutant.label} [{outcome.status}, {outcome.tests} tests]  {text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mutate", description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="only target files whose path contains one")
    parser.add_argument("--max-mutants", type=int, default=0,
                        help="a random sample of this many mutants (0: all)")
    parser.add_argument("--max-per-module", type=int, default=0,
                        help="a random sample of this many mutants per module (0: all)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--reuse-coverage", action="store_true",
                        help="use .mutate/coverage.json even if sources changed since")
    parser.add_argument("--line", type=int, action="append", default=[],
                        help="only mutants on these lines (with one module)")
    parser.add_argument("--tests", nargs="+", metavar="NODEID",
                        help="run these tests for every mutant instead of the ones that cover "
                             "it (no coverage run): to see whether a new test kills survivors")
    parser.add_argument("--results", type=Path, default=STATE / "results.json",
                        help="where to write the outcomes (after each mutant)")
    args = parser.parse_args(argv)
    results: Path = args.results

    signal.signal(signal.SIGTERM, _stop)
    files = target_files(args.modules)
    if not files:
        parser.error("no target module matches")
    mutants = [m for path in files for m in find_mutants(path)]
    if args.line:
        mutants = [m for m in mutants if m.line in args.line]
    if args.max_per_module:
        rng = random.Random(args.seed)
        by_file: dict[str, list[Mutant]] = defaultdict(list)
        for mutant in mutants:
            by_file[mutant.path].append(mutant)
        mutants = [m for items in by_file.values()
                   for m in (rng.sample(items, args.max_per_module)
                             if len(items) > args.max_per_module else items)]
    if args.max_mutants and len(mutants) > args.max_mutants:
        mutants = sorted(random.Random(args.seed).sample(mutants, args.max_mutants),
                         key=lambda m: (m.path, m.line, m.col))
    if not (args.line or args.max_per_module or args.max_mutants):
        made = {equivalence_key(m) for m in mutants}
        for key in read_equivalent():
            if key[0] in files and key not in made:
                print(f"mutate: {EQUIVALENT.name}: no longer a mutant (the line changed?): "
                      f"{' | '.join(key)}", file=sys.stderr)
    if args.list:
        for mutant in mutants:
            print(f"{mutant.label}  ->  {mutant.replacement}")
        print(f"{len(mutants)} mutants")
        return 0
    # The copies are taken now, from the sources the mutants were made from: editing the
    # checkout while the coverage run goes on cannot shift a mutant onto the wrong text.
    copies: list[Path] = []
    outcomes: list[Outcome] = []
    try:
        copies += [_copy() for _ in range(args.jobs)]
        for copy in copies:
            for path in files:
                if (copy / path).read_text("utf-8") != (ROOT / path).read_text("utf-8"):
                    raise SystemExit(f"mutate: {path} changed while the copies were taken")
        coverage: Coverage = {}
        durations: dict[str, float] = {}
        if not args.tests:
            coverage, durations = coverage_map(files, args.reuse_coverage)
        print(f"mutate: {len(mutants)} mutants in {len(files)} modules, {args.jobs} jobs",
              flush=True)
        started = time.perf_counter()
        equivalent = read_equivalent()
        for number, outcome in enumerate(run_all(mutants, coverage, durations, copies,
                                                 equivalent, args.tests), 1):
            outcomes.append(outcome)
            _save(results, outcomes)  # after each mutant: a stopped run keeps what it measured
            mark = {"killed": ".", "timeout": "T", "survived": "S", "uncovered": "U",
                    "equivalent": "="}.get(outcome.status, "E")
            print(mark, end="\n" if number % 80 == 0 else "", flush=True)
        print(f"\nmutate: {time.perf_counter() - started:.0f} s")
    finally:
        for copy in copies:
            shutil.rmtree(copy.parent, ignore_errors=True)
    report(outcomes)
    return 0


def _save(results: Path, outcomes: list[Outcome]) -> None:
    results.parent.mkdir(parents=True, exist_ok=True)
    partial = results.with_suffix(".tmp")
    partial.write_text(json.dumps(
        [{**asdict(o.mutant), "status": o.status, "tests": o.tests,
          "seconds": round(o.seconds, 2), "killer": o.killer} for o in outcomes], indent=1),
        "utf-8")
    partial.replace(results)


if __name__ == "__main__":
    sys.exit(main())
