"""Self-evaluation (QP040): evaluation sets against the lineage of the models they evaluate.

Pure graph cases with hand-written paths, then whole repositories through ``check``, including
the real AlpacaEval layout: reference answers by gpt4_1106_preview scoring GPT-4 Turbo.
"""

from __future__ import annotations

from typing import Any

from conftest import Repo, Runner, copy_real, dump_yaml, graph_of

from provenance.lineage.evaluation import describe, self_evaluations
from provenance.lineage.graph import BASE, EVALUATES, GENERATED, TRAINS, VALIDATES, LineageGraph


def explained(graph: LineageGraph) -> list[tuple[str, str]]:
    return [(found.relation, describe(graph, found)) for found in self_evaluations(graph)]


def test_an_independent_evaluation_set_passes() -> None:
    graph = graph_of(("m:B", GENERATED, "d:eval"), ("d:eval", EVALUATES, "m:A"),
                     ("m:C", VALIDATES, "d:eval"))
    assert explained(graph) == []


def test_the_evaluated_model_made_its_own_test() -> None:
    graph = graph_of(("m:A", GENERATED, "d:eval"), ("d:eval", EVALUATES, "m:A"))
    assert explained(graph) == [("same model (both 'A')",
                                 "model A generated eval -> eval evaluates A")]


def test_the_evaluated_model_judged_its_own_test() -> None:
    graph = graph_of(("m:B", GENERATED, "d:eval"), ("m:A", VALIDATES, "d:eval"),
                     ("d:eval", EVALUATES, "m:A"))
    assert explained(graph) == [("same model (both 'A')",
                                 "model A validated eval -> eval evaluates A")]


def test_a_fine_tune_of_the_model_made_the_test() -> None:
    graph = graph_of(("m:A", BASE, "m:A-ft"), ("m:A-ft", GENERATED, "d:eval"),
                     ("d:eval", EVALUATES, "m:A"))
    assert explained(graph) == [("derivative", "A-ft is a derivative of A -> model A-ft "
                                                "generated eval -> eval evaluates A")]


def test_the_base_model_made_the_test_of_its_fine_tune() -> None:
    graph = graph_of(("m:A", BASE, "m:A-ft"), ("m:A", GENERATED, "d:eval"),
                     ("d:eval", EVALUATES, "m:A-ft"))
    assert explained(graph) == [("base model", "A-ft is a derivative of A -> model A generated "
                                                "eval -> eval evaluates A-ft")]


def test_a_model_trained_on_the_evaluated_models_output_made_the_test() -> None:
    graph = graph_of(("m:A", GENERATED, "d:synth"), ("d:synth", TRAINS, "m:S"),
                     ("m:S", GENERATED, "d:eval"), ("d:eval", EVALUATES, "m:A"))
    assert explained(graph) == [(
        "trained on its output",
        "model A generated synth -> S trained on synth -> model S generated eval -> "
        "eval evaluates A")]


def test_held_out_excludes_the_whole_lineage_of_the_evaluated_model() -> None:
    edges = (("m:T", GENERATED, "d:train"), ("d:train", TRAINS, "m:A"),
             ("m:T", GENERATED, "d:eval"), ("d:eval", EVALUATES, "m:A"))
    assert explained(graph_of(*edges)) == []  # not claimed held out: the teacher may write tests
    [found] = self_evaluations(graph_of(*edges, held_out=("d:eval",)))
    assert found.held_out_only
    assert describe(graph_of(*edges, held_out=("d:eval",)), found) == (
        "model T generated train -> A trained on train -> model T generated eval -> "
        "eval evaluates A")


def test_a_policy_relation_the_graph_cannot_see() -> None:
    graph = graph_of(("m:gpt-4o-mini", GENERATED, "d:eval"), ("d:eval", EVALUATES, "m:gpt-4o"))
    seen: list[tuple[str, str, str]] = []

    def family(dataset: str, agent: str, model: str) -> str | None:
        seen.append((dataset, agent, model))
        return "same family 'gpt-4o'"

    [found] = self_evaluations(graph, family)
    assert (found.relation, seen) == ("same family 'gpt-4o'", [("eval", "gpt-4o-mini", "gpt-4o")])


# Whole repositories -------------------------------------------------------------------------

EVAL_ROWS = [{"question": "Which gas do plants take in to make their food?",
              "answer": "carbon dioxide",
              "context": "Plants take in carbon dioxide and water to make glucose."}]

def config(repo: Repo, settings: dict[str, Any]) -> None:
    repo.write(".qa-provenance.yaml", dump_yaml(settings))


