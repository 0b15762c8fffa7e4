"""Property-based tests (issue 7): identity keys, sampling, the embedded digest, the lineage loop
finder against a brute-force search, and the stamp -> check round trip.

Example counts are modest so the file runs in well under 30 s; the database in ``.hypothesis/``
keeps any failure found once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.config import Config
from provenance.identity.registry import Registry
from provenance.identity.spelling import canonical_model_id
from provenance.lineage.graph import BASE, DERIVED, GENERATED, TRAINS, VALIDATES, Edge, LineageGraph
from provenance.reading import datafile
from provenance.reading.embedded import canonical_bytes, canonical_sha256
from provenance.spot.run import SpotSettings, sample_file
from provenance.spot.sampling import BottomK, rank_key, record_hash

# QA_PROPERTY_SCALE=40 multiplies every example count, for a long hunt by hand.
SCALE = max(1, int(os.environ.get("QA_PROPERTY_SCALE", "1")))
FAST = settings(max_examples=60 * SCALE, deadline=None)
SLOW = settings(max_examples=25 * SCALE, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ------------------------------------------------------------------------------------------
# identity: canonical_model_id and the built-in registry

REGISTRY = Registry.builtin()
ENTRIES = sorted(REGISTRY, key=lambda entry: entry.id)

# What the spelling rules are documented to strip (README, "How identities are compared").
ROUTES = ("", "openai/", "azure/", "bedrock/", "vertex_ai/", "together/", "some-org/",
          "fireworks_ai/accounts/fireworks/models/", "openai:")
SUFFIXES = ("", "-2024-08-06", "-20241022", "-0613", "-GGUF", "-AWQ", "-GPTQ", "-Q4_K_M",
            "-fp8", "-bnb-4bit", ".Q4_K_M.gguf", ":latest", "-latest", "-preview")


def respell(raw: str, route: str, suffix: str, case: str, underscores: bool) -> str:
    spelled = {"upper": raw.upper(), "lower": raw.lower(), "same": raw}[case]
    if underscores:
        spelled = spelled.replace("-", "_")
    return f"{route}{spelled}{suffix}"


spellings = st.tuples(st.sampled_from(ROUTES), st.sampled_from(SUFFIXES),
                      st.sampled_from(("upper", "lower", "same")), st.booleans())


@FAST
@given(st.text(max_size=40))
def test_canonical_model_id_is_idempotent_on_any_text(raw: str) -> None:
    key = canonical_model_id(raw)
    assert canonical_model_id(key) == key


@FAST
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_a_key_forgives_case_and_surrounding_space(raw: str) -> None:
    """What a normaliser that does nothing fails: case and outer whitespace never matter."""
    key = canonical_model_id(raw)
    assert canonical_model_id(f"  {raw.upper()}\t") == canonical_model_id(raw.lower()) == key
    assert key == key.strip() and not any("A" <= c <= "Z" for c in key), key


@FAST
@given(st.lists(st.sampled_from(ENTRIES), min_size=2, max_size=2, unique_by=lambda e: e.id),
       spellings, spellings)
def test_two_spellings_of_one_model_meet_and_stay_apart_from_another(
        entries: list[Any], how: tuple[str, str, str, bool],
        other_how: tuple[str, str, str, bool]) -> None:
    """Two respellings of one registry model get one key, which is a fixed point; the key of
    another registry model is different (idempotence alone holds for a do-nothing
    normaliser, and for one that maps everything to "")."""
    entry, other = entries
    key = canonical_model_id(respell(entry.id, *how))
    assert canonical_model_id(respell(entry.id, *other_how)) == key
    assert canonical_model_id(key) == key
    assert canonical_model_id(respell(other.id, *other_how)) != key


@FAST
@given(st.sampled_from(ENTRIES), spellings)
def test_a_respelled_registry_id_keeps_its_key(entry: Any,
                                                how: tuple[str, str, str, bool]) -> None:
    assert canonical_model_id(respell(entry.id, *how)) == canonical_model_id(entry.id)


@FAST
@given(st.data())
def test_two_different_registry_models_never_share_a_key(data: st.DataObject) -> None:
    first, second = data.draw(st.lists(st.sampled_from(ENTRIES), min_size=2, max_size=2,
                                       unique_by=lambda entry: entry.id))
    a = respell(first.id, *data.draw(spellings))
    b = respell(second.id, *data.draw(spellings))
    assert canonical_model_id(a) != canonical_model_id(b), (a, b)
    assert REGISTRY.key(a) != REGISTRY.key(b), (a, b)


def test_a_quantised_file_name_is_not_a_bedrock_id() -> None:
    """Found by the property above: "mistral." and "qwen." are Bedrock vendor prefixes, so
    MISTRAL.Q4_K_M.gguf became the model "q-4-k-m", the same source as QWEN.Q4_K_M.gguf."""
    assert canonical_model_id("MISTRAL.Q4_K_M.gguf") == canonical_model_id("mistral")
    assert canonical_model_id("mistral.Q4_K_M.gguf") != canonical_model_id("qwen.Q4_K_M.gguf")
    assert canonical_model_id("mistral.mistral-large-2407-v1:0") == "mistral-large"


def test_the_registry_keys_are_pairwise_distinct() -> None:
    """The exhaustive version of the property above for the ids as written."""
    keys = [canonical_model_id(entry.id) for entry in ENTRIES]
    assert len(set(keys)) == len(keys)
    assert len({REGISTRY.key(entry.id) for entry in ENTRIES}) == len(ENTRIES)


@FAST
@given(st.data())
def test_an_alias_names_its_own_model_and_no_other(data: st.DataObject) -> None:
    entry = data.draw(st.sampled_from([e for e in ENTRIES if e.aliases]))
    alias = data.draw(st.sampled_from(sorted(entry.aliases)))
    # Aliases are matched as written (case and route prefix aside): only those spellings.
    spelled = respell(alias, data.draw(st.sampled_from(("", "some-org/"))), "",
                      data.draw(st.sampled_from(("upper", "lower", "same"))), False)
    other = data.draw(st.sampled_from([e for e in ENTRIES if e.id != entry.id]))
    assert REGISTRY.key(spelled) == REGISTRY.key(entry.id), spelled
    assert REGISTRY.key(spelled) != REGISTRY.key(other.id), (spelled, other.id)


# ------------------------------------------------------------------------------------------
# sampling: BottomK and the spot check's file sampling

hashes = st.lists(st.binary(min_size=1, max_size=8).map(record_hash), max_size=40)


@FAST
@given(hashes, st.integers(0, 12), st.text(max_size=8), st.randoms(use_true_random=False))
def test_bottom_k_is_deterministic_and_independent_of_order(
        offered: list[str], k: int, seed: str, rnd: random.Random) -> None:
    def pick(order: list[str]) -> list[str]:
        chooser: BottomK[str] = BottomK(k, seed)
        for h in order:
            chooser.offer(h, h)
        return [h for h, _ in chooser.result()]

    shuffled = list(offered)
    rnd.shuffle(shuffled)
    first = pick(offered)
    assert pick(offered) == first
    assert pick(shuffled) == first
    # and it is what it says: the k distinct hashes with the smallest rank
    expected = sorted(set(offered), key=lambda h: (rank_key(seed, h), h))[:k]
    assert first == expected


@FAST
@given(hashes, hashes, st.integers(1, 8))
def test_bottom_k_appending_displaces_only_by_rank(before: list[str], added: list[str],
                                                   k: int) -> None:
    def pick(order: list[str]) -> set[str]:
        chooser: BottomK[str] = BottomK(k, "seed")
        for h in order:
            chooser.offer(h, h)
        return {h for h, _ in chooser.result()}

    old, new = pick(before), pick(before + added)
    # A pick that survives appending keeps its place; every newcomer outranks what it displaced.
    displaced = old - new
    for gone in displaced:
        assert all(rank_key("seed", h) < rank_key("seed", gone) for h in new - old)


qa_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=30)
qa_records = st.lists(
    st.fixed_dictionaries({"question": qa_text, "answer": qa_text, "context": qa_text}),
    min_size=1, max_size=25,
)


@contextmanager
def scratch_root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder).resolve()
        (root / ".git").mkdir()
        yield root


def _write_records(path: Path, fmt: str, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                        encoding="utf-8")
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]),
                                delimiter="," if fmt == "csv" else "\t")
        writer.writeheader()
        writer.writerows(records)
        path.write_bytes(buffer.getvalue().encode("utf-8"))


@SLOW
@given(qa_records, st.sampled_from(("jsonl", "csv")), st.integers(1, 10),
       st.binary(min_size=1, max_size=32))
def test_spot_check_sample_is_the_bottom_k_of_keyed_row_ranks(
        records: list[dict[str, str]], fmt: str, k: int, key: bytes) -> None:
    """Whatever the records (duplicates included) and the key, the sample is the k rows with
    the lowest rank of their position (JSONL: byte offset, CSV: index) under the file key
    HMAC-SHA256(key, scheme, digest), computed here independently; every row counts towards
    the population."""
    import hashlib

    from conftest import jsonl_offsets, reference_rank

    from provenance.reading import readers

    with scratch_root() as root:
        config, spot = Config(root=root), SpotSettings(key=key)
        relpath = f"data/qa.{fmt}"
        _write_records(root / relpath, fmt, records)
        facts = datafile.inspect(root / relpath, root)
        sampled, population, why = sample_file(config, relpath, spot, k, facts)
        assert why is None
        read = [r.data for r in readers.read_records(root / relpath, fmt)]
        positions = jsonl_offsets((root / relpath).read_bytes()) if fmt == "jsonl" else \
            list(range(len(read)))
    hashes = [hashlib.sha256(canonical_bytes(r)).hexdigest() for r in read]

    def rank(index: int) -> bytes:
        return reference_rank(key, facts.content_sha256, positions[index])

    assert population == len(records)
    assert [s.item.id for s in sampled] == [hashes[p] for p in sorted(range(len(read)),
                                                                      key=rank)[:k]]


# ------------------------------------------------------------------------------------------
# the digest of embedded provenance

json_scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
                | st.floats(allow_nan=False, allow_infinity=False)
                | st.text(st.characters(codec="utf-8"), max_size=12))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=8), inner,
                      max_size=4),
    max_leaves=20,
)
data_parts = st.dictionaries(
    st.text(st.characters(codec="utf-8"), max_size=8).filter(
        lambda key: key != "provenance"),
    json_values, max_size=5)


def _shuffled(value: Any, rnd: random.Random) -> Any:
    """The same JSON value with every object's keys in another order."""
    if isinstance(value, dict):
        keys = list(value)
        rnd.shuffle(keys)
        return {key: _shuffled(value[key], rnd) for key in keys}
    if isinstance(value, list):
        return [_shuffled(item, rnd) for item in value]
    return value


