"""Which provenance speaks for a data file, and whether what it holds can be read as a record.

Pure: the locator has already found the claims and loaded their documents; these functions only
decide between them and say what is wrong with them.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from provenance import rules
from provenance.checks.problem import Problem
from provenance.reading.locate import Claim, Manifest

# What a record without a digest is checked with, so that its other fields are still judged.
PLACEHOLDER_DIGEST = {"sha256": "0" * 64}


def orphan_problem(sidecar: str) -> Problem:
    data = PurePosixPath(sidecar).name.split(".provenance.")[0]
    return Problem(rules.ORPHAN,
                   f"sidecar for '{data}', which does not exist (renamed or deleted?)",
                   path=sidecar)


def broken_manifest_problem(manifest: Manifest) -> Problem:
    assert manifest.error is not None
    return Problem(rules.INVALID, manifest.error.message, path=manifest.relpath,
                   line=manifest.error.line)


def choose_claim(relpath: str, claims: Sequence[Claim], *, under_broken_manifest: bool
                 ) -> tuple[Claim | None, list[Problem]]:
    """The claim that speaks for the file: the one at the highest level, when it is alone there.

    A file under a manifest that failed to load is not called unlabelled: the manifest's own
    problem says what is wrong."""
    if not claims:
        if under_broken_manifest:
            return None, []
        return None, [Problem(rules.MISSING, "no provenance record", in_data=True)]
    top = max(claim.level for claim in claims)
    winners = [claim for claim in claims if claim.level == top]
    if len(winners) > 1:
        names = " and ".join(claim.describe() for claim in winners)
        return winners[0], [Problem(rules.CONFLICT, f"claimed by both {names}: keep one",
                                    in_data=True)]
    return winners[0], []


def record_shape(claim: Claim, relpath: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The claim's record as a mapping to validate, or None when it is not one at all.

    A record without a digest is reported (not stamped) and carries on with a placeholder digest,
    so that one run shows everything else that is wrong with it too."""
    if claim.load_error is not None:
        return None, [Problem(rules.INVALID, claim.load_error.message)]
    raw = claim.record
    if not isinstance(raw, dict):
        kind = type(raw).__name__ if raw is not None else "empty"
        return None, [Problem(rules.INVALID,
                              f"provenance must be a mapping of fields, not {kind}")]
    if "digest" in raw:
        return raw, []
    return {**raw, "digest": PLACEHOLDER_DIGEST}, [Problem(
        rules.DIGEST,
        f"no digest binds '{relpath}' (not stamped): run qa-provenance stamp "
        f"{shlex.quote(relpath)}")]


def is_placeholder(raw: dict[str, Any]) -> bool:
    return raw.get("digest") is PLACEHOLDER_DIGEST
