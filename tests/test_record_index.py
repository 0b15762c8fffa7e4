"""The record index serves the lineage graph of a hook run: never a changed, renamed or deleted
provenance file's old record, never a damaged or foreign cache, and the same findings as a run
that reads every file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, Runner, dump_yaml

from provenance import __version__
from provenance.speed import record_index
from provenance.speed.record_index import VERSION, RecordIndex

GPT4O = "openai/gpt-4o"
CLAUDE = "anthropic/claude-3-5-sonnet-20241022"
HUMAN = {"type": "human", "id": "Acme QA", "method": "human-review"}
MAKERS = [GPT4O, CLAUDE, "meta-llama/Llama-3.1-70B-Instruct", "Qwen/Qwen2.5-72B-Instruct"]


@pytest.fixture
def trusted_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries are trusted as soon as they are made (no racy window): what a repository whose
    files were written a while ago sees."""
    monkeypatch.setattr(record_index, "RACY_SECONDS", -1e12)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The provenance files the index parses (the rest it serves from its file)."""
    seen: list[str] = []
    real = record_index._load

    def counted(path: Path) -> Any:
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(record_index, "_load", counted)
    return seen


def model(ident: str) -> dict[str, Any]:
    return {"type": "model", "id": ident}


def dataset(repo: Repo, rel: str, generator: Any, validator: Any = HUMAN, **fields: Any) -> None:
    rows = [{"question": f"What is in {rel}?", "answer": f"Row {n} of {rel}."} for n in range(2)]
    repo.jsonl(rel, rows)
    repo.sidecar(rel, generator=generator, validator=validator, **fields)


def many(repo: Repo, count: int) -> None:
    """A repository of ``count`` datasets in folders of 50, as the bench builds them."""
    for index in range(count):
        extra = {"trains": [f"acme/model-{index % 7}"]} if index % 3 == 0 else {}
        dataset(repo, f"data/part{index // 50:02}/set{index:04}.jsonl",
                model(MAKERS[index % len(MAKERS)]), **extra)


def loop_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if "QP016" in line]


def index_file(repo: Repo) -> Path:
    return repo.root / ".git" / "qa-provenance" / "records.json"


# the index itself -------------------------------------------------------------------------------


def sidecar(root: Path, rel: str, generator: str) -> str:
    text = dump_yaml({"generator": model(generator), "validator": HUMAN})
    (root / rel).write_text(text, "utf-8")
    return rel


def facts_of(root: Path, store: Path, rel: str) -> Any:
    index = RecordIndex(store)
    facts = index.facts(root, rel)
    index.save()
    return facts


def makers(facts: Any) -> list[str]:
    return [ident for _type, ident in facts[0]]


def test_an_unchanged_sidecar_is_parsed_once_and_records_are_stored_once(
        tmp_path: Path, trusted_at_once: None, loads: list[str]) -> None:
    names = [sidecar(tmp_path, f"d{n}.jsonl.provenance.yaml", GPT4O) for n in range(5)]
    store = tmp_path / "records.json"
    index = RecordIndex(store)
    assert [slot for _name, slot in index.slots(tmp_path, names)] == [0] * 5
    index.save()
    assert len(loads) == 5
    again = RecordIndex(store)
    assert [makers(again.table[slot]) for _n, slot in again.slots(tmp_path, names)] == \
        [[GPT4O]] * 5
    assert len(loads) == 5 and again.parsed == 0
    assert len(json.loads(store.read_text())["facts"]) == 1  # five files, one record


def test_an_edit_is_never_served_the_old_record(tmp_path: Path, trusted_at_once: None) -> None:
    store = tmp_path / "records.json"
    rel = sidecar(tmp_path, "d.jsonl.provenance.yaml", GPT4O)
    assert makers(facts_of(tmp_path, store, rel)) == [GPT4O]
    path = tmp_path / rel
    before = path.stat()
    path.write_text(path.read_text().replace("gpt-4o", "gpt-4x"), "utf-8")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same mtime
    assert makers(facts_of(tmp_path, store, rel)) == ["openai/gpt-4x"]


def test_a_racily_new_entry_is_not_trusted(tmp_path: Path, loads: list[str]) -> None:
    store = tmp_path / "records.json"
    rel = sidecar(tmp_path, "d.jsonl.provenance.yaml", GPT4O)
    facts_of(tmp_path, store, rel)
    facts_of(tmp_path, store, rel)
    assert len(loads) == 2  # written just now: a write in the same tick could keep its stamps


def test_renamed_sidecars_are_read_under_their_new_names(tmp_path: Path,
                                                         trusted_at_once: None) -> None:
    store = tmp_path / "records.json"
    a = sidecar(tmp_path, "a.jsonl.provenance.yaml", GPT4O)
    b = sidecar(tmp_path, "b.jsonl.provenance.yaml", CLAUDE + "-and-more")
    index = RecordIndex(store)
    assert [makers(index.table[s]) for _n, s in index.slots(tmp_path, [a, b])] == \
        [[GPT4O], [CLAUDE + "-and-more"]]
    index.save()
    os.rename(tmp_path / a, tmp_path / "swap")  # the two files trade names
    os.rename(tmp_path / b, tmp_path / a)
    os.rename(tmp_path / "swap", tmp_path / b)
    again = RecordIndex(store)
    assert [makers(again.table[s]) for _n, s in again.slots(tmp_path, [a, b])] == \
        [[CLAUDE + "-and-more"], [GPT4O]]


def test_a_deleted_sidecar_is_dropped_from_the_index(tmp_path: Path,
                                                     trusted_at_once: None) -> None:
    store = tmp_path / "records.json"
    kept = sidecar(tmp_path, "a.jsonl.provenance.yaml", GPT4O)
    gone = sidecar(tmp_path, "b.jsonl.provenance.yaml", CLAUDE)
    index = RecordIndex(store)
    list(index.slots(tmp_path, [kept, gone]))
    index.save()
    (tmp_path / gone).unlink()
    again = RecordIndex(store)
    assert again.facts(tmp_path, gone) is None
    again.save(listed=[kept])
    saved = json.loads(store.read_text())
    assert list(saved["files"]) == [kept]
    assert [makers(f) for f in saved["facts"]] == [[GPT4O]]  # the record no file says is gone


def stored(store: Path, document: Any) -> None:
    store.write_text(json.dumps(document), "utf-8")


def forged(rel: str, stat: os.stat_result, **changes: Any) -> dict[str, Any]:
    """An index claiming that ``rel`` says CLAUDE made it, with the file's true stamps."""
    entry = [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns,
             stat.st_mtime + 1e6, record_index.FACTS, 0]
    document = {"version": VERSION, "tool": __version__,
                "facts": [[[["model", CLAUDE]], [], [], [], [], False]], "files": {rel: entry}}
    document.update(changes)
    return document