def _spaced(value: Any, rnd: random.Random) -> str:
    """A serialisation with arbitrary (valid) whitespace between tokens."""
    def gap() -> str:
        return rnd.choice(["", " ", "\n", "\t", "  \r\n  "])

    if isinstance(value, dict):
        items = [f"{gap()}{json.dumps(k)}{gap()}:{gap()}{_spaced(v, rnd)}{gap()}"
                 for k, v in value.items()]
        return "{" + ",".join(items) + gap() + "}"
    if isinstance(value, list):
        return "[" + ",".join(f"{gap()}{_spaced(v, rnd)}{gap()}" for v in value) + gap() + "]"
    return json.dumps(value, ensure_ascii=rnd.random() < 0.5)


@FAST
@given(data_parts, json_values, st.randoms(use_true_random=False))
def test_embedded_digest_is_stable_under_key_order_and_whitespace(
        data: dict[str, Any], record: Any, rnd: random.Random) -> None:
    document = {"provenance": record, **data}
    other = _shuffled(document, rnd)
    text_a, text_b = json.dumps(document, indent=2), _spaced(other, rnd)
    assert json.loads(text_b) == document  # the same value, spelled differently
    with scratch_root() as root:
        (root / "a.json").write_text(text_a, encoding="utf-8")
        (root / "b.json").write_bytes(b"\xef\xbb\xbf" * rnd.randint(0, 1) + text_b.encode())
        facts_a = datafile.inspect(root / "a.json")
        facts_b = datafile.inspect(root / "b.json")
    for facts in (facts_a, facts_b):  # a data part without a list of records may be empty
        assert facts.problem in (None, "data file holds no records"), facts.problem
    assert facts_a.embedded_sha256 == facts_b.embedded_sha256 == canonical_sha256(data)
    # ... and it is the digest of the documented canonical form
    assert canonical_bytes(data) == json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@FAST
