"""``qa-provenance stamp``: bind a record to a data file's current content.

Writes only provenance files (a sidecar, or the file's subject in its manifest), atomically and
under a lock on their folder (so concurrent runs keep each other's entries), and never the data
file. A record that would break a rule set to error is reported and not written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from provenance import rules
from provenance.config import Config, ConfigError
from provenance.discovery import PathError, relative_path
from provenance.fs.lock import locked
from provenance.reading import datafile
from provenance.reading.locate import (
    SIDECAR_SUFFIXES,
    Claim,
    Locator,
    data_path_of_sidecar,
    is_manifest,
)
from provenance.reporters.text import format_finding, one_line
from provenance.rules import Severity
from provenance.session import Session
from provenance.stamping.build import StampError, StampRequest, binding, build_record, now_rfc3339
from provenance.stamping.write import write_provenance


def run(args: argparse.Namespace) -> int:
    from provenance.commands.common import configure

    request = StampRequest(args.generator, args.validator, args.method, args.trains,
                           args.license, args.description)
    try:
        config = configure(args)
        session = Session(config)
        relpaths = _data_files(session, args.files)
    except (ConfigError, PathError) as exc:
        print(f"qa-provenance: {one_line(str(exc))}", file=sys.stderr)
        return 2
    if not relpaths:
        print("qa-provenance: no data file to stamp in " + " ".join(args.files) + " (the "
              "configuration's include patterns match none there)", file=sys.stderr)
        return 2
    locator = session.locator
    worst = 0
    for relpath, in_folder in relpaths:
        try:
            worst = max(worst, _stamp_one(session, locator, relpath, request, args.sidecar,
                                          in_folder))
        except StampError as exc:
            print(one_line(f"{relpath}: {exc}"), file=sys.stderr)
            worst = 2
        except OSError as exc:  # the folder cannot be locked or the provenance file written
            print(one_line(f"{relpath}: not stamped: {exc.strerror or exc}"), file=sys.stderr)
            worst = 2
    return worst


def _data_files(session: Session, raws: list[str]) -> list[tuple[str, bool]]:
    """The files named, and every data file under a folder named (a folder made by one pipeline
    is stamped in one command), each with whether it was found in a folder."""
    out: dict[str, bool] = {}
    for raw in raws:
        relpath = relative_path(session.root, raw)
        if (session.root / relpath).is_dir():
            for found in session.select([raw]).data:
                out.setdefault(found, True)
        else:
            out[relpath] = False
    return list(out.items())


def _stamp_one(session: Session, locator: Locator, relpath: str, request: StampRequest,
               force_sidecar: bool, in_folder: bool = False) -> int:
    config = session.config
    path = config.root / relpath
    if data_path_of_sidecar(relpath) is not None or is_manifest(relpath):
        raise StampError("is a provenance file: stamp the data file it describes")
    if not path.is_file():
        raise StampError("no such data file")
    facts = datafile.inspect(path, config.root)
    if facts.problem is not None:
        where = f"{relpath}:{facts.problem_line}" if facts.problem_line else relpath
        print(one_line(f"{where}: QP020 {facts.problem}: not stamped"), file=sys.stderr)
        return 1
    target = _decide(locator, relpath, facts, force_sidecar)[1]
    for _ in range(3):
        with locked(target.parent):
            # Read the provenance again under the lock: another run may have rewritten it since,
            # and its change must be kept. The shared locator's manifests may be stale.
            winner, now = _decide(Locator(config.root), relpath, facts, force_sidecar)
            if now == target:
                if winner is not None and winner.kind == "manifest":
                    return _stamp_manifest(session, relpath, winner, request, facts)
                return _stamp_sidecar(session, relpath, winner, request, facts, in_folder)
        target = now  # a sidecar or manifest appeared or went meanwhile: lock its folder instead
    raise StampError("its provenance kept moving while being stamped: stamp it again")


def _decide(locator: Locator, relpath: str, facts: datafile.DataFacts, force_sidecar: bool
            ) -> tuple[Claim | None, Path]:
    """The claim the stamp renews (None: a new sidecar) and the provenance file it rewrites."""
    claims = locator.claims(relpath, facts.embedded)
    top = max((claim.level for claim in claims), default=None)
    winners = [claim for claim in claims if claim.level == top]
    if len(winners) > 1:
        raise StampError("claimed by both " + " and ".join(c.describe() for c in winners)
                         + ": keep one, then stamp again")
    winner = winners[0] if winners else None
    if winner is not None and winner.kind == "embedded":
        raise StampError("provenance is embedded in the data file, and qa-provenance never "
                         "writes data files: update its 'provenance' member yourself")
    if winner is not None and winner.kind == "manifest" and force_sidecar:
        winner = None  # an overriding sidecar is written instead
    if winner is None:
        return None, locator.root / (relpath + SIDECAR_SUFFIXES[0])
    return winner, locator.root / winner.source


def _stamp_sidecar(session: Session, relpath: str, claim: Claim | None, request: StampRequest,
                   facts: datafile.DataFacts, in_folder: bool = False) -> int:
    config = session.config
    existing: Any = None
    target = config.root / (relpath + SIDECAR_SUFFIXES[0])
    if claim is not None:
        if claim.load_error is not None:
            raise StampError(f"{claim.source}: {claim.load_error.message}; fix it first")
        existing, target = claim.record, config.root / claim.source
        if existing is not None and not isinstance(existing, dict):
            raise StampError(f"{claim.source}: provenance must be a mapping; fix it first")
    record = build_record(existing, request, facts, now_rfc3339(),
                          _roles_in_records(config, relpath, facts))
    if in_folder and isinstance(existing, dict):
        _keep_named_agents(existing, record)
    if _refuse(session, relpath, target, record):
        return 1
    write_provenance(target, record)
    _say(relpath, target, config, record)
    return 0


def _keep_named_agents(existing: dict[str, Any], record: dict[str, Any]) -> None:
    """A folder is stamped to label the files it holds: a file there that already names its
    generator or validator keeps them, unless it is named itself (re-attributing data is a
    deliberate act on one file, not a side effect of labelling its neighbours)."""
    for role in ("generator", "validator"):
        if existing.get(role) is not None and record.get(role) != existing[role]:
            raise StampError(f"already names its {role} ({_ids(existing[role])}); a folder stamp "
                             "does not change it: name the file to change it")


def _ids(value: Any) -> str:
    agents = value if isinstance(value, list) else [value]
    return ", ".join(str(a.get("id")) if isinstance(a, dict) else str(a) for a in agents)


def _stamp_manifest(session: Session, relpath: str, claim: Claim, request: StampRequest,
                    facts: datafile.DataFacts) -> int:
    config = session.config
    if request.changes_agents:
        raise StampError(f"covered by {claim.source}: edit its entry there, or pass --sidecar to "
                         "write a sidecar that overrides it")
    assert claim.document is not None
    index = int(claim.prefix[1])
    data = claim.document.data
    entry = data["datasets"][index]
    directory = str(Path(claim.source).parent.as_posix())
    key = relpath if directory == "." else relpath[len(directory) + 1 :]
    new_binding = binding(facts)
    record = {k: v for k, v in entry.items() if k not in ("files", "subjects")} | new_binding
    target = config.root / claim.source
    if _refuse(session, relpath, target, record):
        return 1
    entry.setdefault("subjects", {})[key] = new_binding
    write_provenance(target, data)
    _say(relpath, target, config, record)
    return 0


def _roles_in_records(config: Config, relpath: str, facts: datafile.DataFacts) -> frozenset[str]:
    """Which agents the records name themselves, judged from the first record's profile."""
    from provenance.reading import profiles, readers

    fmt = datafile.format_of(relpath)
    if fmt is None or facts.lfs_oid is not None:
        return frozenset()
    keys = config.record_keys or readers.DEFAULT_RECORD_KEYS
    try:
        items = readers.read_records(config.root / relpath, fmt, document=facts.document,
                                     record_keys=keys)
        first = next(iter(items), None)
        profile = profiles.choose(config.record_mapping(relpath), first.data if first else None)
    except (readers.ReadError, profiles.ProfileError):
        return frozenset()
    if profile is None or first is None:
        return frozenset()
    generators, validators = profile.agents(first.data)
    return frozenset(role for role, agents in (("generator", generators),
                                               ("validator", validators)) if agents)


