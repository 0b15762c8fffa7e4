"""Trust levels: how much of a file's provenance rests on more than its producer's word.

A provenance record is written by whoever produced the data, so by itself it is a claim. The tool
computes a level per file, from evidence it can check, and never reads one from the record:

``declared``
    The record alone.
``recorded``
    The record holds a ``verifications`` entry, as ``spot-check --record`` writes it, with result
    PASS for the file's *current* content digest whose numbers meet the configured plan (see
    ``checks.verification``: the same test as QP030). Unsigned, so still a claim.
``attested``
    A signature the tool verifies, by an identity the configuration allows, over an in-toto
    statement that names the file's digest and agrees with its provenance (``attestations``:
    DSSE envelopes signed with listed keys, Sigstore bundles verified offline).

Levels are ordered (declared < recorded < attested); a file's level is the highest one whose
evidence holds, so an attested file also meets a minimum of ``recorded``. An attestation that does
not verify never counts; the checker reports it (QP032).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provenance.checks.verification import VerificationPolicy, newest_accepted
from provenance.trust.attestations import TrustContext, Verdict
from provenance.trust.dsse import PAYLOAD_TYPE as DSSE_INTOTO
from provenance.trust.policy import Policy
from provenance.trust.statement import STATEMENT_V1

if TYPE_CHECKING:
    from datetime import datetime

    from provenance.checks.verification import VerificationPolicy
    from provenance.identity.independence import Judge
    from provenance.record import Agent

__all__ = ["DSSE_INTOTO", "STATEMENT_V1", "Policy", "TrustContext", "Verdict"]

DECLARED, RECORDED, ATTESTED = "declared", "recorded", "attested"
LEVELS = (DECLARED, RECORDED, ATTESTED)

ATTESTATION_SUFFIXES = (".intoto.jsonl", ".intoto.json")
DRAFT_SUFFIX = ".provenance.draft.yaml"  # written by `qa-provenance import`, never checked


def rank(level: str) -> int:
    return LEVELS.index(level)


def is_attestation_file(relpath: str) -> bool:
    return relpath.endswith(ATTESTATION_SUFFIXES)


def is_auxiliary_file(relpath: str) -> bool:
    """Files this tool reads or writes beside data that are never datasets themselves."""
    return is_attestation_file(relpath) or relpath.endswith(DRAFT_SUFFIX)


def attestation_paths(data_relpath: str) -> list[str]:
    return [data_relpath + suffix for suffix in ATTESTATION_SUFFIXES]


# --------------------------------------------------------------------------- the levels


@dataclass(frozen=True)
class Assessment:
    level: str
    evidence: str | None = None  # what earned the level above declared
    missing: tuple[str, ...] = ()  # why the higher levels were not reached
    refused: tuple[Verdict, ...] = ()  # attestations that do not verify (QP032)


def recorded_evidence(raw: Mapping[str, Any], digests: Iterable[str],
                      generators: Sequence[Agent], judge: Judge | None,
                      verification: VerificationPolicy | None = None,
                      now: datetime | None = None) -> tuple[str | None, str]:
    """An unsigned PASS for the current content whose numbers meet the plan (the same test as
    QP030, ``checks.verification``): (what it is, or None; why not). Still only a claim."""
    from datetime import datetime, timezone


    accepted, reason = newest_accepted(
        raw.get("verifications"), digests, verification or VerificationPolicy(),
        now or datetime.now(timezone.utc), generators, judge)
    if accepted is None:
        return None, reason
    return accepted.describe(), ""


def attested_evidence(verdicts: Sequence[Verdict]) -> tuple[str | None, list[str],
                                                             tuple[Verdict, ...]]:
    """The first attestation that holds: (what, or None; why none does; the refusals to report).
    An attestation beside the file over older content is reported only when nothing attests
    the current content."""
    evidence = next((v.evidence for v in verdicts if v.evidence is not None), None)
    refused = tuple(v for v in verdicts if v.refusal is not None
                    and (evidence is None or not v.stale))
    reasons = [f"{v.attestation.source}: {v.refusal}" for v in refused]
    if evidence is None and not reasons:
        reasons.append("no in-toto attestation names the file's digest")
    return evidence, reasons, refused


def assess(raw: Mapping[str, Any], digests: Iterable[str], generators: Sequence[Agent],
           verdicts: Sequence[Verdict], judge: Judge | None = None, *,
           verification: VerificationPolicy | None = None) -> Assessment:
    """The file's trust level from its record, its current digests and the attestations judged
    for it (``TrustContext.judge``)."""
    digest_set = {d for d in digests if d}
    attested, attest_reasons, refused = attested_evidence(verdicts)
    if attested is not None:
        return Assessment(ATTESTED, attested, refused=refused)
    recorded, record_reason = recorded_evidence(raw, digest_set, generators, judge, verification)
    if recorded is not None:
        return Assessment(RECORDED, recorded, tuple(attest_reasons), refused)
    return Assessment(DECLARED, None, (record_reason, *attest_reasons), refused)
