"""Output never lands on data (issue 14): report paths that name a dataset or a provenance file
are refused (exit 2, one line, the file unchanged), and new files honour the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import pytest
from conftest import Repo, Runner

DATA = "data/qa.jsonl"
SIDECAR = f"{DATA}.provenance.yaml"


@pytest.fixture
def stamped(repo: Repo) -> Repo:
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    repo.write(".qa-provenance.yaml", "{}\n")
    return repo


@pytest.mark.parametrize("target", [DATA, SIDECAR, ".qa-provenance.yaml"])
@pytest.mark.parametrize("args", [
    ("check", "-o"),
    ("check", "--sarif-file"),
    ("check", "--json-file"),
    ("check", "--summary-file"),
    ("spot-check", "-o"),
    ("export", DATA, "--croissant", "-o"),
])
def test_a_report_path_that_is_data_or_provenance_is_refused(
        stamped: Repo, run: Runner, args: tuple[str, ...], target: str) -> None:
    before = stamped.path(target).read_bytes()
    result = run(*args, target)
    assert result.code == 2, result.out + result.err
    lines = [line for line in result.err.splitlines() if "refusing to write to" in line]
    assert len(lines) == 1 and target in lines[0], result.err
    assert stamped.path(target).read_bytes() == before


def test_an_import_draft_never_lands_on_a_dataset(stamped: Repo, run: Runner) -> None:
    card = stamped.write("card.md", "---\nlicense: mit\n---\n# A dataset\n")
    before = stamped.path(DATA).read_bytes()
    result = run("import", "--card", str(card), "-o", DATA, "--force")
    assert result.code == 2 and "refusing to write to data/qa.jsonl: it is a dataset" in result.err
    assert stamped.path(DATA).read_bytes() == before


def test_a_report_beside_the_data_is_written(stamped: Repo, run: Runner) -> None:
    assert run("check", "-o", "data/report.txt").code == 0
    assert stamped.exists("data/report.txt")


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(repo: Repo, rel: str) -> int:
    return stat.S_IMODE(repo.path(rel).stat().st_mode)


def test_new_files_honour_the_umask(repo: Repo, run: Runner, umask_022: None) -> None:
    """A new sidecar, report and export are 0644 under umask 022 (were 0600)."""
    repo.jsonl(DATA)
    repo.write(".qa-provenance.yaml", "{}\n")
    assert run("stamp", DATA, "--generator", "openai/gpt-4o", "--validator",
               "human:Acme Annotation Team", "--method", "human-review").code == 0
    assert _mode(repo, SIDECAR) == 0o644
    assert run("check", "-o", "report.txt", "--sarif-file", "report.sarif").code == 0
    assert _mode(repo, "report.txt") == 0o644
    assert _mode(repo, "report.sarif") == 0o644
    assert run("export", DATA, "--croissant", "-o", "croissant.json").code == 0
    assert _mode(repo, "croissant.json") == 0o644
