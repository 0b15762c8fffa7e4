"""The gap across rounds: evaluation results as provenance (QP042) and self-study drift (QP043).

Pure cases for the intervals and the three signs, then whole repositories through the CLI: a real
held-out set (NQ-open, written by people) against self-generated sets the model wrote, results
recorded with ``record-eval`` or imported from an lm-evaluation-harness results file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, Runner, copy_real, dump_yaml

from provenance.evaluation import lm_eval
from provenance.evaluation.charts import mermaid
from provenance.evaluation.drift import GAP, HELD_OUT_DECLINE, REPLACE, Model, Round, signs
from provenance.evaluation.intervals import Estimate, estimate, pooled, wilson, z_of
from provenance.evaluation.results import Result, ResultsError, parse, render
from provenance.evaluation.settings import DriftSettings

FIXTURES = Path(__file__).parent / "fixtures"
LM_EVAL = FIXTURES / "lm_eval" / "results_2026-11-30T14-02-11.123456.json"
MODEL = "acme/qa-7b"
GROWING = ([0.60, 0.72, 0.83, 0.91], [0.58, 0.55, 0.50, 0.46])  # S rises, H falls
TOGETHER = ([0.60, 0.66, 0.71, 0.75], [0.55, 0.61, 0.66, 0.70])  # both rise, the gap stays


# Intervals --------------------------------------------------------------------------------

def test_wilson_interval_matches_the_textbook_values() -> None:
    low, high = wilson(0.5, 100, 1.96)
    assert (round(low, 4), round(high, 4)) == (0.4038, 0.5962)
    assert round(z_of(0.95), 3) == 1.96


def test_wilson_stays_inside_zero_and_one_at_the_edges() -> None:
    low, high = wilson(1.0, 20, 1.96)
    assert high == 1.0 and 0.8 < low < 0.9  # a perfect score on 20 items is not certainty
    low, high = wilson(0.0, 20, 1.96)
    assert low == 0.0 and 0.1 < high < 0.2


def test_a_reported_stderr_gives_a_normal_interval_and_other_scores_none() -> None:
    assert estimate(0.4, 200, 0.03).interval(2.0) == pytest.approx((0.34, 0.46))
    assert estimate(23.5, 200).interval(1.96) is None  # BLEU without a stderr: no interval


def test_pooling_counts_all_items_together() -> None:
    both = pooled([estimate(0.8, 100), estimate(0.4, 300)])
    assert both is not None and both.n == 400 and both.value == pytest.approx(0.5)
    assert both.interval(1.96) == wilson(0.5, 400, 1.96)


# The three signs --------------------------------------------------------------------------

def model_of(selfs: list[float], helds: list[float], n: int = 1000,
             generated: list[bool | None] | None = None) -> Model:
    rounds = tuple(
        Round(r, Estimate(s, n), Estimate(h, n), (f"data/train/round{r}.jsonl",),
              generated[r] if generated else None, line=r + 1)
        for r, (s, h) in enumerate(zip(selfs, helds)))
    return Model(MODEL, MODEL, "exact_match", rounds)


def kinds(model: Model, **settings: Any) -> list[str]:
    return [sign.kind for sign in signs(model, DriftSettings(**settings))]


def test_a_gap_that_grows_over_four_rounds_fires() -> None:
    [gap, decline] = signs(model_of(*GROWING), DriftSettings())
    assert (gap.kind, gap.round, gap.line) == (GAP, 3, 4)
    assert "grew in each of 3 rounds, from +0.020 (round 0) to +0.450 (round 3)" in gap.message
    assert (decline.kind, decline.round) == (HELD_OUT_DECLINE, 3)
    assert "0.120 below its best (0.580, round 0" in decline.message


def test_both_curves_rising_together_does_not_fire() -> None:
    assert kinds(model_of(*TOGETHER)) == []


def test_small_samples_do_not_fire_on_the_same_curves() -> None:
    """The same growing gap measured on 20 items per set is within its intervals."""
    assert kinds(model_of(*GROWING, n=20)) == []
    assert kinds(model_of(*GROWING, n=1000)) == [GAP, HELD_OUT_DECLINE]


def test_a_change_just_outside_the_threshold_but_inside_the_interval_does_not_fire() -> None:
    selfs, helds = [0.50, 0.53, 0.56], [0.50, 0.50, 0.50]  # gap +0.06 over 2 rounds
    assert kinds(model_of(selfs, helds, n=200)) == []  # the interval is about ±0.07
    assert kinds(model_of(selfs, helds, n=20000)) == [GAP]


def test_rounds_and_thresholds_are_settings() -> None:
    model = model_of([0.60, 0.70, 0.70], [0.60, 0.55, 0.50])  # gap grows twice, S flat once
    assert kinds(model) == [GAP, HELD_OUT_DECLINE]
    assert GAP not in kinds(model, rounds=3)
    assert GAP not in kinds(model, gap_growth=0.25)
    assert HELD_OUT_DECLINE not in kinds(model, held_out_drop=0.2)


def test_a_round_with_a_missing_score_breaks_the_run() -> None:
    model = model_of(*GROWING)
    gapped = Model(MODEL, MODEL, "exact_match", (
        *model.rounds[:2], Round(2, Estimate(0.83, 1000), None), model.rounds[3]))
    assert GAP not in kinds(gapped)


def test_replace_regime_fires_only_without_real_data() -> None:
    flat = ([0.6, 0.6, 0.6], [0.6, 0.6, 0.6])
    [sign] = signs(model_of(*flat, generated=[True, True, True]), DriftSettings())
    assert (sign.kind, sign.round) == (REPLACE, 2)
    assert "rounds 1, 2 trained only on model-generated data" in sign.message
    assert kinds(model_of(*flat, generated=[True, False, None])) == []
    assert kinds(model_of(*flat, generated=[True, True, True]), replace_regime=False) == []


# Charts -----------------------------------------------------------------------------------

def test_mermaid_block_draws_both_curves_and_the_gap() -> None:
    block = mermaid(model_of(*GROWING))
    assert block.startswith("```mermaid\n") and block.endswith("```\n")
    assert "xychart-beta" in block
    assert '  x-axis "round" [0, 1, 2, 3]' in block
    assert '  y-axis "exact_match" 0 --> 1' in block
    assert "  line [0.6, 0.72, 0.83, 0.91]" in block
    assert "  line [0.58, 0.55, 0.5, 0.46]" in block
    assert "  line [0.02, 0.17, 0.33, 0.45]" in block


def test_mermaid_axis_reaches_below_zero_for_a_negative_gap() -> None:
    block = mermaid(model_of([0.3, 0.3], [0.6, 0.6]))
    assert '"exact_match" -0.3 --> 1' in block


# The results file -------------------------------------------------------------------------

def result(**fields: Any) -> Result:
    base: dict[str, Any] = dict(model=MODEL, round=1, dataset="data/eval/nq.jsonl",
                                sha256="a" * 64, metric="exact_match", score=0.5, n=200,
                                time="2026-12-01T10:00:00Z")
    base.update(fields)
    return Result(**base)


def test_results_render_and_parse_back() -> None:
    from provenance.record import Agent

    written = [result(), result(round=2, claimed="held-out", stderr=0.03, task="nq_open",
                                judge=Agent("model", "openai/gpt-4o"),
                                trained_on=("data/train/r2.jsonl",), source="lm-eval 0.4.8")]
    text = render(written)
    assert text.startswith("# Evaluation results recorded by `qa-provenance record-eval`")
    assert parse(text) == written
    assert [r.line for r in parse(text)] == [5, 14]


def test_an_invalid_results_file_names_its_line() -> None:
    text = render([result()]).replace("n: 200", "n: 0")
    with pytest.raises(ResultsError) as caught:
        parse(text)
    assert caught.value.line == 12 and "results[0].n" in caught.value.message


# Whole repositories -----------------------------------------------------------------------

def drift_repo(repo: Repo, curves: tuple[list[float], list[float]] = GROWING, n: int = 1000
               ) -> list[str]:
    """NQ-open (written by people: held out for any model) and one self-generated set per
    round, each with provenance, and the results recorded through the CLI."""
    held = copy_real(repo, "nq_open_dev_first200.jsonl", "data/eval/nq_open.jsonl")
    repo.sidecar(held, generator={"type": "human", "id": "Google NQ annotators"},
                 validator={"type": "human", "id": "NQ-open maintainers"})
    written = [held]
    for r in range(len(curves[0])):
        rel = f"data/selfgen/round{r}.jsonl"
        repo.jsonl(rel, [{"question": f"What did round {r} ask, number {i}?", "answer": "this"}
                         for i in range(3)])
        repo.sidecar(rel, generator={"type": "model", "id": MODEL},
                     validator={"type": "human", "id": "Acme reviewers"})
        written.append(rel)
    return written


def record_rounds(run: Runner, curves: tuple[list[float], list[float]], n: int = 1000,
                  *extra: str) -> None:
    for r, (s, h) in enumerate(zip(*curves)):
        for dataset, score in ((f"data/selfgen/round{r}.jsonl", s),
                               ("data/eval/nq_open.jsonl", h)):
            done = run("record-eval", "--model", MODEL, "--round", str(r), "--dataset", dataset,
                       "--metric", "exact_match", "--score", str(score), "--n", str(n), *extra)
            assert done.code == 0, done.err


def test_check_fires_on_a_growing_gap_from_recorded_results(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    record_rounds(run, GROWING)
    checked = run("check")
    drift = [line for line in checked.lines if "QP043" in line]
    assert len(drift) == 2 and all(line.startswith("evaluations.yaml:") for line in drift)
    assert "QP042" not in checked.out
    assert checked.code == 0  # QP043 warns by default; the stamps are fine
    config(repo, {"rules": {"self-study-drift": "error"}})
    assert run("check").code == 1


def test_check_is_quiet_when_both_curves_rise(repo: Repo, run: Runner) -> None:
    drift_repo(repo, TOGETHER)
    record_rounds(run, TOGETHER)
    checked = run("check")
    assert checked.code == 0 and "QP043" not in checked.out and "QP042" not in checked.out


def test_small_n_in_a_repository_does_not_fire(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    record_rounds(run, GROWING, 20)
    assert "QP043" not in run("check").out


def test_record_eval_round_trip(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    done = run("record-eval", "--model", MODEL, "--round", "2", "--dataset",
               "data/eval/nq_open.jsonl", "--metric", "exact_match", "--score", "0.5",
               "--n", "200", "--stderr", "0.035", "--judge", "human:Acme raters",
               "--class", "held-out", "--trained-on", "data/selfgen/round1.jsonl",
               "--time", "2026-12-01T11:00:00+01:00")
    assert done.code == 0, done.err
    assert done.out == ("recorded in evaluations.yaml: acme/qa-7b round 2 on "
                        "data/eval/nq_open.jsonl: exact_match = 0.5 (n=200)\n")
    [entry] = repo.load_yaml("evaluations.yaml")["results"]
    assert entry == {
        "model": MODEL, "round": 2,
        "dataset": {"path": "data/eval/nq_open.jsonl",
                    "sha256": repo.sha256("data/eval/nq_open.jsonl")},
        "class": "held-out", "metric": "exact_match", "score": 0.5, "n": 200, "stderr": 0.035,
        "judge": {"type": "human", "id": "Acme raters"},
        "trained_on": ["data/selfgen/round1.jsonl"], "time": "2026-12-01T10:00:00Z"}
    assert run("check").code == 0


@pytest.mark.parametrize("args, message", [
    (("--dataset", "data/none.jsonl", "--metric", "acc", "--score", "0.5", "--n", "10"),
     "data/none.jsonl: not a file of the repository"),
    (("--dataset", "data/eval/nq_open.jsonl", "--metric", "acc", "--score", "0.5"),
     "--dataset needs --n"),
    (("--dataset", "data/eval/nq_open.jsonl", "--metric", "acc", "--score", "0.5", "--n", "0"),
     "--n must be at least 1"),
    (("--dataset", "data/eval/nq_open.jsonl", "--metric", "acc", "--score", "nan", "--n", "5"),
     "the score must be a finite number"),
    (("--dataset", "../outside.jsonl", "--metric", "acc", "--score", "0.5", "--n", "5"),
     "outside the checked root"),
])
def test_record_eval_refuses_bad_input_and_writes_nothing(repo: Repo, run: Runner,
                                                          args: tuple[str, ...],
                                                          message: str) -> None:
    drift_repo(repo)
    done = run("record-eval", "--model", MODEL, "--round", "1", *args)
    assert done.code == 2 and message in done.err, done.err
    assert len(done.err.splitlines()) == 1
    assert not repo.exists("evaluations.yaml")


def test_record_eval_leaves_an_invalid_results_file_alone(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    repo.write("evaluations.yaml", "results:\n  - model: x\n")
    before = repo.read("evaluations.yaml")
    done = run("record-eval", "--model", MODEL, "--round", "1", "--dataset",
               "data/eval/nq_open.jsonl", "--metric", "acc", "--score", "0.5", "--n", "5")
    assert done.code == 2
    assert done.err.startswith("qa-provenance record-eval: evaluations.yaml:2: results[0]")
    assert repo.read("evaluations.yaml") == before


# lm-evaluation-harness --------------------------------------------------------------------

def test_lm_eval_results_are_read_per_leaf_task() -> None:
    run = lm_eval.read(json.loads(LM_EVAL.read_text()))
    assert run.source == "lm-evaluation-harness 0.4.8"
    assert run.time == "2025-11-30T14:02:11Z"
    by_task = {s.task: s for s in run.scores}
    nq = by_task["nq_open"]
    assert (nq.metric, nq.score, nq.stderr, nq.n) == (
        "exact_match,remove_whitespace", 0.2325, 0.02993477, 200)
    assert nq.candidates == ("nq_open",)
    own = by_task["acme_selfgen_qa"]
    assert (own.metric, own.score, own.n) == ("exact_match", 0.84, 100)
    assert own.candidates == ("data/selfgen/round2.jsonl", "json")
    data = json.loads(LM_EVAL.read_text())
    with pytest.raises(lm_eval.LmEvalError, match="task 'nq_open' has no metric 'f1'"):
        lm_eval.read(data, "f1")
    del data["results"]["nq_open"]
    [f1] = lm_eval.read(data, "f1").scores
    assert (f1.metric, f1.score, f1.stderr) == ("f1", 0.8912, None)  # the harness's "N/A"


@pytest.mark.parametrize("data, message", [
    ({"results": {}}, "no 'n-samples'"),
    ([1, 2], "not an lm-evaluation-harness results file"),
    ({"results": {"t": {"acc,none": 0.5}}, "n-samples": {"t": {"original": 0}}},
     "task 't': no item count"),
])
def test_lm_eval_files_that_cannot_be_used(data: Any, message: str) -> None:
    with pytest.raises(lm_eval.LmEvalError, match=message):
        lm_eval.read(data)


def test_task_mapping_takes_exact_names_before_globs() -> None:
    mapping = {"mmlu_*": "data/eval/mmlu.jsonl", "mmlu_law": "data/eval/law.jsonl"}
    assert lm_eval.dataset_for("mmlu_law", mapping) == "data/eval/law.jsonl"
    assert lm_eval.dataset_for("mmlu_anatomy", mapping) == "data/eval/mmlu.jsonl"
    assert lm_eval.dataset_for("gsm8k", mapping) is None


def test_record_eval_imports_an_lm_eval_results_file(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    shutil.copy(LM_EVAL, repo.path("results.json"))
    unmapped = run("record-eval", "--model", MODEL, "--round", "2", "--lm-eval",
                   "results.json")
    assert unmapped.code == 2
    assert "no dataset of this repository for task nq_open: give --task TASK=PATH" in \
        unmapped.err
    assert not repo.exists("evaluations.yaml")
    done = run("record-eval", "--model", MODEL, "--round", "2", "--lm-eval", "results.json",
               "--task", "nq_open=data/eval/nq_open.jsonl")
    assert done.code == 0, done.err
    entries = repo.load_yaml("evaluations.yaml")["results"]
    assert [(e["task"], e["dataset"]["path"], e["metric"], e["score"], e["n"])
            for e in entries] == [
        ("acme_selfgen_qa", "data/selfgen/round2.jsonl", "exact_match", 0.84, 100),
        ("nq_open", "data/eval/nq_open.jsonl", "exact_match,remove_whitespace", 0.2325, 200)]
    assert {e["source"] for e in entries} == {"lm-evaluation-harness 0.4.8"}
    assert {e["time"] for e in entries} == {"2025-11-30T14:02:11Z"}
    assert entries[1]["stderr"] == 0.02993477


def test_the_configuration_maps_tasks(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    config(repo, {"evaluations": {"tasks": {"nq_*": "data/eval/nq_open.jsonl"}}})
    shutil.copy(LM_EVAL, repo.path("results.json"))
    done = run("record-eval", "--model", MODEL, "--round", "2", "--lm-eval", "results.json")
    assert done.code == 0, done.err


# QP042: results whose provenance does not hold ---------------------------------------------

def qp042(out: str) -> list[str]:
    return [line for line in out.splitlines() if "QP042" in line]


def test_a_result_on_a_dataset_without_provenance(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    repo.jsonl("data/eval/bare.jsonl")
    assert run("record-eval", "--model", MODEL, "--round", "0", "--dataset",
               "data/eval/bare.jsonl", "--metric", "acc", "--score", "0.5", "--n", "3").code == 0
    [line] = qp042(run("check").out)
    assert line.startswith("evaluations.yaml:5: QP042 'acme/qa-7b' round 0 acc: ")
    assert "data/eval/bare.jsonl has no provenance record" in line


def test_a_dataset_changed_since_it_was_evaluated(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    record_rounds(run, TOGETHER)
    repo.jsonl("data/selfgen/round1.jsonl", [{"question": "new?", "answer": "new"}])
    repo.sidecar("data/selfgen/round1.jsonl", generator={"type": "model", "id": MODEL},
                 validator={"type": "human", "id": "Acme reviewers"})
    [line] = qp042(run("check").out)
    assert "data/selfgen/round1.jsonl changed since it was evaluated on" in line


def test_a_held_out_claim_on_a_self_generated_set(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    done = run("record-eval", "--model", "Acme/QA-7B", "--round", "1", "--dataset",
               "data/selfgen/round1.jsonl", "--metric", "acc", "--score", "0.9", "--n", "3",
               "--class", "held-out")
    assert done.code == 0
    [line] = qp042(run("check").out)
    assert ("result claims data/selfgen/round1.jsonl is held out for 'Acme/QA-7B', but its "
            "same model (both 'qa-7b') made it: model acme/qa-7b generated "
            "data/selfgen/round1.jsonl") in line


def test_a_self_generated_claim_on_an_independent_set(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    run("record-eval", "--model", MODEL, "--round", "1", "--dataset",
        "data/eval/nq_open.jsonl", "--metric", "acc", "--score", "0.5", "--n", "200",
        "--class", "self-generated")
    [line] = qp042(run("check").out)
    assert "claims data/eval/nq_open.jsonl is self-generated for 'acme/qa-7b', but its " \
        "provenance names no model of that lineage" in line


def test_a_set_made_by_the_teacher_is_not_held_out_for_the_student(repo: Repo,
                                                                    run: Runner) -> None:
    """The class follows the lineage: a student distilled from the teacher's output is scored
    on the teacher's questions: self-generated, through the training set."""
    drift_repo(repo)
    repo.jsonl("data/train/distill.jsonl")
    repo.sidecar("data/train/distill.jsonl", generator={"type": "model", "id": "acme/teacher"},
                 validator={"type": "human", "id": "Acme reviewers"}, trains=[MODEL])
    repo.jsonl("data/eval/teacher_test.jsonl", [{"question": "Why?", "answer": "Because."}])
    repo.sidecar("data/eval/teacher_test.jsonl",
                 generator={"type": "model", "id": "acme/teacher"},
                 validator={"type": "human", "id": "Acme reviewers"})
    run("record-eval", "--model", MODEL, "--round", "1", "--dataset",
        "data/eval/teacher_test.jsonl", "--metric", "acc", "--score", "0.5", "--n", "1",
        "--class", "held-out")
    [line] = qp042(run("check").out)
    assert ("but a model in its lineage made it: model acme/teacher generated "
            "data/train/distill.jsonl -> acme/qa-7b trained on data/train/distill.jsonl") in line