@pytest.mark.parametrize("damage", [
    "not json at all {",
    json.dumps({"version": VERSION, "tool": __version__, "facts": [], "files": {"R": [1, 2]}}),
    json.dumps({"version": VERSION, "tool": __version__, "facts": {}, "files": []}),
    "[]",
    "",
])
def test_a_damaged_index_is_ignored(tmp_path: Path, trusted_at_once: None, damage: str) -> None:
    store = tmp_path / "records.json"
    rel = sidecar(tmp_path, "d.jsonl.provenance.yaml", GPT4O)
    store.write_text(damage.replace('"R"', json.dumps(rel)), "utf-8")
    assert makers(facts_of(tmp_path, store, rel)) == [GPT4O]
    assert makers(facts_of(tmp_path, store, rel)) == [GPT4O]  # and the index written anew


@pytest.mark.parametrize("slot", [1, -1, "0", 0.0, [0]])
def test_an_entry_pointing_nowhere_is_ignored(tmp_path: Path, trusted_at_once: None,
                                              slot: Any) -> None:
    store = tmp_path / "records.json"
    rel = sidecar(tmp_path, "d.jsonl.provenance.yaml", GPT4O)
    document = forged(rel, (tmp_path / rel).stat())
    document["files"][rel][7] = slot
    stored(store, document)
    index = RecordIndex(store)
    assert [makers(index.table[s]) for _n, s in index.slots(tmp_path, [rel])] == [[GPT4O]]
    index.save()
    assert makers(facts_of(tmp_path, store, rel)) == [GPT4O]


