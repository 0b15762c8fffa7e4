"""The rule registry and the checks agree: each rule names the functions that emit it, and every
function in ``provenance/checks`` that emits a rule is named by it (read from the source, so a new
emission that the registry does not list fails here)."""

from __future__ import annotations

import ast
import importlib
from collections import defaultdict
from pathlib import Path

import pytest

from provenance import rules

CHECKS = Path(rules.__file__).parent / "checks"


def _emissions() -> dict[str, set[str]]:
    """Rule constant -> ``module:function`` for each ``Problem(rules.X, ...)`` or
    ``out.append((..., rules.X, ...))`` inside a function of ``provenance/checks``."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(CHECKS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node: ast.AST, owner: str, module: str = path.stem) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                    name = f"{owner}.{child.name}" if owner else child.name
                    visit(child, name)
                    continue
                emitted = []
                if isinstance(child, ast.Call) and getattr(child.func, "id", "") == "Problem":
                    emitted = child.args[:1]
                elif isinstance(child, ast.Call) and getattr(child.func, "attr", "") == "append" \
                        and child.args and isinstance(child.args[0], ast.Tuple):
                    emitted = child.args[0].elts  # (key, rule, message) rows, as per_record makes
                for arg in emitted:
                    if isinstance(arg, ast.Attribute) and getattr(arg.value, "id", "") == "rules":
                        found[arg.attr].add(f"{module}:{owner}")
                visit(child, owner)

        visit(tree, "")
    return found


def test_every_rule_names_functions_that_exist() -> None:
    for rule in rules.ALL_RULES:
        assert rule.checks, f"{rule.code} names no check"
        for target in rule.checks:
            module, _, qualname = target.partition(":")
            obj: object = importlib.import_module(f"provenance.checks.{module}")
            for part in qualname.split("."):
                obj = getattr(obj, part)
            assert callable(obj), target


def test_registry_lists_exactly_the_functions_that_emit_each_rule() -> None:
    emitted = _emissions()
    constants = {name: value for name, value in vars(rules).items()
                 if isinstance(value, rules.Rule)}
    assert set(emitted) <= set(constants)
    for name, rule in constants.items():
        assert set(rule.checks) == emitted.get(name, set()), rule.code


@pytest.mark.parametrize("rule", rules.ALL_RULES, ids=lambda rule: rule.code)
def test_rule_found_by_code_and_by_name(rule: rules.Rule) -> None:
    assert rules.lookup(rule.code.lower()) is rule
    assert rules.lookup(rule.name) is rule
