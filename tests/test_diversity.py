"""Source diversity (provenance.diversity, ``qa-provenance stats``, QP044/QP045): hand-computed
numbers on a small file, real samples, the parallel scan's merge, and the rules off by default."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import REAL, Repo, Runner, copy_real, dump_yaml

from provenance.checks.diversity import diversity_problems
from provenance.checks.problem import Problem
from provenance.config import DiversityLimits
from provenance.diversity import accumulator
from provenance.diversity.accumulator import Diversity, Fields, answer_position
from provenance.diversity.sketch import BottomK, gini
from provenance.diversity.summary import Summary, summarise
from provenance.diversity.text import canonical, normalise, question_type
from provenance.reading import profiles, readers

QA = Fields("question", "answer", "context")
A = "Rollo founded Normandy in 911. Later the duchy grew."
B = "The Normans reached Italy in 1017."
C = "Normandy is in France. The Seine flows through Rouen."
# Six questions: q2 repeats q1 verbatim once normalised; q3 is q1 reworded (same canonical form).
SIX = [
    {"question": "Who founded Normandy?", "answer": "Rollo", "context": A},
    {"question": "who founded  normandy", "answer": "Rollo", "context": A},
    {"question": "Normandy was founded by who?", "answer": "Rollo", "context": A},
    {"question": "When did the Normans reach Italy?", "answer": "1017", "context": B},
    {"question": "Is Normandy in France?", "answer": "yes", "context": C},
    {"question": "Which river flows through Rouen?", "answer": "The Seine", "context": C},
]


def diversity_of(rows: list[dict[str, Any]], fields: Fields = QA, k: int = 1 << 16
                 ) -> Diversity:
    found = Diversity(fields, k)
    for row in rows:
        found.add(row)
    return found


def test_six_questions_by_hand() -> None:
    summary = summarise("six.jsonl", diversity_of(SIX))
    assert summary.questions == 6
    assert summary.exact_duplicate_rate == pytest.approx(1 / 6)  # 5 distinct of 6
    assert summary.near_duplicate_rate == pytest.approx(2 / 6)  # 4 canonical forms of 6
    # bigrams: 2 + 2 + 4 + 5 + 3 + 4 = 20, of which q2's 2 repeat q1's
    assert summary.distinct_2 == pytest.approx(18 / 20)
    assert {t: n for t, n in summary.types.items() if n} == {
        "who": 2, "other": 1, "when": 1, "yes-no": 1, "which": 1}
    # passages A, B, C cited 3, 1 and 2 times: G = 2(1*1 + 2*2 + 3*3) / (3*6) - 4/3 = 2/9
    assert summary.contexts == 3 and summary.with_context == 6
    assert summary.context_gini == pytest.approx(2 / 9)
    # "yes" is not looked for; Rollo x3 at the start, 1017 at the end, the Seine in the middle
    assert summary.answered == 5
    assert summary.positions == (3, 0, 1, 0, 1)
    assert summary.at_start == pytest.approx(3 / 5)
    assert not summary.estimated


@pytest.mark.parametrize(("question", "kind"), [
    ("Who wrote Hamlet?", "who"), ("whose dog is it", "who"), ("How many moons?", "how"),
    ("In which year did it end?", "which"), ("Does it rain?", "yes-no"),
    ("Name the capital of France.", "other"), ("the capital of france is what", "other"),
    ("", "other"),
])
def test_question_types(question: str, kind: str) -> None:
    assert question_type(normalise(question)) == kind


def test_normalise_and_canonical_form() -> None:
    assert normalise("  Who's   THE  ﬁrst?! ") == "who s the first"
    assert canonical(normalise("When did the Normans reach Italy?")) == \
        canonical(normalise("the Normans reach Italy when?"))
    assert canonical(normalise("Who founded Rome?")) != canonical(normalise("Who sacked Rome?"))


def test_answer_position_is_the_middle_of_the_answer_as_whole_words() -> None:
    passage = normalise("Rollo founded Normandy")
    assert answer_position("rollo", [passage]) == pytest.approx(2.5 / len(passage))
    assert answer_position("roll", [passage]) is None  # not a whole word
    assert answer_position(passage, [passage]) == pytest.approx(0.5)  # the whole passage
    assert answer_position("normandy", ["nothing here", passage]) == pytest.approx(
        (14 + 4) / len(passage))


def test_gini() -> None:
    assert gini([5, 5, 5]) == 0
    assert gini([0, 0, 0, 12]) == pytest.approx(0.75)  # (n - 1) / n when one holds everything
    assert gini([7]) == 0


def test_bottom_k_is_exact_below_k_and_estimates_beyond() -> None:
    rng = random.Random(1)
    values = [rng.getrandbits(64) for _ in range(20_000)]
    small = BottomK(k=50_000)
    small.update(values + values[:100])
    assert small.exact and small.distinct() == 20_000 and small.seen == 20_100
    sketch = BottomK(k=1024)
    sketch.update(values)
    assert not sketch.exact
    assert sketch.distinct() == pytest.approx(20_000, rel=0.1)


def test_bottom_k_merge_equals_one_pass() -> None:
    rng = random.Random(2)
    values = [rng.getrandbits(12) for _ in range(3000)]  # many repeats
    one = BottomK(k=64)
    one.update(values)
    parts = [BottomK(k=64) for _ in range(3)]
    for index, value in enumerate(values):
        parts[index * 3 // len(values)].add(value)
    merged = parts[0].merged(parts[1]).merged(parts[2])
    assert merged.counts == one.counts and merged.seen == one.seen
    assert merged.distinct() == one.distinct()


def state(found: Diversity) -> dict[str, Any]:
    return {"records": found.records, "questions": found.questions,
            "sketches": [(s.counts, s.seen) for s in (found.exact, found.near, found.pairs,
                                                      found.contexts)],
            "types": found.types, "with_context": found.with_context,
            "answered": found.answered, "positions": found.positions}


def squad_records() -> list[Any]:
    path = REAL / "squad_v2.0_dev_normans_subset.json"
    return [data for data, _ in readers.read_data(path, "json")]


@pytest.mark.parametrize("k", [16, 1 << 16])
def test_accumulators_of_parts_merge_into_one_pass(k: int) -> None:
    records = squad_records()
    profile = profiles.detect(records[0])
    assert profile is not None and profile.name == "squad"
    fields = Fields.of(profile)
    one = diversity_of(records, fields, k)
    cuts = [0, 50, 51, 130, len(records)]
    parts = [diversity_of(records[a:b], fields, k) for a, b in zip(cuts, cuts[1:])]
    assert state(accumulator.merge(parts)) == state(one)


def test_parallel_scan_merges_diversity_like_one_pass(repo: Repo) -> None:
    from provenance.checks.per_record import scan
    from provenance.config import load_config
    from provenance.session import Session
    from provenance.speed import parallel_scan

    rng = random.Random(5)
    rows = []
    for n in range(900):
        row = dict(rng.choice(SIX))
        row["question"] = row["question"] if rng.random() < 0.5 else f"{row['question']} {n}"
        row["query_by"] = {"model_name": rng.choice(["gpt-4o", "claude-3-5-haiku"]), "type": "ai"}
        rows.append({"query": row["question"], "reference_answer": row["answer"],
                     "reference_contexts": [row["context"]], "query_by": row["query_by"]})
    path = repo.jsonl("data/rag.jsonl", rows)
    session = Session(load_config(repo.root))
    profile = profiles.detect(rows[0])
    assert profile is not None and profile.name == "llamaindex-rag"
    judge = session.judge_for("data/rag.jsonl")
    one = Diversity(Fields.of(profile))
    scan(accumulator.observe(readers.read_data(path, "jsonl"), one), profile, judge)
    both = parallel_scan.scan_parts_with(path, parallel_scan.split(path, 3), profile, judge, True)
    assert both is not None and both[1] is not None
    assert state(both[1]) == state(one)
    assert one.questions == 900 and sum(one.positions) == one.answered > 700


# real samples ----------------------------------------------------------------------------------


def test_squad_normans_subset() -> None:
    records = squad_records()
    profile = profiles.detect(records[0])
    assert profile is not None
    summary = summarise("squad", diversity_of(records, Fields.of(profile)))
    questions = [r["question"] for r in records]
    paragraphs = Counter(normalise(r["context"]) for r in records)
    assert summary.questions == len(questions) == 208
    assert summary.exact_duplicate_rate == pytest.approx(
        1 - len({normalise(q) for q in questions}) / len(questions))
    assert summary.contexts == len(paragraphs)
    assert summary.context_gini == pytest.approx(gini(paragraphs.values()))
    answered = [r for r in records if any(a["text"] for a in r["answers"])]
    assert summary.answered == len(answered)  # SQuAD v2 unanswerable ones have no answer
    assert summary.located == summary.answered  # SQuAD answers are spans of their paragraph
    assert summary.types["who"] == sum(normalise(q).startswith("who ") for q in questions)


def test_nq_open_has_no_contexts_and_no_duplicates() -> None:
    rows = [json.loads(line) for line in
            (REAL / "nq_open_dev_first200.jsonl").read_text("utf-8").splitlines()]
    summary = summarise("nq", diversity_of(rows))
    assert summary.questions == 200 and summary.exact_duplicate_rate == 0
    assert summary.with_context == 0 and summary.context_gini is None
    assert summary.types["who"] == sum(r["question"].startswith("who ") for r in rows)


def test_hotpotqa_passages_are_title_and_sentences() -> None:
    rows = json.loads((REAL / "hotpotqa_dev_distractor_sample30.json").read_text("utf-8"))
    profile = profiles.detect(rows[0])
    assert profile is not None and profile.name == "hotpotqa"
    summary = summarise("hotpot", diversity_of(rows, Fields.of(profile)))
    passages = {normalise(" ".join([title, *sentences]))
                for row in rows for title, sentences in row["context"]}
    assert summary.questions == 30 and summary.contexts == len(passages)
    assert summary.with_context == 29  # one record of the sample has an empty context
    assert summary.answered == sum(r["answer"].lower() not in ("yes", "no") and bool(r["context"])
                                   for r in rows)


# the command and the rules ---------------------------------------------------------------------


def config(repo: Repo, settings: dict[str, Any]) -> None:
    repo.write(".qa-provenance.yaml", dump_yaml(settings))


def test_stats_text_json_and_github(repo: Repo, run: Runner, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    repo.jsonl("data/six.jsonl", SIX)
    copy_real(repo, "squad_v2.0_dev_normans_subset.json")
    result = run("stats", "data")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:5] == ["path", "questions", "dup", "near-dup", "distinct-2"]
    six = next(line for line in lines if line.startswith("data/six.jsonl"))
    assert six.split()[1:5] == ["6", "16.7%", "33.3%", "90.0%"]
    assert any(line.startswith("data/ ") for line in lines)  # the folder of two files
    document = json.loads(run("stats", "data/six.jsonl", "--format", "json").out)
    entry = document["files"][0]
    assert entry["question_types"]["who"] == 2
    assert entry["contexts"] == {"questions_with_context": 6, "distinct": 3, "gini": 0.2222}
    assert entry["answer_positions"]["by_fifth"] == [3, 0, 1, 0, 1]
    assert document["folders"] == []
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run("stats", "data", "--format", "github").code == 0
    markdown = summary.read_text("utf-8")
    assert "```mermaid\nxychart-beta" in markdown
    assert 'x-axis ["who", "what", "when", "where", "why", "how", "which", "yes-no", "other"]' \
        in markdown
    assert '"Where answers sit in their context"' in markdown


def test_stats_usage_errors(repo: Repo, run: Runner) -> None:
    assert run("stats", "missing.jsonl").code == 2
    repo.write("notes.txt", "hello")
    result = run("stats", "notes.txt")
    assert result.code == 2 and "not a data file" in result.err
    config(repo, {"diversity": {"max-duplicate-rate": 1.5}})
    assert run("stats").code == 2


def duplicated_rows() -> list[dict[str, str]]:
    """30 questions: 10 asked three ways (once more verbatim, once reworded), 21 of them on one
    context of four, every answer the first word of its context."""
    contexts = [f"Word{i} starts this passage, and much more text follows after it to fill it."
                for i in range(4)]
    rows = []
    for q in range(10):
        at = 0 if q < 7 else q - 6
        for question in (f"What does passage {q} say?", f"what does passage {q} say",
                         f"Passage {q}: say what?"):
            rows.append({"question": question, "answer": f"word{at}", "context": contexts[at]})
    return rows


def test_rules_are_off_by_default(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/dup.jsonl", duplicated_rows())
    repo.sidecar("data/dup.jsonl")
    result = run("check")
    assert result.code == 0, result.out
    assert not {"QP044", "QP045"} & result.codes()


def test_duplicate_questions_rule(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/dup.jsonl", duplicated_rows())
    repo.sidecar("data/dup.jsonl")
    config(repo, {"diversity": {"max-duplicate-rate": 0.5}})
    result = run("check")
    assert result.code == 1
    assert result.has("data/dup.jsonl: QP044 66.7% of the 30 questions repeat an earlier one "
                      "(33.3% verbatim, the rest near duplicates), more than "
                      "diversity.max-duplicate-rate 50%"), result.out
    config(repo, {"diversity": {"max-duplicate-rate": 0.7}})
    assert run("check").code == 0
    config(repo, {"diversity": {"max-duplicate-rate": 0.5, "min-questions": 31}})
    assert run("check").code == 0  # too few questions to judge


def test_source_concentration_rule(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/dup.jsonl", duplicated_rows())
    repo.sidecar("data/dup.jsonl")
    config(repo, {"diversity": {"max-source-gini": 0.3, "max-answers-at-start": 0.5}})
    result = run("check")
    assert result.code == 1
    # questions per context 21, 3, 3, 3: G = 2(3 + 6 + 9 + 84) / (4 * 30) - 5/4 = 0.45
    assert result.has("data/dup.jsonl: QP045 questions are concentrated on a few contexts: "
                      "Gini 0.45 over 4 contexts, more than diversity.max-source-gini 0.30"), \
        result.out
    config(repo, {"diversity": {"max-answers-at-start": 0.5}})
    result = run("check")
    assert result.has("data/dup.jsonl: QP045 100% of the 30 answers found in their context sit "
                      "in its first fifth"), result.out
    config(repo, {"diversity": {"max-answers-at-start": 0.5},
                  "rules": {"source-concentration": "off"}})
    assert run("check").code == 0


def test_folder_duplicates_across_files(repo: Repo, run: Runner) -> None:
    rows = [json.loads(line) for line in
            (REAL / "nq_open_dev_first200.jsonl").read_text("utf-8").splitlines()]
    for name in ("a", "b"):  # the same 200 questions twice: no file repeats itself
        repo.jsonl(f"data/{name}.jsonl", rows)
        repo.sidecar(f"data/{name}.jsonl")
    config(repo, {"diversity": {"max-duplicate-rate": 0.1}})
    result = run("check")
    assert result.code == 1
    assert result.has("data: QP044 50.0% of the 400 questions in this folder repeat"), result.out
    assert not result.has("data/a.jsonl: QP044")
    assert run("stats", "data").code == 1  # stats says the threshold is crossed too


def test_thresholds_per_glob(repo: Repo, run: Runner) -> None:
    for folder in ("train", "eval"):
        repo.jsonl(f"data/{folder}/dup.jsonl", duplicated_rows())
        repo.sidecar(f"data/{folder}/dup.jsonl")
    config(repo, {"overrides": [{"files": "data/train/**",
                                 "diversity": {"max-duplicate-rate": 0.5}}]})
    result = run("check")
    assert result.code == 1
    assert result.has("data/train/dup.jsonl: QP044"), result.out
    assert not result.has("data/eval/dup.jsonl: QP044")
    config(repo, {"diversity": {"max-duplicate-rate": 0.5},
                  "overrides": [{"files": "data/eval/**", "diversity": {"min-questions": 100}}]})
    result = run("check")
    assert result.has("data/train/dup.jsonl: QP044") and not result.has("data/eval/dup.jsonl")


def test_stats_notes_a_file_it_cannot_measure(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/six.jsonl", SIX)
    repo.write("data/broken.jsonl", '{"question": "Who?"}\n{"question": \n')
    repo.jsonl("data/no_questions.jsonl", [{"text": "just text"}])
    result = run("stats", "data")
    assert result.code == 0
    broken = next(line for line in result.lines if line.startswith("note: data/broken.jsonl"))
    assert "not measured (record is not valid JSON" in broken and broken.endswith("at line 2)")
    assert "note: data/no_questions.jsonl: not measured (no question field in its records)" \
        in result.out
    assert "data/six.jsonl" in result.out


# the thresholds, exactly at and just past them (pure, no records) ---------------------------------


def summary(questions: int = 20, *, near: float | None = None, exact: float | None = None,
            gini: float | None = None, positions: tuple[int, ...] = ()) -> Summary:
    return Summary("data/qa.jsonl", questions, questions, exact, near, None, {}, questions,
                   10.0, gini, sum(positions), positions)


def codes_and_messages(found: list[Problem]) -> list[str]:
    return [f"{p.rule.code} {p.message}" for p in found]


def test_a_file_of_exactly_min_questions_is_judged() -> None:
    limits = DiversityLimits(max_duplicate_rate=0.25, min_questions=20)
    assert codes_and_messages(diversity_problems(summary(20, near=0.5, exact=0.25), limits)) == [
        "QP044 50.0% of the 20 questions repeat an earlier one (25.0% verbatim, the rest near "
        "duplicates), more than diversity.max-duplicate-rate 25%"]
    assert diversity_problems(summary(19, near=0.5, exact=0.25), limits) == []


def test_a_duplicate_rate_of_exactly_the_limit_passes() -> None:
    limits = DiversityLimits(max_duplicate_rate=0.5)
    assert diversity_problems(summary(near=0.5), limits) == []
    # no verbatim rate known: none is claimed
    assert codes_and_messages(diversity_problems(summary(near=0.75), limits)) == [
        "QP044 75.0% of the 20 questions repeat an earlier one (0.0% verbatim, the rest near "
        "duplicates), more than diversity.max-duplicate-rate 50%"]


def test_a_gini_of_exactly_the_limit_passes() -> None:
    limits = DiversityLimits(max_source_gini=0.5)
    assert diversity_problems(summary(gini=0.5), limits) == []
    assert [p.rule.code for p in diversity_problems(summary(gini=0.625), limits)] == ["QP045"]


def test_answers_at_start_are_judged_from_min_questions_located_answers() -> None:
    limits = DiversityLimits(max_answers_at_start=0.5, min_questions=20)
    # 15 of 20 located answers in the first fifth: 75%
    assert codes_and_messages(diversity_problems(summary(positions=(15, 5)), limits)) == [
        "QP045 75% of the 20 answers found in their context sit in its first fifth (20% if "
        "spread evenly), more than diversity.max-answers-at-start 50%: the rest of each passage "
        "goes unasked"]
    assert diversity_problems(summary(positions=(14, 5)), limits) == []  # 19 located
    assert diversity_problems(summary(positions=(10, 10)), limits) == []  # exactly 50%
