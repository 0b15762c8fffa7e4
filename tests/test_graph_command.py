"""``qa-provenance graph``: the lineage as a text tree, Mermaid or Graphviz DOT, loop edges marked,
built-in registry models shown only when local data connects to them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import Repo, Runner, dump_yaml

from provenance.lineage.graph import DERIVED, GENERATED, TRAINS, VALIDATES, LineageGraph
from provenance.lineage.render import (
    LOOP_MARK,
    RENDERERS,
    loop_edges,
    render_dot,
    render_mermaid,
    render_text,
)

HUMAN = {"type": "human", "id": "Acme QA"}


def model(ident: str) -> dict[str, Any]:
    return {"type": "model", "id": ident}


def dataset(repo: Repo, rel: str, generator: Any, validator: Any, **fields: Any) -> None:
    repo.jsonl(rel, [{"question": f"What is in {rel}?", "answer": "Something."}])
    repo.sidecar(rel, generator=generator, validator=validator, **fields)


def readme_example(repo: Repo) -> None:
    """The lineage of the README's graph section."""
    dataset(repo, "data/d1.jsonl", model("openai/gpt-4o"), HUMAN)
    dataset(repo, "data/d2.jsonl", {"type": "program", "id": "dedupe.py"}, HUMAN,
            derived_from=["d1.jsonl"])
    dataset(repo, "data/d3.jsonl", model("openai/gpt-4o"), model("acme/support-llama"))
    repo.write(".qa-provenance.yaml", dump_yaml({"models": [{
        "id": "acme/support-llama",
        "base_model": {"id": "meta-llama/Llama-3.1-8B-Instruct", "relation": "finetune"},
        "trained_on": ["data/d2.jsonl"],
    }]}))


README_TREE = """\
model meta-llama/Llama-3.1-8B
`-- base of (finetune) model meta-llama/Llama-3.1-8B-Instruct
    `-- base of (finetune) model acme/support-llama
        `-- validates dataset data/d3.jsonl  <- loop
model openai/gpt-4o
|-- generated dataset data/d1.jsonl  <- loop
|   `-- derived into dataset data/d2.jsonl  <- loop
|       `-- trains model acme/support-llama (see above)  <- loop
`-- generated dataset data/d3.jsonl  <- loop
1 loop through the lineage:
  model openai/gpt-4o generated data/d1.jsonl -> data/d2.jsonl derived from data/d1.jsonl -> \
acme/support-llama trained on data/d2.jsonl -> model openai/gpt-4o generated data/d3.jsonl -> \
acme/support-llama validates data/d3.jsonl
"""


def test_text_tree_of_the_readme_example(repo: Repo, run: Runner) -> None:
    readme_example(repo)
    assert run("check").code == 1  # the loop fails the check ...
    result = run("graph")
    assert result.code == 0  # ... but drawing it is not a failure
    assert result.out == README_TREE
    assert result.err == ""


def test_default_format_is_text(repo: Repo, run: Runner) -> None:
    readme_example(repo)
    assert run("graph", "--format", "text").out == run("graph").out


MERMAID_NODE = re.compile(r'^  (n\d+)(\(\["(.*)"\]\)|\["(.*)"\])$')
MERMAID_LINK = re.compile(r"^  (n\d+) (-->|-\.->)\|([a-z ]+)\| (n\d+)$")


def test_mermaid(repo: Repo, run: Runner) -> None:
    readme_example(repo)
    result = run("graph", "--format", "mermaid")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "flowchart LR"
    names: dict[str, str] = {}
    models = set()
    links: list[tuple[str, str, str, str]] = []
    styled: list[str] = []
    for line in lines[1:]:
        if node := MERMAID_NODE.match(line):
            names[node.group(1)] = node.group(3) or node.group(4)
            if node.group(3):
                models.add(node.group(3))
        elif link := MERMAID_LINK.match(line):
            links.append((names[link.group(1)], link.group(2), link.group(3),
                          names[link.group(4)]))
        else:
            assert line.startswith("  linkStyle "), line
            assert line.endswith(" stroke:#d00,stroke-width:3px")
            styled = line.split()[1].split(",")
    assert models == {"openai/gpt-4o", "meta-llama/Llama-3.1-8B",
                      "meta-llama/Llama-3.1-8B-Instruct", "acme/support-llama"}
    assert set(names.values()) - models == {"data/d1.jsonl", "data/d2.jsonl", "data/d3.jsonl"}
    red = {links[int(index)] for index in styled}
    assert red == {
        ("openai/gpt-4o", "-->", "generated", "data/d1.jsonl"),
        ("data/d1.jsonl", "-->", "derived into", "data/d2.jsonl"),
        ("data/d2.jsonl", "-->", "trains", "acme/support-llama"),
        ("openai/gpt-4o", "-->", "generated", "data/d3.jsonl"),
        ("acme/support-llama", "-.->", "validates", "data/d3.jsonl"),
    }
    assert set(links) - red == {
        ("meta-llama/Llama-3.1-8B", "-->", "base of", "meta-llama/Llama-3.1-8B-Instruct"),
        ("meta-llama/Llama-3.1-8B-Instruct", "-->", "base of", "acme/support-llama"),
    }
    assert "loop through the lineage" not in result.out  # the summary is for text only