def test_a_held_out_score_judged_by_the_model_itself(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    run("record-eval", "--model", MODEL, "--round", "1", "--dataset",
        "data/eval/nq_open.jsonl", "--metric", "win-rate", "--score", "0.5", "--n", "200",
        "--judge", f"model:{MODEL}")
    [line] = qp042(run("check").out)
    assert f"the held-out score on data/eval/nq_open.jsonl was judged by '{MODEL}'" in line


def test_an_invalid_results_file_is_a_finding_with_its_line(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    repo.write("evaluations.yaml", "version: 1\nresults:\n  - model: x\n    round: -1\n")
    checked = run("check")
    [line] = qp042(checked.out)
    assert line.startswith("evaluations.yaml:3: QP042 invalid results file: results[0]")
    assert checked.code == 1


def test_a_partial_run_reads_results_only_when_they_concern_it(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    repo.jsonl("data/other.jsonl")
    repo.sidecar("data/other.jsonl")
    repo.jsonl("data/eval/bare.jsonl")
    run("record-eval", "--model", MODEL, "--round", "0", "--dataset", "data/eval/bare.jsonl",
        "--metric", "acc", "--score", "0.5", "--n", "3")
    assert qp042(run("check", "data/other.jsonl").out) == []
    assert len(qp042(run("check", "evaluations.yaml").out)) == 1
    assert len(qp042(run("check", "data/eval/bare.jsonl").out)) == 1


# The drift command ------------------------------------------------------------------------

def test_drift_prints_the_table_and_the_signs(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    record_rounds(run, GROWING)
    shown = run("drift")
    assert shown.code == 0
    lines = shown.out.splitlines()
    assert lines[0] == "acme/qa-7b (exact_match; 95% intervals)"
    assert lines[1].split() == ["round", "self-generated", "S", "held-out", "H", "gap", "S-H"]
    assert lines[2].split() == ["0", "0.600", "[0.569,", "0.630]", "n=1000", "0.580",
                                "[0.549,", "0.610]", "n=1000", "+0.020", "±0.044"]
    assert sum("QP043 warn: gap-growth" in line for line in lines) == 1


def test_drift_for_one_model_and_an_unknown_one(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    record_rounds(run, TOGETHER)
    assert run("drift", "ACME/qa-7b").code == 0
    unknown = run("drift", "other/model")
    assert unknown.code == 2 and "no results for 'other/model'" in unknown.err


def test_drift_without_results_is_a_usage_error(repo: Repo, run: Runner) -> None:
    done = run("drift")
    assert done.code == 2 and "no evaluation results in evaluations.yaml" in done.err


def test_drift_github_writes_the_mermaid_chart_to_the_step_summary(
        repo: Repo, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    drift_repo(repo)
    record_rounds(run, GROWING)
    summary = repo.path("summary.md")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    shown = run("drift", "--format", "github")
    assert shown.code == 0
    assert "::warning file=evaluations.yaml,line=" in shown.out
    text = summary.read_text()
    assert text.startswith("## qa-provenance drift: self-generated vs held-out scores")
    assert "```mermaid" in text and "xychart-beta" in text
    assert "| 3 | 0.910 [0.891, 0.926] n=1000 | 0.460 [0.429, 0.491] n=1000 |" in text


def test_drift_plot_writes_a_png(repo: Repo, run: Runner) -> None:
    pytest.importorskip("matplotlib")
    drift_repo(repo)
    record_rounds(run, GROWING)
    shown = run("drift", "--plot", "drift.png")
    assert shown.code == 0, shown.err
    assert repo.path("drift.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_drift_plot_without_matplotlib_says_so_in_one_line(repo: Repo, run: Runner,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    drift_repo(repo)
    record_rounds(run, GROWING)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # an import of it fails
    shown = run("drift", "--plot", "drift.png")
    assert shown.code == 2
    assert shown.err == ("qa-provenance drift: --plot needs matplotlib: pip install "
                         "'qa-provenance[plot]'\n")


def test_drift_settings_come_from_the_configuration(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    record_rounds(run, GROWING)
    config(repo, {"evaluations": {"drift": {"rounds": 4, "held-out-drop": 0.5,
                                            "confidence": 0.99}}})
    shown = run("drift")
    assert "QP043" not in shown.out and "99% intervals" in shown.out
    config(repo, {"evaluations": {"drift": {"rounds": 0}}})
    bad = run("drift")
    assert bad.code == 2 and ".qa-provenance.yaml" in bad.err


def test_a_commit_without_datasets_does_not_read_the_results(repo: Repo, run: Runner) -> None:
    """The hook on a commit of code only imports nothing heavy, even with results present."""
    drift_repo(repo)
    record_rounds(run, TOGETHER)
    repo.write("src/main.py", "print('hello')\n")
    probe = ("import json, sys\nfrom provenance.cli import main\n"
             "code = main(['check', 'src/main.py'])\n"
             "print(json.dumps({'code': code, 'yaml': 'yaml' in sys.modules}))\n")
    for _ in range(2):  # the first run may parse and remember the configuration
        done = subprocess.run([sys.executable, "-c", probe], cwd=repo.root, capture_output=True,
                              text=True, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == {"code": 0, "yaml": False}


def config(repo: Repo, settings: dict[str, Any]) -> None:
    repo.write(".qa-provenance.yaml", dump_yaml(settings))


def test_drift_reads_provenance_embedded_in_the_data_as_check_does(repo: Repo,
                                                                   run: Runner) -> None:
    drift_repo(repo)
    repo.write("data/selfgen/embedded.json", json.dumps({
        "provenance": {"generator": {"type": "model", "id": MODEL},
                       "validator": {"type": "human", "id": "Acme reviewers"}},
        "examples": [{"question": "Who wrote this?", "answer": "acme/qa-7b"}]}))
    run("record-eval", "--model", MODEL, "--round", "1", "--dataset",
        "data/selfgen/embedded.json", "--metric", "acc", "--score", "0.9", "--n", "1",
        "--class", "held-out")
    for command in ("check", "drift"):
        [line] = qp042(run(command).out)
        assert "is held out for 'acme/qa-7b', but its same model" in line, command


def test_naming_the_results_file_checks_it_without_a_note(repo: Repo, run: Runner) -> None:
    drift_repo(repo)
    record_rounds(run, GROWING)
    checked = run("check", "evaluations.yaml")
    assert "QP043" in checked.out and "not a QA dataset" not in checked.err + checked.out


def test_changed_since_checks_a_changed_results_file(repo: Repo, run: Runner) -> None:
    """A pull request that only records a new round is checked for drift in CI."""
    drift_repo(repo)
    record_rounds(run, (GROWING[0][:3], GROWING[1][:3]))
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "rounds 0-2"],
                 ["branch", "base"]):
        subprocess.run([*git, *args], cwd=repo.root, check=True, capture_output=True)
    assert "QP043" not in run("check", "--changed-since", "base").out
    for dataset, score in (("data/selfgen/round3.jsonl", "0.91"),
                           ("data/eval/nq_open.jsonl", "0.46")):
        run("record-eval", "--model", MODEL, "--round", "3", "--dataset", dataset, "--metric",
            "exact_match", "--score", score, "--n", "1000")
    subprocess.run([*git, "commit", "-qam", "round 3"], cwd=repo.root, check=True,
                   capture_output=True)
    checked = run("check", "--changed-since", "base")
    assert "QP043" in checked.out and "0 data files checked" in checked.out
