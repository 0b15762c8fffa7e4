"""Spot checks split between the jobs of a CI matrix: partial samples, and their exact merge.

``spot-check --shard I/N --partial-out FILE`` samples this shard's share: the I-th of N byte
ranges (cut at line boundaries, the same on every machine) of each large JSONL file, and the
whole of every other file whose ``shard_of`` is I. It writes what it kept: per file the digest,
its row count, its bottom-k rows with their rank, position and record. ``spot-check --merge
FILE...`` checks that the partials belong together (one of each shard, the same settings, key,
selection and digests), then takes the bottom-k of all rows of a file: exactly the sample one
pass would have drawn, with the population the sum of the counts. Verifying and recording then
go on as in a single run, and the merge job needs no data file (only for ``--record``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from provenance.config import Config
from provenance.reading import compressed, datafile, readers
from provenance.record import Agent
from provenance.spot import scan
from provenance.spot.run import (
    Prepared,
    SpotCheckError,
    SpotReport,
    SpotSettings,
    digest_cache,
    finish_sample,
    inspect,
    make_prepared,
    public_seed_notice,
    read_sample,
    start_report,
)
from provenance.spot.sampling import SCHEME

FORMAT = "qa-provenance-partial-sample/1"
SPLIT_MIN_BYTES = scan.PARALLEL_MIN_BYTES  # a JSONL file this large is cut between the shards


def sample_settings(settings: SpotSettings, relpaths: Sequence[str]) -> dict[str, Any]:
    """What every partial and the merge must share for the merged sample to be one pass's.

    A key is never written: only a check value, HMAC(key, label), which tells two keys apart
    (use a long random key: a guessable one could be found from it)."""
    check = None
    if settings.key is not None:
        check = hmac.digest(settings.key, b"qa-provenance-sample key check", "sha256")[:8].hex()
    selection = hashlib.sha256("\n".join(sorted(relpaths)).encode("utf-8")).hexdigest()
    return {"scheme": SCHEME, "k": settings.sample_k(), "seed": settings.seed_kind,
            "public_seed": None if settings.key is not None else settings.seed,
            "key_check": check, "selection": selection}


def is_split(config: Config, relpath: str) -> bool:
    """Whether the file is cut between the shards (a large JSONL file), not given to one."""
    if datafile.format_of(relpath) != "jsonl" or compressed.kind_of(relpath) is not None:
        return False  # only plain JSONL is cut by byte ranges
    try:
        return (config.root / relpath).stat().st_size >= SPLIT_MIN_BYTES
    except OSError:
        return False


def sample_shard(config: Config, settings: SpotSettings, relpaths: Sequence[str], index: int,
                 total: int, bar: Any = None, recorded_digest: bool = False) -> dict[str, Any]:
    """This shard's partial sample (a JSON-ready mapping).

    With ``recorded_digest``, a file cut between the shards is keyed by the digest its stamped
    provenance record holds, so a shard reads only its own byte range (and a few bytes around
    the cuts) instead of the whole file; the partial says so, and so does the merge."""
    from provenance.discovery import shard_of
    from provenance.reading.locate import Locator
    from provenance.spot.run import _declared

    locator = Locator(config.root)
    progress = None if bar is None else bar.update
    k = settings.sample_k()
    digests = digest_cache(settings)
    files = []
    for relpath in relpaths:
        split = is_split(config, relpath)
        if not split and shard_of(relpath, total) != index:
            continue
        entry: dict[str, Any] = {"path": relpath, "part": index if split else None}
        files.append(entry)
        if split and recorded_digest:
            facts = _recorded_facts(locator, config, relpath)
            entry["digest_from"] = "record"
        else:
            facts = inspect(config, digests, relpath)
            digests.save()
        if facts.problem is not None or facts.lfs_oid is not None:
            entry["problem"] = facts.problem or "a Git LFS pointer (content not fetched)"
            continue
        provenance_path, declared = _declared(locator, relpath, facts)
        entry.update(digest=facts.content_sha256, provenance=provenance_path,
                     declared=[dataclasses.asdict(agent) for agent in declared])
        byte_range = None
        if split:
            size = (config.root / relpath).stat().st_size
            ranges = scan.cut(config.root / relpath, 0, size, total)
            byte_range = ranges[index] if index < len(ranges) else (size, size)
            entry["range"] = list(byte_range)
        try:
            part = read_sample(config, relpath, settings.file_key(facts.content_sha256), k,
                               facts, progress, byte_range)
        except readers.ReadError as exc:
            entry["problem"] = exc.message
            continue
        if isinstance(part, str):
            entry["problem"] = part
            continue
        entry.update(count=part.count, lines=part.lines,
                     first=part.first if part.has_first else None, has_first=part.has_first,
                     rows=[{"rank": f"{row.rank:032x}", "position": row.position,
                            "line": row.line, "location": row.location, "record": row.data}
                           for row in part.rows])
    return {"format": FORMAT, "shard": [index, total],
            "settings": sample_settings(settings, relpaths), "files": files}


def _recorded_facts(locator: Any, config: Config, relpath: str) -> datafile.DataFacts:
    """The file's digest as its provenance record states it (not recomputed), and its size."""
    from provenance.record import Record

    claims = locator.claims(relpath, None)
    top = max(claims, key=lambda c: c.level) if claims else None
    digest = None
    if top is not None and isinstance(top.record, dict):
        try:
            digest = Record.from_mapping(top.record).sha256
        except (KeyError, TypeError, ValueError):
            digest = None
    if not digest:
        return datafile.DataFacts(problem="--recorded-digest: its provenance record holds no "
                                  "sha256 digest (stamp it, or let the shards compute it)")
    try:
        size = (config.root / relpath).stat().st_size
    except OSError as exc:
        return datafile.DataFacts(problem=f"cannot read data file: {exc.strerror or exc}")
    return datafile.DataFacts(sha256=digest, size=size)


