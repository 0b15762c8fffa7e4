"""A large JSONL file scanned in parts by worker processes: the same result as one pass."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, Runner

from provenance.checks.per_record import RecordScan, record_problems, scan
from provenance.config import load_config
from provenance.identity.spelling import canonical_agent
from provenance.reading import profiles, readers
from provenance.session import Session
from provenance.speed import parallel_scan

SPELLINGS = ["gpt-4o", "openai/gpt-4o", "GPT-4o", "claude-3-5-haiku-20241022",
             "anthropic/claude-3-5-haiku-20241022", "meta-llama/Llama-3.1-70B-Instruct"]


def write_records(path: Path, count: int, seed: int = 3) -> None:
    """LlamaIndex-style records with varied spellings, some self-answered, some blank lines,
    CRLF endings and a BOM: everything whose first occurrence the merge must keep."""
    rng = random.Random(seed)
    lines = []
    for number in range(count):
        asker = rng.choice(SPELLINGS)
        answerer = asker if rng.random() < 0.2 else rng.choice(SPELLINGS)
        lines.append(json.dumps({
            "query": f"q{number}?", "query_by": {"model_name": asker, "type": "ai"},
            "reference_answer": "a", "reference_answer_by": {"model_name": answerer,
                                                             "type": "ai"}}))
        if rng.random() < 0.05:
            lines.append("  ")
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\n")


def setup(repo: Repo, count: int = 600) -> tuple[Path, profiles.Profile, object]:
    path = repo.path("data/rag.jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_records(path, count)
    config = load_config(repo.root)
    session = Session(config)
    first = next(readers.read_data(path, "jsonl"))
    profile = profiles.choose(config.record_mapping("data/rag.jsonl"), first[0])
    assert profile is not None and profile.has_agents
    return path, profile, session.judge_for("data/rag.jsonl")


def as_dict(result: RecordScan) -> dict[str, object]:
    return {
        "profile": result.profile.name, "total": result.total,
        "with_agents": result.with_agents, "with_generators": result.with_generators,
        "pairs": list(result.pairs.items()),
        "generator_counts": list(result.generator_counts.items()),
        "generators": list(result.generators.items()),
        "validators": list(result.validators.items()),
        "offences": [(key, o.rule, o.message, o.count, o.locations, o.first_line)
                     for key, o in result.offences.items()],
    }


def oracle(path: Path, profile: profiles.Profile, judge: Any) -> dict[str, object]:
    """What the scan must find, worked out record by record from the profile and the rule
    function alone: no cache of agent values, no parts, no merge."""
    total = with_agents = with_generators = 0
    pairs: Counter[tuple[str, str]] = Counter()
    counts: Counter[str] = Counter()
    first_spelling: dict[tuple[str, str], str] = {}
    offences: dict[tuple[str, str], list[str]] = {}
    for data, where in readers.read_data(path, "jsonl"):
        total += 1
        generators, validators = profile.agents(data)
        if not generators and not validators:
            continue
        with_agents += 1
        names = [", ".join(dict.fromkeys(a.id for a in agents)) or "-"
                 for agents in (generators, validators)]
        pairs[(names[0], names[1])] += 1
        named = {canonical_agent(a): a.id for a in generators if a.id.strip()}
        with_generators += bool(named)
        for key, spelling in named.items():
            counts[first_spelling.setdefault(key, spelling)] += 1
        for ident, rule, _message in record_problems(generators, validators, judge):
            offences.setdefault(f"{rule.code} {ident}", []).append(
                readers.locate(data, where).location)
    return {"total": total, "with_agents": with_agents, "with_generators": with_generators,
            "pairs": dict(pairs), "generator_counts": dict(counts),
            "offences": {key: (len(found), found[:3]) for key, found in offences.items()}}


def found(result: RecordScan) -> dict[str, object]:
    return {"total": result.total, "with_agents": result.with_agents,
            "with_generators": result.with_generators, "pairs": dict(result.pairs),
            "generator_counts": dict(result.generator_counts),
            "offences": {f"{code} {ident}": (o.count, o.locations)
                         for (code, ident), o in result.offences.items()}}


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_parts_merged_equal_one_pass(repo: Repo, parts: int) -> None:
    path, profile, judge = setup(repo)
    one_pass = scan(readers.read_data(path, "jsonl"), profile, judge)
    expected = oracle(path, profile, judge)
    assert found(one_pass) == expected
    assert len(expected["offences"]) >= 3  # type: ignore[arg-type]
    ranges = parallel_scan.split(path, parts)
    assert ranges[0][0] == 0 and ranges[-1][1] == path.stat().st_size
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    merged = parallel_scan.scan_parts(path, ranges, profile, judge)
    assert merged is not None
    assert found(merged) == expected
    assert as_dict(merged) == as_dict(one_pass)  # and the spellings and rules kept
    assert one_pass.offences  # the data does have offences to merge
    for offence in merged.offences.values():  # the rule objects themselves, not copies
        from provenance import rules

        assert offence.rule is rules.BY_KEY[offence.rule.code]


def test_every_split_point_starts_a_line(repo: Repo) -> None:
    path, _profile, _judge = setup(repo, 50)
    data = path.read_bytes()
    for parts in range(2, 12):
        for start, _end in parallel_scan.split(path, parts)[1:]:
            assert data[start - 1:start] == b"\n"


def test_a_broken_line_is_reported_from_the_earliest_part(repo: Repo) -> None:
    path, profile, judge = setup(repo, 300)
    lines = path.read_bytes().split(b"\n")
    lines[40] = b'{"query": "cut'
    lines[250] = b"{also broken"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(readers.ReadError) as caught:
        parallel_scan.scan_parts(path, parallel_scan.split(path, 3), profile,
                                 judge)
    assert caught.value.line == 41


def test_a_worker_that_cannot_start_means_one_pass(repo: Repo,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path, profile, judge = setup(repo, 50)
    monkeypatch.setattr(parallel_scan.sys, "executable", str(repo.root / "no-python"))
    assert parallel_scan.scan_parts(path, parallel_scan.split(path, 2), profile,
                                    judge) is None


def test_a_check_in_parts_reports_what_one_pass_does(repo: Repo, run: Runner,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    repo.path("data").mkdir()
    write_records(repo.path("data/rag.jsonl"), 400)
    repo.sidecar("data/rag.jsonl", generator=None, validator=None)
    monkeypatch.setattr(parallel_scan, "PARALLEL_MIN_BYTES", 1 << 62)
    one_pass = run("check", "--format", "json")
    monkeypatch.setattr(parallel_scan, "PARALLEL_MIN_BYTES", 0)
    in_parts = run("check", "--format", "json")
    assert (in_parts.code, in_parts.out) == (one_pass.code, one_pass.out)
    assert one_pass.code == 1 and "QP012" in one_pass.out
