"""The documentation cannot drift from the code: the README's quick-start output is what the demo
prints, the rule table and pages follow the registry, SARIF help links land on pages that exist,
and every relative link in the README and docs/ resolves. (``make docs`` builds the site with
``mkdocs build --strict``, which checks links between pages and their anchors as well.)"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo, Runner
from reporting_repo import build_spot_repo

from provenance.rules import ALL_RULES, DOCS_URL, Rule

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
RULE_PAGES = DOCS / "rules"
MAX_README_BYTES = 10 * 1024

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"`[^`]*`")
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def cli() -> str:
    """The installed ``qa-provenance`` program, as ``make demo`` runs it."""
    beside = Path(sys.executable).with_name("qa-provenance")
    found = str(beside) if beside.exists() else shutil.which("qa-provenance")
    assert found, "the qa-provenance program is not installed"
    return found


def fenced_blocks(text: str, after_heading: str) -> list[list[str]]:
    """The fenced code blocks of the section under ``after_heading``, each as its lines."""
    lines = text.splitlines()
    start = lines.index(after_heading) + 1
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in lines[start:]:
        if current is None and line.startswith("## "):
            break
        if FENCE.match(line):
            if current is None:
                current = []
                blocks.append(current)
                current.append(line.strip())  # the opening fence, with its language
            else:
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_readme_quick_start_output_is_what_make_demo_prints(tmp_path: Path) -> None:
    # The demo's check step, on a copy so that its caches land in tmp_path, not in examples/.
    examples = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", examples,
                    ignore=shutil.ignore_patterns(".qa-provenance-cache"))
    result = subprocess.run([cli(), "check", "--root", str(examples), "-v"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    readme = README.read_text("utf-8")
    assert "make demo" in readme and "make test" in readme
    outputs = [b for b in fenced_blocks(readme, "## Quick start") if b[0] == "```text"]
    assert outputs, "the Quick start section has no ```text block"
    shown = [line.rstrip() for line in outputs[0][1:]]
    printed = [line.rstrip() for line in result.stdout.splitlines()]
    assert shown == printed


def test_readme_is_a_landing_page_under_10_kb() -> None:
    size = len(README.read_bytes())
    assert size < MAX_README_BYTES, f"README.md is {size} bytes; move reference material to docs/"


def markdown_files() -> list[Path]:
    return [README, ROOT / "CONTRIBUTING.md", *sorted(DOCS.rglob("*.md"))]


def relative_links(path: Path) -> list[str]:
    """Targets of inline links outside code blocks and code spans that are not URLs or anchors."""
    out, fenced = [], False
    for line in path.read_text("utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if target.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue
            out.append(target)
    return out


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path: Path) -> None:
    broken = [target for target in relative_links(path)
              if not (path.parent / target.partition("#")[0]).exists()]
    assert not broken, f"{path.relative_to(ROOT)}: links to missing files: {broken}"


def test_the_link_checker_sees_links() -> None:
    assert "docs/rules/index.md" in relative_links(README)
    assert "../schemas/provenance.schema.json" in relative_links(DOCS / "provenance-record.md")


def table_lines(text: str, header: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return lines[start:end]


def test_rule_table_in_the_docs_is_what_the_rules_command_prints(run: Runner) -> None:
    printed = run("rules").out.splitlines()
    page = (RULE_PAGES / "index.md").read_text("utf-8")
    assert table_lines(page, "| code |") == printed


def test_every_rule_has_a_page_and_every_page_a_rule() -> None:
    pages = {p.stem for p in RULE_PAGES.glob("*.md") if p.name != "index.md"}
    assert pages == {rule.code for rule in ALL_RULES}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_rule_page_explains_and_shows_a_failing_example(rule: Rule) -> None:
    text = (RULE_PAGES / f"{rule.code}.md").read_text("utf-8")
    assert text.splitlines()[0] == f"# {rule.code} {rule.name}"
    for heading in ("## What it catches", "## Why it matters", "## Example that fails", "## Fix"):
        assert heading in text, f"{rule.code}.md lacks '{heading}'"
    example = text[text.index("## Example that fails"):text.index("## Fix")]
    assert re.search(rf"^\S+: {rule.code} ", example, re.M), \
        f"{rule.code}.md: the example shows no '{rule.code}' finding line"
    assert f"**Default severity:** {rule.default.value}" in text


def test_every_rule_page_is_in_the_site_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text("utf-8")
    for rule in ALL_RULES:
        assert f"rules/{rule.code}.md" in nav
    assert f"site_url: {DOCS_URL}" in nav


def page_for(uri: str) -> Path:
    """The Markdown source of a page on the documentation site (``use_directory_urls``)."""
    assert uri.startswith(DOCS_URL), uri
    rest = uri[len(DOCS_URL):].split("#")[0].strip("/")
    if not rest:
        return DOCS / "index.md"
    candidate = DOCS / f"{rest}.md"
    return candidate if candidate.exists() else DOCS / rest / "index.md"


def test_sarif_help_uris_are_pages_that_exist(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/train.jsonl")
    check = json.loads(run("check", "--format", "sarif").out)
    build_spot_repo(repo)
    spot = json.loads(run("spot-check", "--format", "sarif").out)
    descriptors = [d for log in (check, spot) for d in log["runs"][0]["tool"]["driver"]["rules"]]
    assert len(descriptors) == len(ALL_RULES) + 3
    for descriptor in descriptors:
        page = page_for(descriptor["helpUri"])
        assert page.exists(), f"{descriptor['id']}: {descriptor['helpUri']} has no page ({page})"
    for rule, descriptor in zip(ALL_RULES, check["runs"][0]["tool"]["driver"]["rules"]):
        assert page_for(descriptor["helpUri"]) == RULE_PAGES / f"{rule.code}.md"


def test_site_hook_sends_links_outside_docs_to_github() -> None:
    spec = importlib.util.spec_from_file_location("mkdocs_repo_links",
                                                  ROOT / "tools" / "mkdocs_repo_links.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    repo = "https://github.com/qa-provenance/qa-provenance"
    page = "\n".join([
        "[registry](../provenance/rules.py#L1) [checks](../provenance/checks/)",
        "[a rule](rules/QP001.md) [gone](../nope.py) [site](https://example.org/x)",
        "```text", "[in code](../provenance/rules.py)", "```", ""])
    out = hook.rewrite(page, DOCS, DOCS, ROOT, repo).splitlines()
    assert out[0] == (f"[registry]({repo}/blob/main/provenance/rules.py#L1) "
                      f"[checks]({repo}/tree/main/provenance/checks)")
    assert out[1] == "[a rule](rules/QP001.md) [gone](../nope.py) [site](https://example.org/x)"
    assert out[3] == "[in code](../provenance/rules.py)"