def write_partial(path: Path, partial: dict[str, Any]) -> None:
    from provenance.fs.atomic import write_atomic

    text = json.dumps(partial, ensure_ascii=False, default=str) + "\n"
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise SpotCheckError(f"{path}: cannot write the partial sample: "
                             f"{exc.strerror or exc}") from None


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise SpotCheckError(f"{path}: cannot read the partial sample: "
                             f"{exc.strerror or exc}") from None
    except ValueError as exc:
        raise SpotCheckError(f"{path}: not a partial sample (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SpotCheckError(f"{path}: not a partial sample (expected format {FORMAT})")
    shard = data.get("shard")
    if not (isinstance(shard, list) and len(shard) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) for v in shard)
            and 0 <= shard[0] < shard[1]) or not isinstance(data.get("files"), list):
        raise SpotCheckError(f"{path}: not a partial sample (no valid 'shard' I/N and 'files')")
    return data


def merge_partials(config: Config, settings: SpotSettings, paths: Sequence[Path]
                   ) -> tuple[SpotReport, list[Prepared]]:
    """The files' merged samples, ready to verify, from one partial of each shard."""
    report = start_report(config, settings)
    if report.skipped is not None:
        return report, []
    partials = [(path, _load(path)) for path in paths]
    _check_complete(partials)
    # The partials agree among themselves on everything, and with this run on how rows are
    # drawn (the files are the partials': the merge job need not hold the data).
    expected = dict(partials[0][1].get("settings") or {})
    ours = sample_settings(settings, ())
    for name in ours:
        if name != "selection" and expected.get(name) != ours[name]:
            raise SpotCheckError(f"{partials[0][0]}: drawn with other sampling settings than "
                                 f"this merge ({_difference(expected, ours, name)})")
    for path, partial in partials[1:]:
        if partial.get("settings") != expected:
            differs = _difference(partial.get("settings"), expected)
            raise SpotCheckError(f"{path}: drawn with other sampling settings than "
                                 f"{partials[0][0]} ({differs})")
    total = partials[0][1]["shard"][1]
    by_file: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
    for path, partial in partials:
        for entry in partial["files"]:
            by_file.setdefault(str(entry.get("path")), []).append((path, entry))
    prepared = []
    for relpath in sorted(by_file):
        entries = by_file[relpath]
        _check_file(relpath, entries, total)
        problems = [str(e["problem"]) for _, e in entries if e.get("problem")]
        if problems:
            report.notices.append(f"{relpath}: not sampled: {problems[0]}")
            continue
        digests = {e.get("digest") for _, e in entries}
        if len(digests) != 1:
            raise SpotCheckError(f"{relpath}: the shards read different contents (digests "
                                 f"{', '.join(sorted(map(str, digests)))}): sample it again")
        if any(e.get("digest_from") == "record" for _, e in entries):
            report.notices.append(
                f"{relpath}: sampled under the digest its provenance record states, not "
                "recomputed by the shards (--recorded-digest): the sample is that of the "
                "recorded content, which `check` confirms the file still has")
        ordered = sorted((e for _, e in entries), key=lambda e: e.get("part") or 0)
        merged = scan.merge([_part(relpath, e) for e in ordered], expected["k"])
        sampled, population, why = finish_sample(config, relpath, settings, merged)
        first = ordered[0]
        declared = [Agent.from_mapping(a) for a in first.get("declared") or ()]
        ready = make_prepared(settings, relpath, first.get("provenance"), str(first["digest"]),
                              declared, sampled, population, why, report)
        if ready is not None:
            prepared.append(ready)
    public_seed_notice(settings, report, prepared)
    return report, prepared


