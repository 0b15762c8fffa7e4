"""Attestations that do not verify (QP032): a signed claim that fails is reported, never counted.

Which attestations verify is decided in ``provenance.trust`` (signature, allowed signer,
statement); this check only turns each refusal into a finding at the attestation's own file and
line, so that a forged or stale attestation is visible even when no trust minimum asks for one.
"""

from __future__ import annotations

from provenance import rules
from provenance.checks.problem import Problem
from provenance.trust.levels import Assessment


def attestation_problems(assessment: Assessment, relpath: str) -> list[Problem]:
    return [Problem(rules.ATTESTATION_INVALID,
                    f"{verdict.attestation.wrapper} for {relpath} does not verify: "
                    f"{verdict.refusal}",
                    path=verdict.attestation.path, line=verdict.attestation.line)
            for verdict in assessment.refused]
