"""Untrusted text stays text (issue 14): what comes from a file name, a record, a provenance file
or a verifier reaches every command's output escaped for that output's format.

The injected text carries an ESC colour sequence, a C1 control (NEL), a newline followed by a
GitHub workflow command, a carriage return, a percent escape, Markdown table pipes and HTML.
Through a file name (a real file named so), a provenance record (agent ids quoted by findings)
and a loopback verifier (its rationale and its ``/info`` id). Each output is then checked for
its format: terminal text has no control character but the newline ending a line; GitHub's
workflow output has no line that starts a command the tool did not write; the Markdown summary
keeps its table rows and has no raw HTML; JUnit parses as XML; SARIF and JSON parse.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, Runner, dump_yaml

INJECT = "\x1b[31mRED\x1b[0m\x85\n::error title=PWNED::owned\r%0A<b>bold</b>|cell|"
NAME_INJECT = "\x1b[31mRED\x85\n::error title=PWNED::owned\r|x<b>"  # no slash in a file name
DATA = f"data/qa{NAME_INJECT}.jsonl"
PLAIN = "data/plain.jsonl"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def rows(count: int = 3) -> list[dict[str, Any]]:
    return [{"question": f"How much does item {i} weigh? {INJECT}", "answer": f"{i + 1} grams",
             "context": f"In the catalogue, item {i} weighs {i + 1} grams."} for i in range(count)]


def build(repo: Repo, verifier: dict[str, Any] | None = None, *, quoted: bool = True) -> None:
    """DATA has the injected name; PLAIN (``quoted``) injected agent ids, which QP010 quotes
    (and which a spot check refuses before it starts: a verifier cannot be judged independent
    of an id that says anything)."""
    repo.jsonl(DATA, rows())
    repo.sidecar(DATA, description=INJECT)
    config: dict[str, Any] = {}
    if verifier is not None:
        config["verifier"] = verifier
    repo.write(".qa-provenance.yaml", dump_yaml(config) if config else "{}\n")
    if not quoted:
        return
    repo.jsonl(PLAIN, rows())
    # Validator = generator, both with the injected id: QP010 quotes them.
    agent = {"type": "model", "id": f"acme/model{INJECT}", "role": "both"}
    repo.sidecar(PLAIN, generator=agent,
                 validator={"type": "model", "id": f"acme/model{INJECT}", "method": "llm-judge"},
                 derived_from=[f"seed{INJECT}.jsonl"])


def assert_terminal_text(text: str, where: str) -> None:
    for line in text.split("\n"):
        found = CONTROL.search(line)
        assert found is None, f"{where}: raw {found.group()!r} in {line!r}"


COMMAND = re.compile(r"::(error|warning|notice)( [a-z]+=[^:,]*(,[a-z]+=[^:,]*)*)?::")


def assert_workflow_commands(text: str, where: str) -> None:
    """Every line that starts a command is one the tool wrote, its properties intact (no
    ``:`` or ``,`` from the injected text), and no control character reaches the log."""
    assert "\r" not in text, where
    for line in text.split("\n"):
        assert CONTROL.search(line) is None, f"{where}: a control character in {line!r}"
        if line.startswith("::"):
            assert COMMAND.match(line) and not line.startswith("::error title=PWNED"), \
                f"{where}: a command the tool did not write: {line!r}"


def assert_markdown(text: str, where: str) -> None:
    assert "<b>" not in text and "\r" not in text, where
    assert_terminal_text(text, where)
    widths = {len(re.findall(r"(?<!\\)\|", line)) for line in text.splitlines()
              if line.startswith("|")}
    assert len(widths) <= 2, f"{where}: table rows of different widths: {widths}\n{text}"


def assert_formats(repo: Repo, run: Runner, command: str, tmp_path: Path) -> None:
    """Every format of ``command`` (check or spot-check) on the injected repository."""
    text = run(command, "-v") if command == "check" else run(command)
    assert_terminal_text(text.out, f"{command} text stdout")
    assert_terminal_text(text.err, f"{command} text stderr")
    summary = tmp_path / f"{command}-summary.md"
    github = run(command, "--format", "github", "--summary-file", str(summary))
    assert_workflow_commands(github.out, f"{command} github")
    assert_terminal_text(github.err, f"{command} github stderr")
    assert_markdown(summary.read_text(encoding="utf-8"), f"{command} summary")
    junit = run(command, "--format", "junit")
    ET.fromstring(junit.out.split("\n", 1)[1])
    for name in ("json", "sarif"):
        json.loads(run(command, "--format", name).out)


def test_check_escapes_names_records_and_provenance(repo: Repo, run: Runner,
                                                     tmp_path: Path) -> None:
    build(repo)
    assert_formats(repo, run, "check", tmp_path)


def test_graph_escapes_names_and_provenance(repo: Repo, run: Runner) -> None:
    build(repo)
    for fmt in ("text", "mermaid", "dot"):
        result = run("graph", "--format", fmt)
        assert_terminal_text(result.out, f"graph {fmt}")
        assert_terminal_text(result.err, f"graph {fmt} stderr")
        assert "\r" not in result.out


def test_export_escapes_names_and_provenance(repo: Repo, run: Runner) -> None:
    build(repo)
    result = run("export", "data", "--croissant")
    assert_terminal_text(result.err, "export stderr")
    if result.code == 0:
        json.loads(result.out)


def test_spot_check_escapes_names_with_the_local_verifier(repo: Repo, run: Runner,
                                                          tmp_path: Path) -> None:
    build(repo)
    assert_formats(repo, run, "spot-check", tmp_path)


@pytest.mark.network
def test_spot_check_escapes_a_verifiers_rationale_and_id(repo: Repo, run: Runner,
                                                         tmp_path: Path, stub: Any) -> None:
    from servers import info, json_response

    stub.info = info(f"zeta-labs/judge{INJECT}")

    def flag_everything(request: Any) -> Any:
        results = [{"id": item["id"], "verdict": "unsupported", "score": 0.1,
                    "rationale": f"because{INJECT}"} for item in request.json["items"]]
        return json_response({"protocol": "qa-verify/1", "results": results})

    stub.default = flag_everything
    build(repo, {"kind": "http", "url": stub.url, "max_attempts": 1,
                 "timeout": {"connect": 2, "read": 2}, "cache": False}, quoted=False)
    assert_formats(repo, run, "spot-check", tmp_path)



def test_the_live_progress_line_escapes_a_file_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At a terminal, the progress line names the file last checked: escaped like the rest."""
    import io

    from provenance.findings import FileResult
    from provenance.reporters.live import LiveView

    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    (tmp_path / "x.jsonl").write_text("{}\n", encoding="utf-8")
    view = LiveView(stream=False, progress=True, color=False)
    view.start(tmp_path, ["x.jsonl"])
    view.done(FileResult(f"data/q{NAME_INJECT}.jsonl", None))
    assert view._bar is not None
    shown = str(view._bar.postfix)  # what the next refresh of the line prints
    view.close()
    assert CONTROL.search(shown) is None, shown