def _check_complete(partials: Sequence[tuple[Path, dict[str, Any]]]) -> None:
    """One partial of each shard 0..N-1 of one N: else the merge would not be one pass."""
    totals = {partial["shard"][1] for _, partial in partials}
    if len(totals) != 1:
        raise SpotCheckError(f"the partials come from different splits (N = "
                             f"{', '.join(map(str, sorted(totals)))})")
    total = totals.pop()
    seen: dict[int, Path] = {}
    for path, partial in partials:
        index = partial["shard"][0]
        if index in seen:
            raise SpotCheckError(f"shard {index}/{total} given twice ({seen[index]}, {path})")
        seen[index] = path
    missing = [str(i) for i in range(total) if i not in seen]
    if missing:
        raise SpotCheckError(f"shard{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(missing)} of {total} missing: every shard's partial "
                             "is needed for the sample one pass would draw")


def _check_file(relpath: str, entries: Sequence[tuple[Path, dict[str, Any]]],
                total: int) -> None:
    parts = sorted(-1 if e.get("part") is None else int(e["part"]) for _, e in entries)
    if parts == [-1] or parts == list(range(total)):
        return
    raise SpotCheckError(f"{relpath}: the partials do not hold it exactly once (parts "
                         f"{parts}); they come from different selections or runs")


def _part(relpath: str, entry: dict[str, Any]) -> scan.PartSample:
    try:
        rows = [scan.Row(int(r["rank"], 16), int(r["position"]), r["record"],
                         str(r["location"]), r["line"]) for r in entry["rows"]]
        return scan.PartSample(int(entry["count"]), int(entry["lines"]), rows,
                               entry.get("first"), bool(entry["has_first"]))
    except (KeyError, TypeError, ValueError):
        raise SpotCheckError(f"{relpath}: a partial's sample is malformed") from None


def _difference(got: Any, expected: dict[str, Any], only: str | None = None) -> str:
    if not isinstance(got, dict):
        return "no settings"
    names = [name for name in expected if got.get(name) != expected[name]
             and only in (None, name)]
    hints = {"key_check": "another sample key", "seed": "keyed and public seeds mixed",
             "public_seed": "another public seed", "k": "another sample size",
             "selection": "another selection of files", "scheme": "another sampling scheme"}
    return ", ".join(hints.get(name, name) for name in names) or "unknown settings"
