"""``--format github``: workflow-command annotations (escaped as GitHub's toolkit does), chosen
automatically inside GitHub Actions, and the Markdown job summary; goldens for a failing
repository."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import Repo, Runner
from reporting_repo import (
    BAD,
    GOOD,
    LEGACY,
    MIXED,
    SELF_JUDGED,
    UNLABELLED,
    assert_golden,
    build_failing_repo,
    build_spot_repo,
    normalise,
)

from provenance.findings import FileResult, Finding, RunResult
from provenance.reporters.base import Context
from provenance.reporters.github import (
    NONE,
    GitHubReporter,
    command,
    escape_data,
    escape_property,
    markdown_check,
)
from provenance.rules import IDENTICAL_SOURCE, MISSING, Severity


def github(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Inside GitHub Actions: the format is chosen by the environment; returns the summary."""
    summary = repo.root.parent / "step_summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo.root))
    return summary


def render(result: RunResult, root: Path) -> str:
    out = io.StringIO()
    GitHubReporter(Context("0", root, io.StringIO(), base=root)).report_check(result, out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# escaping


def test_escaping_follows_the_toolkit() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_data("a: b, c") == "a: b, c"
    assert escape_property("a: b, c%\n") == "a%3A b%2C c%25%0A"
    assert command("error", "m", (("file", "a,b.jsonl"), ("line", 3), ("title", "QP001 x"))) \
        == "::error file=a%2Cb.jsonl,line=3,title=QP001 x::m"
    assert command("warning", "m", (("file", None), ("line", None))) == "::warning::m"


def test_no_text_from_a_data_file_can_start_another_command(tmp_path: Path) -> None:
    hostile = "gpt-4o\n::error file=README.md::fake\r\n::add-mask::x"
    (tmp_path / "d.jsonl").write_text("{}\n")
    result = RunResult([FileResult("d.jsonl", None, findings=(
        Finding("d.jsonl", MISSING, f"validator '{hostile}'", Severity.ERROR, 2),))])
    out = render(result, tmp_path)
    lines = out.splitlines()
    assert len(lines) == 2  # the annotation and the summary line, nothing more
    assert lines[0].startswith("::error file=d.jsonl,line=2,title=QP001 missing-provenance::")
    assert "%0A::error file=README.md::fake%0D%0A::add-mask::x" in lines[0]


def test_a_folder_finding_is_annotated_without_a_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    out = render(RunResult(extra=[Finding("data", IDENTICAL_SOURCE, "too much: 75%")]),
                 tmp_path)
    assert out.splitlines()[0] == \
        "::error title=QP010 identical-source::data: too much: 75%25"


# ---------------------------------------------------------------------------------------------
# inside GitHub Actions


def test_github_is_chosen_inside_actions_and_text_is_not(repo: Repo, run: Runner,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    build_failing_repo(repo)
    summary = github(repo, monkeypatch)
    summary.write_text("# earlier step\n", encoding="utf-8")
    result = run("check")
    assert result.code == 1
    assert result.out.startswith("::error file=data/edited.jsonl.provenance.yaml,line=10,")
    assert all(line.startswith(("::", "qa-provenance: ")) for line in result.out.splitlines())
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n### qa-provenance check: ❌ failed\n")  # appended
    result = run("check", "--format", "text")  # an explicit format wins
    assert not result.out.startswith("::")
    assert summary.read_text(encoding="utf-8") == text  # no summary outside the github format


def test_every_finding_is_one_annotation(repo: Repo, run: Runner,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    build_failing_repo(repo)
    github(repo, monkeypatch)
    out = run("check").out
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert len(annotations) == 6
    assert (f"::error file={SELF_JUDGED}.provenance.yaml,line=5,title=QP010 identical-source::"
            "validator model 'azure/GPT-4o' is the same source") in out
    assert f"::warning file={LEGACY},title=QP001 missing-provenance::" in out
    assert "::error file=data/notes%2C v2.jsonl,title=QP001 missing-provenance::" in out
    assert f"::error title=QP015 generator-dominance::{MIXED}: generator" in out
    assert "(75%25), more than max-generator-share 60%25" in out


def test_paths_are_relative_to_the_workspace(repo: Repo, run: Runner,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (repo.root / "datasets").mkdir()
    Repo(repo.root / "datasets").jsonl("train.jsonl")
    github(repo, monkeypatch)
    out = run("check", "--root", "datasets").out
    assert out.startswith("::error file=datasets/train.jsonl,title=QP001 missing-provenance::")


def test_summary_table_has_a_row_per_file(repo: Repo, run: Runner,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    build_failing_repo(repo)
    summary = github(repo, monkeypatch)
    run("check")
    text = summary.read_text(encoding="utf-8")
    assert "| Data file | Generator | Validator | Result |" in text
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == 7
    assert (f"| `{SELF_JUDGED}` | openai/gpt-4o-2024-08-06 | azure/GPT-4o | "
            "❌ fail: QP010 identical-source |") in rows
    assert f"| `{UNLABELLED}` | {NONE} | {NONE} | ❌ fail: QP001 missing-provenance |" in rows
    assert any(row.startswith(f"| `{LEGACY}` |") and "⚠️ warn" in row for row in rows)


def test_summary_cells_cannot_break_the_table(tmp_path: Path) -> None:
    result = RunResult([FileResult("a|b.jsonl", None, generators=("evil | <b>x</b>",),
                                   validators=("v\nw",))])
    text = markdown_check(result, Context("0", tmp_path, io.StringIO()))
    [row] = [line for line in text.splitlines() if line.startswith("| `")]
    assert row == ("| `a\\|b.jsonl` | evil \\| &lt;b&gt;x&lt;/b&gt; | v w | ✅ pass |")


def test_github_goldens(repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    build_failing_repo(repo)
    summary = github(repo, monkeypatch)
    result = run("check")
    assert_golden("check.github.txt", normalise(result.out, repo.root))
    assert_golden("check.summary.md", normalise(summary.read_text(encoding="utf-8"), repo.root))


# ---------------------------------------------------------------------------------------------
# spot-check


def test_spot_check_annotations_and_summary(repo: Repo, run: Runner,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    build_spot_repo(repo)
    summary = github(repo, monkeypatch)
    result = run("spot-check")
    assert result.code == 1
    lines = result.out.splitlines()
    flags = [line for line in lines if line.startswith(f"::error file={BAD},line=")]
    assert [line.split(",")[1] for line in flags] == ["line=2", "line=5"]
    verdict = next(index for index, line in enumerate(lines)
                   if line.startswith(f"::error file={BAD},title=spot-check FAIL::2 of all 6"))
    assert verdict < lines.index(flags[0])  # the verdict first: within GitHub's 10 per step
    assert not any(GOOD in line for line in lines if line.startswith("::"))
    assert lines[-1] == "qa-provenance spot-check: FAIL (1 FAIL, 1 PASS)"
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### qa-provenance spot-check: ❌ FAIL\n")
    assert "| Data file | Generator | Validator | Check | Spot check | Claim |" in text
    row = next(line for line in text.splitlines() if line.startswith(f"| `{BAD}`"))
    assert row.startswith(f"| `{BAD}` | openai/gpt-4o-2024-08-06 | Acme Annotation Team | "
                          "✅ pass | ❌ FAIL (2 of 6 flagged) | 2 of all 6 records flagged")


def test_skipped_spot_check_says_so_and_passes(repo: Repo, run: Runner,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    build_spot_repo(repo, verifier={"kind": "http", "url": "https://verifier.example/v1",
                                    "token_env": "QA_TEST_VERIFIER_TOKEN"})
    monkeypatch.delenv("QA_TEST_VERIFIER_TOKEN", raising=False)
    summary = github(repo, monkeypatch)
    result = run("spot-check")
    assert result.code == 0
    assert result.out.startswith("::notice title=qa-provenance spot-check SKIPPED::"
                                 "spot checks SKIPPED (not failed): no credentials")
    text = summary.read_text(encoding="utf-8")
    assert "### qa-provenance spot-check: ⏭️ SKIPPED" in text
    assert "Spot checks were **skipped**, not failed" in text


@pytest.mark.network  # spot-check connects to 127.0.0.1:9, is refused: inconclusive
def test_no_secret_reaches_the_log_or_the_summary(repo: Repo, run: Runner,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-live-0123456789abcdef0123456789abcdef"
    build_spot_repo(repo, verifier={"kind": "http", "url": "http://127.0.0.1:9",
                                    "token_env": "QA_TEST_VERIFIER_TOKEN", "max_attempts": 1})
    monkeypatch.setenv("QA_TEST_VERIFIER_TOKEN", secret)
    summary = github(repo, monkeypatch)
    result = run("spot-check", "--sarif-file", "r.sarif", "--output", "r.txt")
    assert result.code == 3
    everything = (result.out + result.err + summary.read_text(encoding="utf-8")
                  + repo.read("r.sarif") + repo.read("r.txt"))
    assert "INCONCLUSIVE" in everything
    assert secret not in everything


def test_past_githubs_limit_the_rest_is_logged_and_counted(repo: Repo, run: Runner,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """GitHub shows 10 annotations of a kind per step and drops the rest without a word: nine
    findings are annotated, the tenth annotation says how many more there are, and those are
    plain log lines (and rows of the summary)."""
    for index in range(31):
        repo.jsonl(f"{index:02}.jsonl")
    repo.jsonl("::error::x.jsonl")  # sorted last: its plain line must not turn into a command
    summary = github(repo, monkeypatch)
    lines = run("check").out.splitlines()
    errors = [line for line in lines if line.startswith("::error")]
    assert len(errors) == 10
    assert errors[-1].startswith("::error title=qa-provenance::23 more errors (GitHub shows 10 ")
    plain = [line for line in lines if "QP001" in line and not line.startswith("::")]
    assert len(plain) == 23
    assert "./::error::x.jsonl: QP001 no provenance record" in plain
    assert not any("%25" in line or "%0A" in line for line in plain)  # log text, not commands
    assert summary.read_text(encoding="utf-8").count("QP001 missing-provenance |") == 32