@pytest.mark.parametrize("record", [
    [[["model"]], [], [], [], [], False],  # an agent without an id
    [[["model", 7]], [], [], [], [], False],
    [[], [], [], [], [], "no"],
    [[], [], [], []],
    "record",
])
def test_a_malformed_record_in_the_table_discards_the_index(
        tmp_path: Path, trusted_at_once: None, record: Any) -> None:
    store = tmp_path / "records.json"
    rel = sidecar(tmp_path, "d.jsonl.provenance.yaml", GPT4O)
    document = forged(rel, (tmp_path / rel).stat())
    document["facts"].append(record)
    stored(store, document)
    assert makers(facts_of(tmp_path, store, rel)) == [GPT4O]


def test_the_forged_index_shows_what_the_checks_trust(tmp_path: Path,
                                                      trusted_at_once: None) -> None:
    """The tests above refuse forgeries the index would otherwise believe: a well-formed entry
    with the file's true stamps is served (this is what makes the cache fast)."""
    store = tmp_path / "records.json"
    rel = sidecar(tmp_path, "d.jsonl.provenance.yaml", GPT4O)
    stored(store, forged(rel, (tmp_path / rel).stat()))
    assert makers(facts_of(tmp_path, store, rel)) == [CLAUDE]


@pytest.mark.parametrize("changes", [{"version": VERSION - 1}, {"tool": "0.0.0-other"},
                                     {"tool": None}])
def test_an_index_of_another_version_is_ignored(tmp_path: Path, trusted_at_once: None,
                                                changes: dict[str, Any]) -> None:
    store = tmp_path / "records.json"
    rel = sidecar(tmp_path, "d.jsonl.provenance.yaml", GPT4O)
    stored(store, forged(rel, (tmp_path / rel).stat(), **changes))
    assert makers(facts_of(tmp_path, store, rel)) == [GPT4O]


def test_a_sidecar_that_is_a_pipe_or_leaves_the_repository_is_not_read(
        tmp_path: Path, trusted_at_once: None, loads: list[str]) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    outside = sidecar(tmp_path, "outside.provenance.yaml", GPT4O)
    os.symlink(tmp_path / outside, root / "out.jsonl.provenance.yaml")
    os.mkfifo(root / "pipe.jsonl.provenance.yaml")  # opening it would wait for a writer
    sidecar(root, "real.jsonl.provenance.yaml", CLAUDE)
    os.symlink("real.jsonl.provenance.yaml", root / "in.jsonl.provenance.yaml")
    names = ["out.jsonl.provenance.yaml", "pipe.jsonl.provenance.yaml",
             "in.jsonl.provenance.yaml"]
    index = RecordIndex(tmp_path / "records.json")
    served = [(name, makers(index.table[slot])) for name, slot in index.slots(root, names)]
    assert served == [("in.jsonl.provenance.yaml", [CLAUDE])]
    assert loads == ["in.jsonl.provenance.yaml"]


# hook runs over many datasets ------------------------------------------------------------------


def warm(repo: Repo, run: Runner, loads: list[str]) -> None:
    """A hook run on one file fills the index; a second one parses nothing."""
    run("check", "data/part00/set0000.jsonl")
    loads.clear()
    assert run("check", "data/part00/set0001.jsonl").code == 0
    assert loads == [], loads[:5]


