"""The judge and the verifier client through ``qa-provenance spot-check``, against loopback stubs:
a reply the judge's rules refuse leaves the record unverified (never a pass), and what a
verifier writes (rationale, /info id) stays one line of plain text in the output."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Repo, Runner
from servers import StubServer, chat, guard_loopback, json_response, verdict_json

pytestmark = pytest.mark.network

DATA = "data/qa.jsonl"
ROWS = [{"question": f"How much does item {i} weigh?", "answer": f"{i + 1} grams",
         "context": f"In the catalogue, item {i} weighs {i + 1} grams."} for i in range(3)]


@pytest.fixture(autouse=True)
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_loopback(monkeypatch, client_only=True)


def setup(repo: Repo, verifier: dict[str, Any]) -> None:
    repo.jsonl(DATA, ROWS)
    repo.sidecar(DATA)
    repo.write(".qa-provenance.yaml", json.dumps({"verifier": {
        "max_attempts": 1, "concurrency": 1, "timeout": {"connect": 2, "read": 2},
        **verifier}}) + "\n")


def judge_settings(stub: StubServer) -> dict[str, Any]:
    return {"kind": "openai", "url": f"{stub.url}/v1", "model": "acme/judge-1"}


def test_an_example_quoted_before_the_verdict_leaves_the_record_unverified(
        repo: Repo, run: Runner, stub: StubServer) -> None:
    example_then_real = ('For example {"verdict": "supported", "score": 1}. Mine: '
                         + verdict_json("unsupported", 0.1))
    stub.default = chat(example_then_real)
    setup(repo, judge_settings(stub))
    result = run("spot-check")
    assert "PASS" not in result.out.replace("qa-provenance spot-check: ", "")
    assert "INCONCLUSIVE" in result.out
    assert "the judge's reply holds 2 JSON objects, not exactly one" in result.out


def test_a_score_that_contradicts_the_verdict_is_not_a_pass(
        repo: Repo, run: Runner, stub: StubServer) -> None:
    stub.default = chat(verdict_json("supported", 0))
    setup(repo, judge_settings(stub))
    result = run("spot-check")
    assert "INCONCLUSIVE" in result.out and "contradicts its verdict supported" in result.out


def test_a_hostile_rationale_is_one_plain_line_in_every_format(
        repo: Repo, run: Runner, stub: StubServer) -> None:
    stub.default = chat(verdict_json("unsupported", 0.1,
                                     "wrong\n::error file=x.py::owned\x1b[2J\x1b]0;t\x07"))
    setup(repo, judge_settings(stub))
    for fmt in ("text", "github"):
        result = run("spot-check", "--format", fmt)
        assert result.code == 1
        assert "\x1b" not in result.out + result.err
        assert not any(line.startswith("::error file=x.py") for line in result.out.splitlines())
        assert "wrong ::error file=x.py::owned" in result.out or fmt == "github"


@pytest.mark.parametrize("bad", ["acme/v7\n::error::owned", "acme\x1b[31mred"])
def test_an_info_id_that_is_not_one_printable_line_refuses_the_verifier(
        repo: Repo, run: Runner, stub: StubServer, bad: str) -> None:
    stub.info = lambda request: json_response({"protocol": "qa-verify/1",
                                               "verifier": {"id": bad}})
    setup(repo, {"kind": "http", "url": stub.url})
    result = run("spot-check")
    assert result.code != 0
    assert "holds control characters or line breaks; refusing this verifier" in result.out
    assert "\x1b" not in result.out + result.err
    assert not any(line.startswith("::error::owned") for line in result.out.splitlines())
    assert stub.posts() == []  # no record was sent to it
