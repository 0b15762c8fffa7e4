"""The lineage graph as a text tree, Mermaid or Graphviz DOT, with the edges of loops marked."""

from __future__ import annotations

from collections.abc import Iterable

from provenance.lineage.graph import BASE, DERIVED, GENERATED, TRAINS, VALIDATES, Edge, LineageGraph

LOOP_MARK = "<- loop"
_VERBS = {GENERATED: "generated", DERIVED: "derived into", TRAINS: "trains",
          BASE: "base of", VALIDATES: "validates"}


def _label(graph: LineageGraph, node: str) -> str:
    """A node's label; a node added only through an edge is named by its key. Labels come from
    file names and provenance files: escaped as terminal text (one line, no control sequence)."""
    from provenance.reporters.escape import terminal

    return terminal(graph.labels.get(node, node))


def loop_edges(graph: LineageGraph) -> set[Edge]:
    marked: set[Edge] = set()
    for loop in graph.loops():
        marked.update(loop.edges)
        marked.add(loop.closing)
    return marked


def _relevant_nodes(graph: LineageGraph) -> set[str]:
    """The repository's datasets, everything upstream of them and everything downstream:
    built-in registry models that no local data touches are left out."""
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    for edge in graph.edges():
        forward.setdefault(edge.src, set()).add(edge.dst)
        backward.setdefault(edge.dst, set()).add(edge.src)
    keep = set(graph.local)
    for links in (forward, backward):
        stack = list(graph.local)
        seen = set(graph.local)
        while stack:
            for other in links.get(stack.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        keep |= seen
    return keep


def render_text(graph: LineageGraph) -> str:
    nodes = _relevant_nodes(graph)
    marked = loop_edges(graph)
    incoming = {e.dst for e in graph.edges() if e.kind != VALIDATES and e.src in nodes}
    roots = sorted((n for n in nodes if n not in incoming),
                   key=lambda n: (not graph.is_model(n), _label(graph, n)))
    lines: list[str] = []
    shown: set[str] = set()

    def name(node: str) -> str:
        kind = "model" if graph.is_model(node) else "dataset"
        return f"{kind} {_label(graph, node)}"

    def visit(node: str, prefix: str) -> None:
        edges = sorted((e for e in graph.out.get(node, ()) if e.dst in nodes),
                       key=lambda e: (e.kind == VALIDATES, _label(graph, e.dst)))
        for index, edge in enumerate(edges):
            last = index == len(edges) - 1
            branch = "`-- " if last else "|-- "
            verb = _VERBS[edge.kind] + (f" ({_detail(edge)})" if edge.detail else "")
            mark = f"  {LOOP_MARK}" if edge in marked else ""
            again = " (see above)" if edge.dst in shown and edge.kind != VALIDATES else ""
            lines.append(f"{prefix}{branch}{verb} {name(edge.dst)}{again}{mark}")
            if edge.kind != VALIDATES and edge.dst not in shown:
                shown.add(edge.dst)
                visit(edge.dst, prefix + ("    " if last else "|   "))

    for root in roots:
        if root in shown:
            continue
        shown.add(root)
        lines.append(name(root))
        visit(root, "")
    for node in sorted(nodes - shown, key=lambda n: _label(graph, n)):  # only in cycles
        shown.add(node)
        lines.append(name(node))
        visit(node, "")
    return "\n".join(lines) + ("\n" if lines else "")


def _detail(edge: Edge) -> str:
    from provenance.reporters.escape import terminal

    return terminal(str(edge.detail))


def _ids(graph: LineageGraph, nodes: Iterable[str]) -> dict[str, str]:
    return {node: f"n{index}" for index, node in enumerate(sorted(nodes))}


def render_mermaid(graph: LineageGraph) -> str:
    nodes = _relevant_nodes(graph)
    ids = _ids(graph, nodes)
    marked = loop_edges(graph)
    out = ["flowchart LR"]
    for node in sorted(nodes):
        label = _label(graph, node).replace('"', "'")
        shape = f'(["{label}"])' if graph.is_model(node) else f'["{label}"]'
        out.append(f"  {ids[node]}{shape}")
    loop_links = []
    link = 0
    for edge in graph.edges():
        if edge.src not in nodes or edge.dst not in nodes:
            continue
        verb = _VERBS[edge.kind]
        arrow = "-.->" if edge.kind == VALIDATES else "-->"
        out.append(f"  {ids[edge.src]} {arrow}|{verb}| {ids[edge.dst]}")
        if edge in marked:
            loop_links.append(str(link))
        link += 1
    if loop_links:
        out.append(f"  linkStyle {','.join(loop_links)} stroke:#d00,stroke-width:3px")
    return "\n".join(out) + "\n"


def render_dot(graph: LineageGraph) -> str:
    nodes = _relevant_nodes(graph)
    ids = _ids(graph, nodes)
    marked = loop_edges(graph)
    out = ["digraph lineage {", "  rankdir=LR;"]
    for node in sorted(nodes):
        label = _label(graph, node).replace("\\", "\\\\").replace('"', '\\"')
        shape = "ellipse" if graph.is_model(node) else "box"
        out.append(f'  {ids[node]} [label="{label}", shape={shape}];')
    for edge in graph.edges():
        if edge.src not in nodes or edge.dst not in nodes:
            continue
        style = ["style=dashed"] if edge.kind == VALIDATES else []
        if edge in marked:
            style += ["color=red", "penwidth=2"]
        attrs = ", ".join([f'label="{_VERBS[edge.kind]}"', *style])
        out.append(f"  {ids[edge.src]} -> {ids[edge.dst]} [{attrs}];")
    out.append("}")
    return "\n".join(out) + "\n"


RENDERERS = {"text": render_text, "mermaid": render_mermaid, "dot": render_dot}