# Evidence that comes after a record exists (a recorded spot check, a signed attestation): its
# absence is no reason not to write the record it will be added to.
AFTER_STAMPING = (rules.VERIFICATION_MISSING, rules.TRUST_BELOW_MINIMUM)


def _refuse(session: Session, relpath: str, target: Path, record: dict[str, Any]) -> bool:
    """Check the file as ``check`` would with the new record in place (every rule, the
    per-record ones included); True when an error-level finding forbids writing."""
    from provenance.checker import Checker

    shown = target.relative_to(session.root).as_posix()
    planned = Claim("sidecar", shown, 1, record)
    result = Checker(session).check_file(relpath, claim=planned)
    refused = False
    for finding in result.findings:
        if finding.rule in AFTER_STAMPING:
            continue
        refused = refused or finding.severity is Severity.ERROR
        print(format_finding(finding), file=sys.stderr)
    if refused:
        print(one_line(f"{relpath}: not stamped"), file=sys.stderr)
    return refused


def _say(relpath: str, target: Path, config: Config, record: dict[str, Any]) -> None:
    count = record.get("records")
    counted = f", {count} record{'' if count == 1 else 's'}" if count is not None else ""
    shown = target.relative_to(config.root).as_posix()
    print(one_line(f"stamped {relpath} -> {shown} "
                   f"(sha256 {record['digest']['sha256'][:12]}...{counted})"))
