"""The in-toto statement a verified signature covers: what it must say to attest a file.

A valid signature proves who signed, not what about: the statement must name the file's current
sha256 among its subjects, have a predicate type this tool understands (or one the configuration
lists), and its predicate must agree with the file's provenance:

- our provenance record (``export --intoto``): the same generators and validators as the record,
  and, when it has one, the same digest;
- our spot-check predicate (``spot-check --record --attest-statement``): a PASS verification of
  this very content that meets the configured plan (the test a recorded one must pass for QP030),
  by a verifier that is not one of the generators;
- SLSA provenance: binds the file to the build that produced it; nothing in it to compare.

Pure logic, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provenance.checks.verification import VerificationPolicy, entry_problem
from provenance.trust.dsse import AttestationError

if TYPE_CHECKING:
    from provenance.checks.verification import VerificationPolicy
    from provenance.identity.independence import Judge
    from provenance.record import Agent

STATEMENT_V1 = "https://in-toto.io/Statement/v1"
# The $id of schemas/provenance.schema.json (tests/test_attestation_verify.py keeps them equal).
PROVENANCE_PREDICATE = "https://qa-provenance.github.io/schemas/v1/provenance.schema.json"
SPOT_CHECK_PREDICATE = "https://qa-provenance.github.io/predicates/spot-check/v1"
SLSA_PREDICATES = ("https://slsa.dev/provenance/v1", "https://slsa.dev/provenance/v0.2")
DEFAULT_PREDICATE_TYPES = (PROVENANCE_PREDICATE, SPOT_CHECK_PREDICATE, *SLSA_PREDICATES)


@dataclass(frozen=True)
class Statement:
    subjects: tuple[tuple[str, str], ...]  # (name, sha256)
    predicate_type: str
    predicate: Mapping[str, Any]

    def covers(self, digests: Iterable[str]) -> bool:
        wanted = set(digests)
        return any(sha in wanted for _name, sha in self.subjects)

    def shown_subjects(self) -> str:
        return ", ".join(sha[:12] + "..." for _name, sha in self.subjects)


def parse_statement(value: Any) -> Statement:
    """An in-toto Statement v1, or AttestationError naming what is missing."""
    if not isinstance(value, Mapping):
        raise AttestationError("the statement is not a JSON object")
    kind = value.get("_type")
    if kind != STATEMENT_V1:
        raise AttestationError(f"statement _type is {kind!r}, expected {STATEMENT_V1}")
    subjects = value.get("subject")
    if not isinstance(subjects, list) or not subjects:
        raise AttestationError("the statement has no subject")
    pairs = []
    for subject in subjects:
        digest = subject.get("digest") if isinstance(subject, Mapping) else None
        sha = digest.get("sha256") if isinstance(digest, Mapping) else None
        if isinstance(sha, str):
            pairs.append((str(subject.get("name", "")), sha.lower()))
    if not pairs:
        raise AttestationError("no subject has a sha256 digest")
    predicate_type = value.get("predicateType")
    if not isinstance(predicate_type, str) or not predicate_type:
        raise AttestationError("the statement has no predicateType")
    predicate = value.get("predicate")
    return Statement(tuple(pairs), predicate_type,
                     predicate if isinstance(predicate, Mapping) else {})


def problem(statement: Statement, digests: Iterable[str], record: Mapping[str, Any],
            generators: Sequence[Agent], judge: Judge | None,
            predicate_types: tuple[str, ...] = (),
            verification: VerificationPolicy | None = None) -> str | None:
    """None when the statement attests this content and agrees with its record, else why not."""
    wanted = set(digests)
    if not statement.covers(wanted):
        return f"attests other content (sha256 {statement.shown_subjects()})"
    allowed = predicate_types or DEFAULT_PREDICATE_TYPES
    kind = statement.predicate_type
    if kind not in allowed:
        where = "attestations.predicate-types" if predicate_types else \
            "the predicate types understood (ours, SLSA provenance)"
        return f"predicateType {kind} is not in {where}"
    if kind == PROVENANCE_PREDICATE:
        return _provenance_problem(statement.predicate, wanted, record)
    if kind == SPOT_CHECK_PREDICATE:
        return _spot_check_problem(statement.predicate, wanted, generators, judge, verification)
    return None


def _provenance_problem(predicate: Mapping[str, Any], digests: set[str],
                        record: Mapping[str, Any]) -> str | None:
    for key, label in (("generator", "generators"), ("validator", "validators")):
        signed, found = _agents(predicate.get(key)), _agents(record.get(key))
        if signed != found:
            shown = ", ".join(sorted(f"{t} {i}" for t, i in signed)) or "none"
            return f"its predicate names other {label} than the provenance record ({shown})"
    digest = predicate.get("digest")
    sha = digest.get("sha256") if isinstance(digest, Mapping) else None
    if sha is not None and str(sha).lower() not in digests:
        return "its predicate records another digest than the file's"
    return None


def _agents(value: Any) -> frozenset[tuple[str, str]]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    return frozenset((str(item.get("type", "")), str(item.get("id", "")))
                     for item in items if isinstance(item, Mapping))


def _spot_check_problem(predicate: Mapping[str, Any], digests: set[str],
                        generators: Sequence[Agent], judge: Judge | None,
                        verification: VerificationPolicy | None) -> str | None:
    """The signed entry for this content must pass the same test as a recorded one (QP030's,
    ``checks.verification``): a signature proves CI ran it, not that its numbers are enough."""
    from datetime import datetime, timezone


    entries = predicate.get("verifications")
    mine = [entry for entry in entries if isinstance(entry, Mapping)
            and isinstance(entry.get("digest"), Mapping)
            and str(entry["digest"].get("sha256", "")).lower() in digests] \
        if isinstance(entries, list) else []
    if not mine:
        return "its predicate holds no verification of this content"
    entry = mine[-1]
    if entry.get("result") != "PASS":
        return f"the attested spot check is {entry.get('result')!r}, not PASS"
    why = entry_problem(entry, verification or VerificationPolicy(), datetime.now(timezone.utc),
                        generators, judge)
    return None if why is None else f"the attested spot check {why}"