def test_alpacaeval_references_by_the_model_they_score(repo: Repo, run: Runner) -> None:
    """AlpacaEval 2.0's reference outputs come from gpt4_1106_preview; a leaderboard entry for
    GPT-4 Turbo scored against them is the model graded against its own answers."""
    rel = copy_real(repo, "alpacaeval_gpt4_1106_preview_model_outputs_first100.json",
                    "data/eval/alpacaeval_reference_outputs.json")
    repo.sidecar(rel, generator=None, validator={"type": "human", "id": "AlpacaEval maintainers"},
                 evaluates=["openai/gpt-4-turbo-2024-04-09"], held_out=True)
    result = run("check")
    assert result.code == 1, result.out
    [line] = [line for line in result.lines if "QP040" in line]
    assert line.startswith(f"{rel}.provenance.yaml: QP040 ")
    assert ("evaluates 'openai/gpt-4-turbo-2024-04-09', but was made by its same model "
            "(both 'gpt-4-turbo')") in line
    assert line.endswith(f"model gpt4_1106_preview generated {rel} -> {rel} evaluates "
                         "openai/gpt-4-turbo-2024-04-09")


def test_a_clean_evaluation_pair_passes(repo: Repo, run: Runner) -> None:
    rel = copy_real(repo, "alpacaeval_gpt4_1106_preview_model_outputs_first100.json",
                    "data/eval/alpacaeval_reference_outputs.json")
    repo.sidecar(rel, generator=None, validator={"type": "human", "id": "AlpacaEval maintainers"},
                 evaluates=["meta-llama/Llama-3.1-8B-Instruct"], held_out=True)
    result = run("check")
    assert result.code == 0, result.out


def test_student_distilled_from_the_teacher_on_the_teachers_held_out_test(repo: Repo,
                                                                          run: Runner) -> None:
    repo.jsonl("data/train/distill.jsonl")
    repo.sidecar("data/train/distill.jsonl",
                 generator={"type": "model", "id": "openai/gpt-4o-2024-08-06"},
                 validator={"type": "human", "id": "Acme Annotation Team"},
                 trains=["acme/student-8b"])
    repo.jsonl("data/eval/heldout.jsonl", EVAL_ROWS)  # other records: no contamination
    repo.sidecar("data/eval/heldout.jsonl",
                 generator={"type": "model", "id": "azure/GPT-4o"},
                 validator={"type": "human", "id": "Acme Annotation Team"},
                 evaluates=["acme/student-8b"], held_out=True)
    result = run("check")
    assert result.code == 1
    [line] = [line for line in result.lines if "QP040" in line]
    assert line.startswith("data/eval/heldout.jsonl.provenance.yaml: QP040 held-out set "
                           "evaluates 'acme/student-8b', but a model in its lineage made it: ")
    # One model under two spellings (the graph names it by the first it met).
    assert line.split(": ", 2)[2].replace("azure/GPT-4o", "openai/gpt-4o-2024-08-06") == (
        "model openai/gpt-4o-2024-08-06 generated data/train/distill.jsonl -> acme/student-8b "
        "trained on data/train/distill.jsonl -> model openai/gpt-4o-2024-08-06 generated "
        "data/eval/heldout.jsonl -> data/eval/heldout.jsonl evaluates acme/student-8b")
    # The same set, not claimed held out, is a fair test of the student.
    repo.sidecar("data/eval/heldout.jsonl",
                 generator={"type": "model", "id": "azure/GPT-4o"},
                 validator={"type": "human", "id": "Acme Annotation Team"},
                 evaluates=["acme/student-8b"])
    assert run("check").code == 0


def test_a_fine_tune_grading_its_base_model(repo: Repo, run: Runner) -> None:
    config(repo, {"models": [{"id": "acme/llama-ft",
                              "base_model": "meta-llama/Llama-3.1-8B-Instruct"}]})
    repo.jsonl("data/eval/qa.jsonl")
    repo.sidecar("data/eval/qa.jsonl", generator={"type": "model", "id": "acme/llama-ft"},
                 validator={"type": "human", "id": "Acme Annotation Team"},
                 evaluates=["meta-llama/Llama-3.1-8B-Instruct"])
    result = run("check")
    assert result.code == 1
    assert any("QP040" in line and "derivative" in line for line in result.lines), result.out


def test_a_hook_run_on_another_file_does_not_report_it(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/eval/qa.jsonl")
    repo.sidecar("data/eval/qa.jsonl", generator={"type": "model", "id": "openai/gpt-4o"},
                 validator={"type": "human", "id": "Acme Annotation Team"},
                 evaluates=["gpt-4o"])
    repo.jsonl("data/other.jsonl")
    repo.sidecar("data/other.jsonl")
    assert run("check", "data/other.jsonl").code == 0
    assert run("check", "data/eval/qa.jsonl").code == 1