@given(data_parts, json_values, json_values)
def test_embedded_digest_ignores_the_record_and_sees_the_data(
        data: dict[str, Any], record: Any, other_record: Any) -> None:
    assert canonical_sha256(data) == canonical_sha256(
        {k: v for k, v in {"provenance": other_record, **data}.items() if k != "provenance"})
    changed = {**data, "x-added": record}
    assert canonical_sha256(changed) != canonical_sha256(data)


# ------------------------------------------------------------------------------------------
# lineage: LineageGraph.loops() against a brute-force search
#
# What loops() computes, restated as a search over paths (read from lineage.py):
#   Information flows along every edge but a validation (generated, derived, trains, base).
#   reach(o)    = the nodes other than o at the end of a path from o (o never revisited);
#   produced(o) = the same for paths whose first edge is o's own `generated` edge.
#   For every model o and dataset d in reach(o):
#     - a validation loop (validates, v, d) for each validator v of d with v == o, or with v in
#       reach(o) (a derivative of o, or a model trained on data o reached) and d in
#       produced(o) (o's own output reached d);
#     - a training loop (trains, o, d) when d trains o.
# The brute force enumerates every simple path by depth-first search instead of the breadth-first
# reach that loops() uses, and compares the sets of (kind, model, dataset) keys.

