"""Contamination (QP041): evaluation records found in data that trains the evaluated model.

The matchers on hand-written cases; the pairs of files from the lineage; then real NQ-open
questions planted, verbatim and lightly edited, into a training JSONL, found through ``check``
with both locations; and the cache that keeps an unchanged training file from being read again.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import REAL, Repo, Runner, dump_yaml, graph_of

from provenance.checks.contamination import contamination_problems
from provenance.contamination import run as contamination_run
from provenance.contamination.fingerprints import EvalItem, Settings, build, item_of
from provenance.contamination.match import EXACT, NEAR, NGRAM, matches
from provenance.contamination.pairs import Pair, pairs
from provenance.contamination.run import Hit
from provenance.lineage.graph import BASE, EVALUATES, TRAINS

LONG = ("which river flows through the capital city of the country that hosted the first "
        "modern olympic games")


def prints_of(*questions: str, answer: str = "", **settings: Any) -> Any:
    return build([item_of("eval.jsonl", f"line {i + 1}", i + 1, q, answer)
                  for i, q in enumerate(questions)], Settings(**settings))


def kinds(prints: Any, question: str, answer: str = "") -> list[tuple[int, str]]:
    return [(m.item, m.kind) for m in matches(prints, question, answer)]


def test_the_same_question_whatever_its_case_punctuation_and_spacing() -> None:
    prints = prints_of("Who wrote the novel Pride and Prejudice?")
    assert kinds(prints, "  who WROTE the novel -- 'pride and prejudice'  ") == [(0, EXACT)]
    assert kinds(prints, "who wrote the novel pride & prejudice") == [(0, NEAR)]  # & is not and


def test_a_shared_13_gram_in_a_longer_question_or_in_an_answer() -> None:
    prints = prints_of(LONG)
    inside = f"Quick quiz: {LONG.upper()}, and why?"
    [match] = matches(prints, inside, "")
    assert (match.kind, match.overlap.startswith("13-gram 'which river flows")) == (NGRAM, True)
    assert kinds(prints, "Name a river.", f"The answer to '{LONG}' is the Cephissus.") == [
        (0, NGRAM)]
    twelve = " ".join(LONG.split()[:12])
    assert kinds(prints, twelve + " banana") == []  # 12 words in common are not 13


def test_near_duplicates_of_short_questions() -> None:
    prints = prints_of("when was the last time anyone was on the moon")
    assert kinds(prints, "when was the last time someone was on the moon?") == []  # 9/11
    assert kinds(prints, "when was the last time anyone was on the moon at all") == [(0, NEAR)]
    assert kinds(prints, "When was the last time anyone was on the moon") == [(0, EXACT)]
    loose = prints_of("when was the last time anyone was on the moon", near=0.8)
    assert kinds(loose, "When was the last time anyone walked on the moon") == [(0, NEAR)]


def test_similar_but_different_short_questions_stay_apart() -> None:
    prints = prints_of("who is the president of france")
    assert kinds(prints, "who is the president of germany") == []
    assert kinds(prints_of("who is he"), "who is he") == []  # shorter than min-words


def test_pairs_follow_training_of_the_model_and_of_its_bases() -> None:
    graph = graph_of(("d:eval", EVALUATES, "m:ft"), ("d:sft", TRAINS, "m:ft"),
                     ("m:base", BASE, "m:ft"), ("d:pretrain", TRAINS, "m:base"),
                     ("d:other", TRAINS, "m:unrelated"))
    assert pairs(graph) == [Pair("eval", "pretrain", "ft", "base"), Pair("eval", "sft", "ft", "ft")]


# Whole repositories -------------------------------------------------------------------------

NQ = REAL / "nq_open_dev_first200.jsonl"


def nq_rows(count: int) -> list[dict[str, Any]]:
    return [json.loads(line) for line in NQ.read_text("utf-8").splitlines()[:count]]


def stamp(repo: Repo, rel: str, **fields: Any) -> None:
    repo.sidecar(rel, generator={"type": "human", "id": "Google NQ annotators"},
                 validator={"type": "human", "id": "Acme Annotation Team"}, **fields)


def training_rows(planted: dict[int, str]) -> list[dict[str, str]]:
    rows = [{"question": f"What is item number {i} in the catalogue of spare parts?",
             "answer": f"part {i}"} for i in range(60)]
    for index, question in planted.items():
        rows[index] = {"question": question, "answer": "planted"}
    return rows


@pytest.fixture
def nq_repo(repo: Repo) -> tuple[Repo, list[dict[str, Any]]]:
    evaluation = nq_rows(40)
    repo.jsonl("data/eval/nq.jsonl", evaluation)
    stamp(repo, "data/eval/nq.jsonl", evaluates=["acme/student-8b"], held_out=True)
    return repo, evaluation


def test_planted_nq_questions_are_found_with_both_locations(
        nq_repo: tuple[Repo, list[dict[str, Any]]], run: Runner) -> None:
    repo, evaluation = nq_repo
    verbatim, edited = evaluation[3]["question"], evaluation[10]["question"]
    repo.jsonl("data/train/sft.jsonl", training_rows({
        7: verbatim,
        20: edited.upper() + "?",  # case and punctuation
        33: edited.replace("the ", "the the ", 1) + " exactly",  # a near duplicate
    }))
    stamp(repo, "data/train/sft.jsonl", trains=["acme/student-8b"])
    result = run("check")
    assert result.code == 1
    found = [line for line in result.lines if "QP041" in line]
    assert found[0].startswith(
        "data/eval/nq.jsonl:4: QP041 record line 4 is in training data data/train/sft.jsonl:8 "
        "(exact: the same question after normalisation); this set evaluates acme/student-8b")
    assert found[1].startswith("data/eval/nq.jsonl:11: QP041 record line 11 is in training "
                               "data data/train/sft.jsonl:21 (exact")
    assert found[2].startswith("data/eval/nq.jsonl:11: QP041 record line 11 is in training "
                               "data data/train/sft.jsonl:34 (near: word overlap")
    assert found[3] == (
        "data/train/sft.jsonl: QP041 holds 2 records of evaluation set data/eval/nq.jsonl "
        "(2 exact, 1 near), which evaluates acme/student-8b, trained on this data")
    assert len(found) == 4


def test_a_clean_pair_passes(nq_repo: tuple[Repo, list[dict[str, Any]]], run: Runner) -> None:
    repo, _ = nq_repo
    repo.jsonl("data/train/sft.jsonl", training_rows({}))
    stamp(repo, "data/train/sft.jsonl", trains=["acme/student-8b"])
    result = run("check")
    assert result.code == 0, result.out


def test_training_data_of_another_model_is_not_compared(
        nq_repo: tuple[Repo, list[dict[str, Any]]], run: Runner) -> None:
    repo, evaluation = nq_repo
    repo.jsonl("data/train/other.jsonl", training_rows({0: evaluation[0]["question"]}))
    stamp(repo, "data/train/other.jsonl", trains=["acme/another-model"])
    assert run("check").code == 0


def test_a_base_models_training_data_counts(nq_repo: tuple[Repo, list[dict[str, Any]]],
                                            run: Runner) -> None:
    repo, evaluation = nq_repo
    repo.write(".qa-provenance.yaml", dump_yaml({"models": [
        {"id": "acme/student-8b", "base_model": "acme/base-8b"}]}))
    repo.jsonl("data/train/pretrain.jsonl", training_rows({5: evaluation[0]["question"]}))
    stamp(repo, "data/train/pretrain.jsonl", trains=["acme/base-8b"])
    result = run("check")
    assert result.code == 1
    assert any("this set evaluates acme/student-8b, derived from acme/base-8b" in line
               for line in result.lines), result.out


def test_only_a_changed_training_file_is_read_again(
        nq_repo: tuple[Repo, list[dict[str, Any]]], run: Runner,
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo, evaluation = nq_repo
    for name in ("a", "b"):
        repo.jsonl(f"data/train/{name}.jsonl", training_rows({}))
        stamp(repo, f"data/train/{name}.jsonl", trains=["acme/student-8b"])
    read: list[str] = []
    original = contamination_run.Scanner._records

    def counting(self: Any, relpath: str) -> Any:
        read.append(relpath)
        return original(self, relpath)

    monkeypatch.setattr(contamination_run.Scanner, "_records", counting)
    assert run("check").code == 0
    assert sorted(read) == ["data/eval/nq.jsonl", "data/train/a.jsonl", "data/train/b.jsonl"]
    read.clear()
    repo.jsonl("data/train/b.jsonl", training_rows({1: evaluation[1]["question"]}))
    stamp(repo, "data/train/b.jsonl", trains=["acme/student-8b"])
    assert run("check").code == 1
    assert read == ["data/train/b.jsonl"]  # the evaluation set's fingerprints came from the cache


def test_a_hook_run_on_an_unrelated_file_scans_nothing(
        nq_repo: tuple[Repo, list[dict[str, Any]]], run: Runner,
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo, evaluation = nq_repo
    repo.jsonl("data/train/sft.jsonl", training_rows({2: evaluation[2]["question"]}))
    stamp(repo, "data/train/sft.jsonl", trains=["acme/student-8b"])
    repo.jsonl("data/notes.jsonl")
    stamp(repo, "data/notes.jsonl")
    monkeypatch.setattr(contamination_run.Scanner, "_records",
                        lambda self, relpath: pytest.fail(f"read {relpath}"))
    assert run("check", "data/notes.jsonl").code == 0


def test_thresholds_are_configurable(nq_repo: tuple[Repo, list[dict[str, Any]]],
                                     run: Runner) -> None:
    repo, evaluation = nq_repo
    edited = evaluation[10]["question"] + " exactly please"
    repo.jsonl("data/train/sft.jsonl", training_rows({0: edited}))
    stamp(repo, "data/train/sft.jsonl", trains=["acme/student-8b"])
    assert run("check").code == 1
    repo.write(".qa-provenance.yaml", dump_yaml({"contamination": {"near-threshold": 0.95}}))
    assert run("check").code == 0
    repo.write(".qa-provenance.yaml", dump_yaml({"contamination": {"near-threshold": 2}}))
    result = run("check")
    assert result.code == 2 and "near-threshold" in result.err



def test_shards_of_a_matrix_find_each_pair_once(nq_repo: tuple[Repo, list[dict[str, Any]]],
                                                run: Runner) -> None:
    repo, evaluation = nq_repo
    for index in range(6):
        repo.jsonl(f"data/train/part{index}.jsonl",
                   training_rows({index: evaluation[index]["question"]}))
        stamp(repo, f"data/train/part{index}.jsonl", trains=["acme/student-8b"])
    whole = sorted(line for line in run("check").lines if "QP041" in line)
    merged = sorted(line for shard in range(3)
                    for line in run("check", "--shard", f"{shard}/3").lines if "QP041" in line)
    assert len(whole) == 12  # a record line and a count per training file
    assert merged == whole


def test_the_records_shown_are_the_first_by_evaluation_line_then_training_line() -> None:
    """Past ``shown`` findings a pair reports only its count: which records are shown must not
    depend on the order the scan found them in."""
    pair = Pair("eval/test.jsonl", "train/sft.jsonl", "acme-7b", "acme-7b")

    def hit(eval_line: int, train_line: int, kind: str = EXACT) -> Hit:
        item = EvalItem(pair.evaluation, f"line {eval_line}", eval_line, [], [])
        return Hit(pair, item, f"line {train_line}", train_line, kind, "q")

    # found in training order: eval line 7 at training lines 9 and 3, eval line 2 at line 30
    hits = [hit(7, 9), hit(7, 3), hit(2, 30, NEAR), hit(5, 1)]
    found = [(path, problem.line, problem.message.split(" (")[0])
             for path, problem in contamination_problems(hits, shown=3)]
    assert found == [
        ("eval/test.jsonl", 2, "record line 2 is in training data train/sft.jsonl:30"),
        ("eval/test.jsonl", 5, "record line 5 is in training data train/sft.jsonl:1"),
        ("eval/test.jsonl", 7, "record line 7 is in training data train/sft.jsonl:3"),
        ("train/sft.jsonl", None, "holds 3 records of evaluation set eval/test.jsonl"),
    ]