DOT_NODE = re.compile(r'^  (n\d+) \[label="(.*)", shape=(box|ellipse)\];$')
DOT_EDGE = re.compile(r'^  (n\d+) -> (n\d+) \[label="([a-z ]+)"(.*)\];$')


def test_dot(repo: Repo, run: Runner) -> None:
    readme_example(repo)
    result = run("graph", "--format", "dot")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[:2] == ["digraph lineage {", "  rankdir=LR;"]
    assert lines[-1] == "}"
    names: dict[str, tuple[str, str]] = {}
    edges: dict[tuple[str, str, str], str] = {}
    for line in lines[2:-1]:
        if node := DOT_NODE.match(line):
            names[node.group(1)] = (node.group(2), node.group(3))
        else:
            edge = DOT_EDGE.match(line)
            assert edge is not None, line
            key = (names[edge.group(1)][0], edge.group(3), names[edge.group(2)][0])
            edges[key] = edge.group(4)
    shapes = dict(names.values())
    assert shapes["data/d3.jsonl"] == "box" and shapes["acme/support-llama"] == "ellipse"
    red = {key for key, attrs in edges.items() if "color=red" in attrs}
    assert red == {
        ("openai/gpt-4o", "generated", "data/d1.jsonl"),
        ("data/d1.jsonl", "derived into", "data/d2.jsonl"),
        ("data/d2.jsonl", "trains", "acme/support-llama"),
        ("openai/gpt-4o", "generated", "data/d3.jsonl"),
        ("acme/support-llama", "validates", "data/d3.jsonl"),
    }
    assert edges[("acme/support-llama", "validates", "data/d3.jsonl")] == \
        ", style=dashed, color=red, penwidth=2"
    assert edges[("meta-llama/Llama-3.1-8B", "base of", "meta-llama/Llama-3.1-8B-Instruct")] == ""


def test_builtin_models_appear_only_when_connected(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/qa.jsonl", model("meta-llama/Llama-3.1-8B-Instruct"),
            model("anthropic/claude-3-5-sonnet-20241022"))
    for fmt in ("text", "mermaid", "dot"):
        out = run("graph", "--format", fmt).out
        # the generator's base is upstream of local data; its siblings and the rest are not
        assert "meta-llama/Llama-3.1-8B\"" in out or "model meta-llama/Llama-3.1-8B\n" in out
        for absent in ("Llama-3.1-70B", "Qwen", "gemma", "DeepSeek", "Mistral", "phi"):
            assert absent.lower() not in out.lower(), (fmt, absent)
    text = run("graph").out
    assert text == (
        "model anthropic/claude-3-5-sonnet-20241022\n"
        "`-- validates dataset data/qa.jsonl\n"
        "model meta-llama/Llama-3.1-8B\n"
        "`-- base of (finetune) model meta-llama/Llama-3.1-8B-Instruct\n"
        "    `-- generated dataset data/qa.jsonl\n"
    )


def test_without_datasets_the_graph_is_empty(repo: Repo, run: Runner) -> None:
    assert run("graph").out == ""
    assert run("graph", "--format", "mermaid").out == "flowchart LR\n"
    assert run("graph", "--format", "dot").out == "digraph lineage {\n  rankdir=LR;\n}\n"
    assert all(run("graph", "--format", f).code == 0 for f in ("text", "mermaid", "dot"))


def test_graph_exits_0_when_the_check_fails(repo: Repo, run: Runner) -> None:
    repo.jsonl("data/unlabelled.jsonl")
    dataset(repo, "data/self.jsonl", model("openai/gpt-4o"), model("azure/GPT-4o"))
    result = run("graph")
    assert result.code == 0
    assert "QP0" not in result.out  # findings are the check's job
    assert "validates dataset data/self.jsonl  <- loop" in result.out
    assert "loop through the lineage" not in result.out  # per-file loops are not listed


