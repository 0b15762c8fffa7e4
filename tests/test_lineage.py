"""Loops across datasets and models (QP016): pure graph tests of ``LineageGraph.loops()``, then
whole repositories built from real sidecars, ``models:`` entries and model cards, with cycles of
length 1 to 4 and beyond, acyclic look-alikes that must pass, and hook-style runs."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Repo, Runner, copy_real, dump_yaml, graph_of

from provenance.lineage.graph import (
    BASE,
    DERIVED,
    GENERATED,
    TRAINS,
    VALIDATES,
    Edge,
    LineageGraph,
    Loop,
)

# pure graph tests ------------------------------------------------------------------------------


def described(graph: LineageGraph) -> list[str]:
    return [graph.describe(loop) for loop in graph.loops()]


def test_no_edges_no_loops() -> None:
    assert LineageGraph().loops() == []
    assert graph_of(("m:A", GENERATED, "d:d1")).loops() == []


def test_model_validating_its_own_data() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"), ("m:A", VALIDATES, "d:d1"))
    [loop] = graph.loops()
    assert loop == Loop(VALIDATES, "d:d1", (Edge("m:A", "d:d1", GENERATED),),
                        Edge("m:A", "d:d1", VALIDATES))
    assert not loop.through_data  # the per-file rule (QP010) reports this one
    assert graph.describe(loop) == "model A generated d1 -> A validates d1"


def test_model_trained_on_its_own_data() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"), ("d:d1", TRAINS, "m:A"))
    [loop] = graph.loops()
    assert (loop.kind, loop.dataset, loop.through_data) == (TRAINS, "d:d1", False)
    assert graph.describe(loop) == "model A generated d1 -> A trained on d1"


def test_training_loop_through_a_derived_dataset() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"), ("d:d1", DERIVED, "d:d2"),
                     ("d:d2", TRAINS, "m:A"))
    [loop] = graph.loops()
    assert loop.through_data
    assert graph.describe(loop) == "model A generated d1 -> d2 derived from d1 -> A trained on d2"


def test_validation_loop_through_a_derived_dataset() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"), ("d:d1", DERIVED, "d:d2"),
                     ("m:A", VALIDATES, "d:d2"))
    assert described(graph) == ["model A generated d1 -> d2 derived from d1 -> A validates d2"]


def test_distilled_model_validates_its_teachers_data() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"), ("d:d1", TRAINS, "m:B"),
                     ("m:B", VALIDATES, "d:d1"))
    # the step both paths share is said once
    assert described(graph) == ["model A generated d1 -> B trained on d1 -> B validates d1"]


def test_the_issue_example() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"), ("d:d1", DERIVED, "d:d2"),
                     ("d:d2", TRAINS, "m:B"), ("m:A", GENERATED, "d:d3"),
                     ("m:B", VALIDATES, "d:d3"))
    assert described(graph) == [
        "model A generated d1 -> d2 derived from d1 -> B trained on d2 -> model A generated d3 "
        "-> B validates d3"
    ]


def test_training_cycle_through_two_models() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"), ("d:d1", TRAINS, "m:B"),
                     ("m:B", GENERATED, "d:d2"), ("d:d2", TRAINS, "m:A"))
    loops = graph.loops()
    assert {(loop.kind, loop.dataset) for loop in loops} == {(TRAINS, "d:d1"), (TRAINS, "d:d2")}
    assert "model A generated d1 -> B trained on d1 -> model B generated d2 -> A trained on d2" \
        in described(graph)


def test_base_model_validating_its_fine_tunes_output() -> None:
    graph = graph_of(("m:A", BASE, "m:B"), ("m:B", GENERATED, "d:d1"), ("m:A", VALIDATES, "d:d1"))
    [loop] = graph.loops()
    assert not loop.through_data  # the registry says derived: the per-file rule reports it
    assert graph.describe(loop) == "B is a derivative of A -> model B generated d1 -> " \
                                   "A validates d1"


def test_fine_tune_validating_its_bases_output() -> None:
    graph = LineageGraph()
    for node in ("m:A", "m:B", "d:d1"):
        graph.add_node(node, node[2:])
    graph.add_edge("m:A", "m:B", BASE, "finetune")
    graph.add_edge("m:A", "d:d1", GENERATED)
    graph.add_edge("m:B", "d:d1", VALIDATES)
    assert described(graph) == ["B is a finetune of A -> model A generated d1 -> B validates d1"]


def test_siblings_are_a_family_not_a_loop() -> None:
    """Two fine-tunes of one base: one generated d1, d2 is derived from it, the other validates
    d2. They share an ancestor and nothing else; the family rule (QP013) covers them."""
    graph = graph_of(("m:Base", BASE, "m:B"), ("m:Base", BASE, "m:C"),
                     ("m:B", GENERATED, "d:d1"), ("d:d1", DERIVED, "d:d2"),
                     ("m:C", VALIDATES, "d:d2"))
    assert graph.loops() == []


def test_diamond_without_loops() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"), ("d:d1", DERIVED, "d:d2"),
                     ("d:d1", DERIVED, "d:d3"), ("d:d2", DERIVED, "d:d4"),
                     ("d:d3", DERIVED, "d:d4"), ("m:H", VALIDATES, "d:d4"),
                     ("d:d4", TRAINS, "m:S"), ("m:S", VALIDATES, "d:d0"))
    assert graph.loops() == []


def test_two_independent_models_checking_each_other() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"), ("m:B", VALIDATES, "d:d1"),
                     ("m:B", GENERATED, "d:d2"), ("m:A", VALIDATES, "d:d2"))
    assert graph.loops() == []


def test_model_trained_on_data_it_only_validated() -> None:
    """People wrote d1 (no model node), A validated it and then learned from it."""
    graph = graph_of(("m:A", VALIDATES, "d:d1"), ("d:d1", TRAINS, "m:A"),
                     ("m:A", GENERATED, "d:d2"), ("m:H", VALIDATES, "d:d2"))
    assert graph.loops() == []


def test_model_trained_on_a_models_data_then_validating_it() -> None:
    """Had a model H written d1, A would be distilled from H: A's check of d1 is then no longer
    independent of its author."""
    graph = graph_of(("m:H", GENERATED, "d:d1"), ("m:A", VALIDATES, "d:d1"),
                     ("d:d1", TRAINS, "m:A"))
    assert described(graph) == ["model H generated d1 -> A trained on d1 -> A validates d1"]


def test_derived_dataset_with_an_independent_generator() -> None:
    graph = graph_of(("m:H", GENERATED, "d:d1"), ("d:d1", DERIVED, "d:d2"),
                     ("m:B", GENERATED, "d:d2"), ("m:A", VALIDATES, "d:d2"),
                     ("d:d2", TRAINS, "m:C"))
    assert graph.loops() == []


def test_one_loop_per_closing_edge_with_the_shortest_path() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"), ("d:d1", DERIVED, "d:d2"),
                     ("d:d2", DERIVED, "d:d3"), ("m:A", GENERATED, "d:d3"),
                     ("m:A", VALIDATES, "d:d3"))
    assert described(graph) == ["model A generated d3 -> A validates d3"]


def test_loops_are_sorted_and_unique() -> None:
    graph = graph_of(("m:A", GENERATED, "d:b"), ("m:A", VALIDATES, "d:b"),
                     ("m:A", GENERATED, "d:a"), ("m:A", VALIDATES, "d:a"),
                     ("d:a", TRAINS, "m:A"))
    assert [(loop.dataset, loop.kind) for loop in graph.loops()] == [
        ("d:a", TRAINS), ("d:a", VALIDATES), ("d:b", VALIDATES)]


def test_cycles_in_base_models_do_not_hang() -> None:
    graph = graph_of(("m:A", BASE, "m:B"), ("m:B", BASE, "m:A"), ("m:B", GENERATED, "d:d1"),
                     ("m:C", VALIDATES, "d:d1"))
    assert graph.loops() == []


def test_edges_are_added_once() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"), ("m:A", GENERATED, "d:d1"),
                     ("m:B", VALIDATES, "d:d1"), ("m:B", VALIDATES, "d:d1"))
    assert list(graph.edges()) == [Edge("m:A", "d:d1", GENERATED), Edge("m:B", "d:d1", VALIDATES)]
    assert graph.validated_by == {"d:d1": ["m:B"]}
    assert graph.is_model("m:A") and not graph.is_model("d:d1")
    assert (LineageGraph.model("x"), LineageGraph.dataset("y")) == ("m:x", "d:y")


def test_describe_edge_kinds() -> None:
    graph = graph_of(("m:A", GENERATED, "d:d1"))
    graph.add_node("m:B", "B")
    assert graph.describe_edge(Edge("d:d1", "d:d2", DERIVED)) == "d:d2 derived from d1"
    assert graph.describe_edge(Edge("d:d1", "m:B", TRAINS)) == "B trained on d1"
    assert graph.describe_edge(Edge("m:A", "m:B", BASE, "quantized")) == \
        "B is a quantized of A"
    assert graph.describe_edge(Edge("m:B", "d:d1", VALIDATES)) == "B validates d1"


# whole repositories ----------------------------------------------------------------------------

GPT4O = "openai/gpt-4o"
CLAUDE = "anthropic/claude-3-5-sonnet-20241022"
HUMAN = {"type": "human", "id": "Acme QA", "method": "human-review"}


def model(ident: str, **extra: Any) -> dict[str, Any]:
    return {"type": "model", "id": ident, **extra}


def dataset(repo: Repo, rel: str, generator: Any, validator: Any, **fields: Any) -> None:
    """A small JSONL dataset (its content unique to its path) with a valid sidecar."""
    rows = [{"question": f"What is in {rel}?", "answer": f"Row {n} of {rel}."} for n in range(2)]
    repo.jsonl(rel, rows)
    repo.sidecar(rel, generator=generator, validator=validator, **fields)


def config(repo: Repo, settings: dict[str, Any]) -> None:
    repo.write(".qa-provenance.yaml", dump_yaml(settings))


def card(repo: Repo, folder: str, front_matter: dict[str, Any]) -> None:
    repo.write(f"{folder}/README.md", f"---\n{dump_yaml(front_matter)}---\n# {folder}\n")


def loop_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if "QP016" in line]


def test_length_1_self_validation_is_the_per_file_rule(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), model("azure/GPT-4o"))
    result = run("check")
    assert result.code == 1
    assert result.has("data/d1.jsonl.provenance.yaml:4: QP010"), result.out
    assert loop_lines(result.out) == []


def test_length_1_self_training_is_the_per_file_rule(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), HUMAN, trains=["openai/gpt-4o-2024-08-06"])
    result = run("check")
    assert "QP011" in result.out
    assert loop_lines(result.out) == []


def test_length_2_validation_through_a_derived_dataset(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), HUMAN)
    dataset(repo, "data/d2.jsonl", {"type": "program", "id": "dedupe.py"},
            model("gpt-4o-2024-11-20"), derived_from=["d1.jsonl"])
    result = run("check")
    assert result.code == 1
    assert loop_lines(result.out) == [
        "data/d2.jsonl.provenance.yaml: QP016 lineage loop: model openai/gpt-4o generated "
        "data/d1.jsonl -> data/d2.jsonl derived from data/d1.jsonl -> openai/gpt-4o "
        "validates data/d2.jsonl"  # a model is named by the first spelling the graph met
    ], result.out


def test_length_2_training_on_data_derived_from_its_own(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), HUMAN)
    dataset(repo, "data/d2.jsonl", {"type": "program", "id": "filter.py"}, HUMAN,
            derived_from=[{"uri": "data/d1.jsonl", "description": "filtered"}],
            trains=["gpt-4o"])
    result = run("check")
    assert loop_lines(result.out) == [
        "data/d2.jsonl.provenance.yaml: QP016 lineage loop: model openai/gpt-4o generated "
        "data/d1.jsonl -> data/d2.jsonl derived from data/d1.jsonl -> openai/gpt-4o trained on "
        "data/d2.jsonl"
    ], result.out
    assert "QP011" not in result.out


def test_length_3_distilled_model_validates_its_teacher(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), HUMAN)
    dataset(repo, "data/d2.jsonl", model(GPT4O), model("acme/student-8b"))
    config(repo, {"models": [{"id": "acme/student-8b", "trained_on": ["data/d1.jsonl"]}]})
    result = run("check")
    assert result.code == 1
    assert loop_lines(result.out) == [
        "data/d2.jsonl.provenance.yaml: QP016 lineage loop: model openai/gpt-4o generated "
        "data/d1.jsonl -> acme/student-8b trained on data/d1.jsonl -> model openai/gpt-4o "
        "generated data/d2.jsonl -> acme/student-8b validates data/d2.jsonl"
    ], result.out


def test_length_4_the_issue_example_with_a_model_card(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), HUMAN)
    dataset(repo, "data/d2.jsonl", {"type": "program", "id": "dedupe.py"}, HUMAN,
            derived_from=["data/d1.jsonl"])
    card(repo, "models/tutor", {"base_model": "meta-llama/Llama-3.1-8B",
                                "datasets": ["data/d2.jsonl"], "license": "llama3.1"})
    dataset(repo, "data/d3.jsonl", model(GPT4O), model("acme/tutor", method="llm-judge"))
    result = run("check")
    assert result.code == 1
    assert loop_lines(result.out) == [
        "data/d3.jsonl.provenance.yaml: QP016 lineage loop: model openai/gpt-4o generated "
        "data/d1.jsonl -> data/d2.jsonl derived from data/d1.jsonl -> acme/tutor trained on "
        "data/d2.jsonl -> model openai/gpt-4o generated data/d3.jsonl -> acme/tutor validates "
        "data/d3.jsonl"
    ], result.out


def test_longer_chain_through_two_models(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), HUMAN)
    dataset(repo, "data/d2.jsonl", model("acme/student"), HUMAN)
    dataset(repo, "data/d3.jsonl", model(GPT4O), model("acme/grandstudent"))
    config(repo, {"models": [
        {"id": "acme/student", "trained_on": ["data/d1.jsonl"]},
        {"id": "acme/grandstudent", "trained_on": ["data/d2.jsonl"]},
    ]})
    result = run("check")
    assert loop_lines(result.out) == [
        "data/d3.jsonl.provenance.yaml: QP016 lineage loop: model openai/gpt-4o generated "
        "data/d1.jsonl -> acme/student trained on data/d1.jsonl -> model acme/student generated "
        "data/d2.jsonl -> acme/grandstudent trained on data/d2.jsonl -> model openai/gpt-4o "
        "generated data/d3.jsonl -> acme/grandstudent validates data/d3.jsonl"
    ], result.out


def test_fine_tune_through_base_model_and_training_data(repo: Repo, run: Runner) -> None:
    """B is a fine-tune of A, trained on data A generated, and validates A's next round: the
    registry already says derived (QP010); the loop through data is QP016."""
    dataset(repo, "data/d1.jsonl", model(GPT4O), HUMAN)
    dataset(repo, "data/d2.jsonl", model(GPT4O), model("acme/gpt-4o-ft"))
    config(repo, {"models": [{"id": "acme/gpt-4o-ft", "base_model": "openai/gpt-4o",
                              "trained_on": ["data/d1.jsonl"]}]})
    result = run("check")
    assert "QP010" in result.out  # acme/gpt-4o-ft is a fine-tune of openai/gpt-4o
    assert result.code == 1


def test_per_record_generators_feed_the_graph(repo: Repo, run: Runner) -> None:
    """The real ARAGOG set names gpt-3.5-turbo per record; a model trained on it then validates
    another gpt-3.5-turbo set."""
    rel = copy_real(repo, "llamaindex_ragdataset_aragog_gpt-3.5-turbo_first40.json",
                    "data/aragog.json")
    repo.sidecar(rel, generator=None, validator=HUMAN)
    dataset(repo, "data/next.jsonl", model("openai/gpt-3.5-turbo-0125"),
            model("acme/rag-judge"))
    config(repo, {"models": [{"id": "acme/rag-judge", "trained_on": [rel]}]})
    result = run("check")
    assert loop_lines(result.out) == [
        "data/next.jsonl.provenance.yaml: QP016 lineage loop: model gpt-3.5-turbo generated "
        "data/aragog.json -> acme/rag-judge trained on data/aragog.json -> model gpt-3.5-turbo "
        "generated data/next.jsonl -> acme/rag-judge validates data/next.jsonl"
    ], result.out


def test_manifest_records_are_part_of_the_graph(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/gen/a.jsonl")
    repo.write("data/gen/provenance.yaml", dump_yaml({"datasets": [{
        "files": "*.jsonl", "generator": model(GPT4O), "validator": HUMAN}]}))
    assert run("stamp", "data/gen/a.jsonl").code == 0
    dataset(repo, "data/b.jsonl", {"type": "program", "id": "merge.py"}, model(GPT4O),
            derived_from=["data/gen/a.jsonl"])
    result = run("check")
    assert loop_lines(result.out) == [
        "data/b.jsonl.provenance.yaml: QP016 lineage loop: model openai/gpt-4o generated "
        "data/gen/a.jsonl -> data/b.jsonl derived from data/gen/a.jsonl -> openai/gpt-4o "
        "validates data/b.jsonl"
    ], result.out


def test_hook_run_sees_a_dataset_a_manifest_covers_without_a_subject(repo: Repo,
                                                                      run: Runner) -> None:
    """The manifest's glob covers data/gen/a.jsonl, which was never stamped (QP003 on its own
    check): a hook run on the file derived from it still follows it, as a full run does."""
    repo.jsonl("data/gen/a.jsonl")
    repo.write("data/gen/provenance.yaml", dump_yaml({"datasets": [{
        "files": "*.jsonl", "generator": model(GPT4O), "validator": HUMAN}]}))
    dataset(repo, "data/b.jsonl", {"type": "program", "id": "merge.py"}, model(GPT4O),
            derived_from=["data/gen/a.jsonl"])
    full, hook = run("check"), run("check", "data/b.jsonl")
    assert loop_lines(hook.out) == loop_lines(full.out) == [
        "data/b.jsonl.provenance.yaml: QP016 lineage loop: model openai/gpt-4o generated "
        "data/gen/a.jsonl -> data/b.jsonl derived from data/gen/a.jsonl -> openai/gpt-4o "
        "validates data/b.jsonl"
    ], hook.out


def test_lineage_loop_severity_is_configurable(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), HUMAN)
    dataset(repo, "data/d2.jsonl", {"type": "program", "id": "dedupe.py"}, model(GPT4O),
            derived_from=["d1.jsonl"])
    config(repo, {"rules": {"lineage-loop": "warn"}})
    result = run("check")
    assert result.code == 0
    assert len(loop_lines(result.out)) == 1 and "QP016 [warning]" in result.out
    config(repo, {"overrides": [{"files": "data/d2.jsonl", "rules": {"QP016": "off"}}]})
    assert loop_lines(run("check").out) == []


# acyclic look-alikes that must pass ------------------------------------------------------------


def test_diamond_of_derived_datasets_passes(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), HUMAN)
    dataset(repo, "data/d2.jsonl", {"type": "program", "id": "split.py"}, HUMAN,
            derived_from=["d1.jsonl"])
    dataset(repo, "data/d3.jsonl", {"type": "program", "id": "split.py"}, HUMAN,
            derived_from=["d1.jsonl"])
    dataset(repo, "data/d4.jsonl", {"type": "program", "id": "merge.py"}, model(CLAUDE),
            derived_from=["d2.jsonl", "d3.jsonl"], trains=["meta-llama/Llama-3.1-8B"])
    result = run("check")
    assert result.code == 0, result.out
    assert result.summary == "qa-provenance: 4 data files checked, all passed"


def test_two_independent_models_checking_each_other_pass(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), model(CLAUDE))
    dataset(repo, "data/d2.jsonl", model(CLAUDE), model(GPT4O))
    assert run("check").code == 0


def test_model_trained_on_data_it_validated_passes(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", {"type": "human", "id": "Acme Writers"},
            model("acme/judge"), trains=["acme/judge"])
    dataset(repo, "data/d2.jsonl", model("acme/judge"), HUMAN)
    dataset(repo, "data/d3.jsonl", {"type": "human", "id": "Acme Writers"}, model("acme/judge"))
    config(repo, {"models": [{"id": "acme/judge", "trained_on": ["data/d1.jsonl"]}]})
    result = run("check")
    assert result.code == 0, result.out


def test_derived_dataset_with_an_independent_generator_passes(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", {"type": "human", "id": "Acme Writers"}, HUMAN)
    dataset(repo, "data/d2.jsonl", model(CLAUDE), model(GPT4O), derived_from=["d1.jsonl"],
            trains=["acme/tutor"])
    dataset(repo, "data/d3.jsonl", model(GPT4O), model("acme/tutor"))
    assert run("check").code == 0


def test_sibling_fine_tunes_through_derived_data_are_a_family_warning(
        repo: Repo, run: Runner) -> None:
    """acme/tutor and Llama-3.1-8B-Instruct are both fine-tunes of Llama-3.1-8B: a family. The
    derived dataset in between does not make that a loop."""
    dataset(repo, "data/d1.jsonl", model("meta-llama/Llama-3.1-8B-Instruct"), HUMAN)
    dataset(repo, "data/d2.jsonl", {"type": "program", "id": "dedupe.py"},
            model("acme/tutor"), derived_from=["d1.jsonl"])
    dataset(repo, "data/d3.jsonl", model("meta-llama/Llama-3.1-8B-Instruct"),
            model("acme/tutor"))
    card(repo, "models/tutor", {"base_model": "meta-llama/Llama-3.1-8B"})
    result = run("check")
    assert loop_lines(result.out) == [], result.out
    assert result.code == 0, result.out
    assert result.has("data/d3.jsonl.provenance.yaml:4: QP013 [warning] validator model "
                      "'acme/tutor' is of the same family"), result.out


def test_external_references_are_leaves(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), model(CLAUDE),
            derived_from=["https://huggingface.co/datasets/squad", "../outside.jsonl"])
    card(repo, "models/x", {"base_model": "meta-llama/Llama-3.1-8B",
                            "datasets": ["HuggingFaceH4/ultrachat_200k"]})
    assert run("check").code == 0


# hook-style runs -------------------------------------------------------------------------------


def loop_elsewhere(repo: Repo) -> None:
    dataset(repo, "data/loop/d1.jsonl", model(GPT4O), HUMAN)
    dataset(repo, "data/loop/d2.jsonl", {"type": "program", "id": "dedupe.py"}, model(GPT4O),
            derived_from=["d1.jsonl"])
    dataset(repo, "data/clean.jsonl", model(CLAUDE), HUMAN)


def test_hook_run_ignores_a_loop_that_does_not_touch_its_files(repo: Repo, run: Runner) -> None:
    loop_elsewhere(repo)
    result = run("check", "data/clean.jsonl")
    assert result.code == 0, result.out
    assert loop_lines(result.out) == []
    assert len(loop_lines(run("check").out)) == 1


@pytest.mark.parametrize(
    "passed",
    [
        ["data/loop/d1.jsonl"],
        ["data/loop/d2.jsonl"],
        ["data/loop/d2.jsonl.provenance.yaml"],
        ["data/clean.jsonl", "data/loop/d1.jsonl.provenance.yaml"],
    ],
)
def test_hook_run_reports_a_loop_through_its_files(repo: Repo, run: Runner,
                                                   passed: list[str]) -> None:
    loop_elsewhere(repo)
    result = run("check", *passed)
    assert result.code == 1
    assert loop_lines(result.out) == [
        "data/loop/d2.jsonl.provenance.yaml: QP016 lineage loop: model openai/gpt-4o generated "
        "data/loop/d1.jsonl -> data/loop/d2.jsonl derived from data/loop/d1.jsonl -> "
        "openai/gpt-4o validates data/loop/d2.jsonl"
    ], result.out


def test_hook_run_sees_training_data_named_only_in_the_registry(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model(GPT4O), HUMAN)
    dataset(repo, "data/d2.jsonl", model(GPT4O), model("acme/student"))
    config(repo, {"models": [{"id": "acme/student", "trained_on": ["data/d1.jsonl"]}]})
    assert len(loop_lines(run("check", "data/d2.jsonl").out)) == 1
    assert len(loop_lines(run("check", "data/d1.jsonl").out)) == 1