MODELS = ("m:a", "m:b", "m:c")
DATASETS = ("d:x", "d:y", "d:z")
KINDS = {  # edge kind -> (source kinds, target kinds), as build_graph creates them
    GENERATED: (MODELS, DATASETS),
    VALIDATES: (MODELS, DATASETS),
    DERIVED: (DATASETS, DATASETS),
    TRAINS: (DATASETS, MODELS),
    BASE: (MODELS, MODELS),
}
edges = st.lists(
    st.sampled_from(sorted(KINDS)).flatmap(
        lambda kind: st.tuples(st.sampled_from(KINDS[kind][0]), st.sampled_from(KINDS[kind][1]),
                               st.just(kind))),
    max_size=12,
).map(lambda found: [(s, d, k) for s, d, k in found if s != d])


def build(found: list[tuple[str, str, str]]) -> LineageGraph:
    graph = LineageGraph()
    for node in (*MODELS, *DATASETS):
        graph.add_node(node, node[2:])
    for src, dst, kind in found:
        graph.add_edge(src, dst, kind)
    return graph


def brute_force_loops(found: list[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    flow = [(s, d, k) for s, d, k in set(found) if k != VALIDATES]

    def ends_of_paths(origin: str, first: str | None) -> set[str]:
        ends: set[str] = set()

        def walk(node: str, visited: frozenset[str]) -> None:
            for src, dst, kind in flow:
                if src != node or dst in visited:
                    continue
                if node == origin and first is not None and kind != first:
                    continue
                ends.add(dst)
                walk(dst, visited | {dst})

        walk(origin, frozenset({origin}))
        return ends

    out = set()
    validators = {(s, d) for s, d, k in found if k == VALIDATES}
    for origin in MODELS:
        reach, produced = ends_of_paths(origin, None), ends_of_paths(origin, GENERATED)
        for dataset in (n for n in reach if n in DATASETS):
            for validator, validated in validators:
                if validated == dataset and (validator == origin
                                             or (validator in reach and dataset in produced)):
                    out.add((VALIDATES, validator, dataset))
            if (dataset, origin, TRAINS) in set(found):
                out.add((TRAINS, origin, dataset))
    return out


@settings(max_examples=300 * SCALE, deadline=None)
@given(edges)
def test_loops_agree_with_a_brute_force_search(found: list[tuple[str, str, str]]) -> None:
    graph = build(found)
    loops = graph.loops()
    keys = {(loop.kind, loop.closing.src if loop.kind == VALIDATES else loop.closing.dst,
             loop.dataset) for loop in loops}
    assert keys == brute_force_loops(found)
    present = set(graph.edges())
    for loop in loops:  # every explanation uses real edges and ends where the loop closes
        assert all(edge in present for edge in loop.edges)
        if loop.kind == TRAINS:
            assert loop.closing in present
        else:
            assert Edge(loop.closing.src, loop.dataset, VALIDATES) in present


# ------------------------------------------------------------------------------------------
# round trip: stamp, then check, passes for any dataset

GENERATORS = ("openai/gpt-4o-2024-08-06", "meta-llama/Llama-3.1-8B-Instruct",
              "model:Qwen/Qwen2.5-72B-Instruct", "program:qa-synth")
VALIDATORS = ("human:Acme Annotation Team", "human:Jane Doe",
              "anthropic/claude-3-5-sonnet-20241022")
any_text = st.text(st.characters(codec="utf-8"), max_size=40)
extra_keys = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).map(
    lambda key: f"x_{key}")


@st.composite
def datasets(draw: st.DrawFn) -> tuple[str, bytes, int]:
    fmt = draw(st.sampled_from(("jsonl", "csv", "tsv", "json")))
    keys = ["question", "answer", *draw(st.lists(extra_keys, max_size=2, unique=True))]
    keys += draw(st.sampled_from(([], ["context"], ["id"])))
    rows = draw(st.lists(st.fixed_dictionaries({key: any_text for key in keys}), min_size=1,
                         max_size=8))
    if fmt == "jsonl":
        newline = draw(st.sampled_from(("\n", "\r\n")))
        lines = [json.dumps(row, ensure_ascii=draw(st.booleans())) for row in rows]
        body = newline.join(lines) + draw(st.sampled_from((newline, "")))
        return "data/set.jsonl", body.encode("utf-8"), len(rows)
    if fmt == "json":
        wrapped = draw(st.booleans())
        document: Any = {"examples": rows} if wrapped else rows
        return "data/set.json", json.dumps(document, indent=draw(st.sampled_from((None, 2))),
                                           ensure_ascii=False).encode("utf-8"), len(rows)
    buffer = io.StringIO()
    # The writer quotes a field holding a character of its line terminator; the reader ends a
    # line at \r or \n either way, so a bare \n terminator needs every field quoted.
    terminator = draw(st.sampled_from(("\n", "\r\n")))
    all_quoted = terminator == "\n" or draw(st.booleans())
    writer = csv.DictWriter(buffer, fieldnames=keys, delimiter="," if fmt == "csv" else "\t",
                            lineterminator=terminator,
                            quoting=csv.QUOTE_ALL if all_quoted else csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(rows)
    return f"data/set.{fmt}", buffer.getvalue().encode("utf-8"), len(rows)


@settings(SLOW, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
@given(dataset=datasets(), generator=st.sampled_from(GENERATORS),
       validator=st.sampled_from(VALIDATORS), bom=st.booleans())
def test_stamp_then_check_passes(dataset: tuple[str, bytes, int], generator: str,
                                 validator: str, bom: bool,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from provenance.cli import main

    relpath, content, rows = dataset
    with scratch_root() as root:
        (root / "data").mkdir()
        (root / relpath).write_bytes((b"\xef\xbb\xbf" if bom else b"") + content)
        stamped = main(["stamp", str(root / relpath), "--root", str(root),
                        "--generator", generator, "--validator", validator])
        out = capsys.readouterr()
        assert stamped == 0, out
        checked = main(["check", "--root", str(root), str(root / relpath)])
        out = capsys.readouterr()
        assert checked == 0, out
        assert "Traceback" not in out.err and "internal error" not in out.err
        sidecar = (root / f"{relpath}.provenance.yaml").read_text(encoding="utf-8")
        assert f"records: {rows}" in sidecar