def test_graph_configuration_error_exits_2(repo: Repo, run: Runner) -> None:
    repo.write(".qa-provenance.yaml", "independence: sometimes\n")
    result = run("graph")
    assert result.code == 2
    assert "independence" in result.err
    assert run("graph", "--format", "svg").code == 2  # argparse: not a format


def test_graph_with_root_option(repo: Repo, run: Runner,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    readme_example(repo)
    elsewhere = repo.root.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert run("graph").out == ""  # no repository here
    assert run("graph", "--root", str(repo.root)).out == README_TREE


def test_labels_are_escaped(repo: Repo, run: Runner) -> None:
    dataset(repo, 'data/we"ird\\name.jsonl', model("openai/gpt-4o"), HUMAN)
    dot = run("graph", "--format", "dot").out
    assert '[label="data/we\\"ird\\\\name.jsonl", shape=box]' in dot
    mermaid = run("graph", "--format", "mermaid").out
    assert "[\"data/we'ird\\name.jsonl\"]" in mermaid


def test_several_loops_in_the_text_summary(repo: Repo, run: Runner) -> None:
    dataset(repo, "data/d1.jsonl", model("openai/gpt-4o"), HUMAN)
    dataset(repo, "data/d2.jsonl", {"type": "program", "id": "dedupe.py"},
            model("openai/gpt-4o"), derived_from=["d1.jsonl"], trains=["openai/gpt-4o"])
    out = run("graph").out
    assert "2 loops through the lineage:\n" in out
    assert "  model openai/gpt-4o generated data/d1.jsonl -> data/d2.jsonl derived from " \
           "data/d1.jsonl -> openai/gpt-4o trained on data/d2.jsonl\n" in out


# the renderers on hand-built graphs ------------------------------------------------------------


def small_graph() -> LineageGraph:
    graph = LineageGraph()
    for node, label in (("m:a", "A"), ("d:x", "x.jsonl"), ("d:y", "y.jsonl"), ("m:b", "B")):
        graph.add_node(node, label)
    graph.local.update({"d:x", "d:y"})
    graph.add_edge("m:a", "d:x", GENERATED)
    graph.add_edge("d:x", "d:y", DERIVED)
    graph.add_edge("m:a", "d:y", VALIDATES)
    graph.add_edge("d:y", "m:b", TRAINS)
    return graph


def test_renderers_mark_the_loop() -> None:
    graph = small_graph()
    assert {(e.src, e.dst) for e in loop_edges(graph)} == {("m:a", "d:x"), ("d:x", "d:y"),
                                                           ("m:a", "d:y")}
    assert render_text(graph) == (
        f"model A\n"
        f"|-- generated dataset x.jsonl  {LOOP_MARK}\n"
        f"|   `-- derived into dataset y.jsonl  {LOOP_MARK}\n"
        f"|       `-- trains model B\n"
        f"`-- validates dataset y.jsonl  {LOOP_MARK}\n"
    )
    assert "linkStyle 0,1,2 " in render_mermaid(graph)
    assert render_dot(graph).count("color=red") == 3
    assert set(RENDERERS) == {"text", "mermaid", "dot"}


def test_renderers_tolerate_nodes_added_only_by_edges() -> None:
    graph = LineageGraph()
    graph.add_edge("m:a", "d:x", GENERATED)
    graph.add_edge("m:a", "d:x", VALIDATES)
    graph.local.add("d:x")
    assert render_text(graph) == "model m:a\n|-- generated dataset d:x  <- loop\n" \
                                 "`-- validates dataset d:x  <- loop\n"
    assert 'n1(["m:a"])' in render_mermaid(graph)
    assert 'label="m:a", shape=ellipse' in render_dot(graph)


def test_nodes_only_in_cycles_are_still_shown() -> None:
    graph = LineageGraph()
    for node in ("m:a", "d:x"):
        graph.add_node(node, node[2:])
    graph.local.add("d:x")
    graph.add_edge("m:a", "d:x", GENERATED)
    graph.add_edge("d:x", "m:a", TRAINS)
    text = render_text(graph)
    assert text.splitlines()[0] in ("model a", "dataset x")
    assert "generated dataset x" in text or "trains model a" in text


@pytest.mark.parametrize("fmt", ["text", "mermaid", "dot"])
def test_unconnected_registry_models_are_left_out(fmt: str) -> None:
    graph = small_graph()
    graph.add_node("m:q", "Qwen/Qwen2.5-7B")
    graph.add_node("m:qi", "Qwen/Qwen2.5-7B-Instruct")
    graph.add_edge("m:q", "m:qi", "base", "finetune")
    assert "Qwen" not in RENDERERS[fmt](graph)