def test_a_hook_run_finds_a_loop_through_unchanged_datasets_among_many(
        repo: Repo, run: Runner, trusted_at_once: None, loads: list[str]) -> None:
    many(repo, 300)
    dataset(repo, "data/chain/d1.jsonl", model(GPT4O))
    dataset(repo, "data/chain/d2.jsonl", {"type": "program", "id": "dedupe.py"},
            derived_from=["d1.jsonl"])
    warm(repo, run, loads)
    dataset(repo, "data/chain/d3.jsonl", {"type": "program", "id": "filter.py"}, model(GPT4O),
            derived_from=["d2.jsonl"])  # the commit: closes the loop through two other files
    result = run("check", "data/chain/d3.jsonl", "data/chain/d3.jsonl.provenance.yaml")
    assert loads == []  # every other record from the index
    assert result.code == 1
    assert loop_lines(result.out) == [
        "data/chain/d3.jsonl.provenance.yaml: QP016 lineage loop: model openai/gpt-4o generated "
        "data/chain/d1.jsonl -> data/chain/d2.jsonl derived from data/chain/d1.jsonl -> "
        "data/chain/d3.jsonl derived from data/chain/d2.jsonl -> openai/gpt-4o validates "
        "data/chain/d3.jsonl"]
    uncached = run("check", "--no-cache", "data/chain/d3.jsonl")
    assert loop_lines(uncached.out) == loop_lines(result.out)


def test_a_hook_run_sees_an_unchanged_file_edited_since_the_index_was_made(
        repo: Repo, run: Runner, trusted_at_once: None, loads: list[str]) -> None:
    many(repo, 120)
    dataset(repo, "data/chain/d1.jsonl", model(CLAUDE))
    dataset(repo, "data/chain/d2.jsonl", {"type": "program", "id": "dedupe.py"}, model(GPT4O),
            derived_from=["d1.jsonl"])
    warm(repo, run, loads)
    assert loop_lines(run("check", "data/chain/d2.jsonl").out) == []
    repo.sidecar("data/chain/d1.jsonl", generator=model(GPT4O), validator=HUMAN)  # not passed
    result = run("check", "data/chain/d2.jsonl")
    assert len(loop_lines(result.out)) == 1, result.out
    repo.path("data/chain/d1.jsonl.provenance.yaml").unlink()  # and deleted again
    assert loop_lines(run("check", "data/chain/d2.jsonl").out) == []


def test_a_hook_run_finds_self_evaluation_and_contamination_through_unchanged_files(
        repo: Repo, run: Runner, trusted_at_once: None, loads: list[str]) -> None:
    many(repo, 120)
    questions = [{"question": f"Which river flows through the city number {n} of the survey "
                              "of European capitals?", "answer": f"river {n}"} for n in range(4)]
    repo.jsonl("data/train/sft.jsonl", questions)  # made by the evaluated model, trains another
    repo.sidecar("data/train/sft.jsonl", generator=model("acme/teacher"), validator=HUMAN,
                 trains=["acme/student"])
    warm(repo, run, loads)
    repo.jsonl("data/eval/test.jsonl", questions[:2])
    repo.sidecar("data/eval/test.jsonl", generator=model("acme/student"), validator=HUMAN,
                 evaluates=["acme/teacher", "acme/student"])
    result = run("check", "data/eval/test.jsonl")
    assert result.code == 1
    assert result.codes() >= {"QP040", "QP041"}, result.out
    assert any("QP040" in line and "trained on its output" in line and "data/train/sft.jsonl"
               in line for line in result.lines), result.out
    assert any("QP041" in line and "data/train/sft.jsonl" in line for line in result.lines)
    assert sorted(run("check", "--no-cache", "data/eval/test.jsonl").lines) == \
        sorted(result.lines)


def test_an_index_in_the_work_tree_is_never_read(repo: Repo, run: Runner,
                                                  trusted_at_once: None) -> None:
    """A forged index committed into the repository cannot hide a loop."""
    dataset(repo, "data/d1.jsonl", model(GPT4O))
    dataset(repo, "data/d2.jsonl", {"type": "program", "id": "dedupe.py"}, model(GPT4O),
            derived_from=["d1.jsonl"])
    rel = "data/d1.jsonl.provenance.yaml"
    document = forged(rel, repo.path(rel).stat())
    for folder in (".qa-provenance-cache", ".git/qa-provenance-x"):
        repo.write(f"{folder}/records.json", json.dumps(document))
    assert len(loop_lines(run("check", "data/d2.jsonl").out)) == 1
    assert index_file(repo).is_file()
