"""An in-toto Statement v1 per data file: its digest as the subject, its record as the predicate.

The statement is unsigned, ready for a signer: ``cosign attest-blob``, the ``actions/attest``
action (subject path, ``predicate-type`` and the ``predicate`` member as the predicate file), or
any DSSE signer. ``gh attestation verify FILE --bundle ... --predicate-type <$id>`` then checks it,
and ``qa-provenance check`` verifies the signature and counts it towards the ``attested`` trust
level when its signer is allowed (``attestations.allow`` / ``attestations.keys``, see
``provenance.trust``) and its predicate agrees with the file's record.

The predicate type is the ``$id`` of the published record schema, read from
``schemas/provenance.schema.json``, so the statement names exactly the format its predicate
follows. The subject digest is the sha256 of the file's bytes (what ``gh attestation verify`` and
``cosign`` compute), or, for a Git LFS pointer, the object's ``oid``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from provenance.reading.schema import load_schema
from provenance.trust.statement import SPOT_CHECK_PREDICATE, STATEMENT_V1


def predicate_type() -> str:

    return str(load_schema("provenance")["$id"])


def statement(name: str, sha256: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """The Statement for one file: ``name`` is its path relative to the repository root."""
    return {
        "_type": STATEMENT_V1,
        "subject": [{"name": name, "digest": {"sha256": sha256}}],
        "predicateType": predicate_type(),
        "predicate": json.loads(json.dumps(dict(record), ensure_ascii=False, default=str)),
    }


def serialise(statements: list[dict[str, Any]]) -> str:
    """One statement as an indented JSON document; several as JSON Lines (the ``.intoto.jsonl``
    convention), one statement per line."""
    if len(statements) == 1:
        return json.dumps(statements[0], indent=2, ensure_ascii=False) + "\n"
    return "".join(json.dumps(s, ensure_ascii=False, separators=(",", ":")) + "\n"
                   for s in statements)


def spot_check_statement(entries: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """What ``spot-check --attest-statement`` writes: one subject per checked file, the
    verification entries (as ``--record`` appends them, plus the file's path) as the predicate.
    Signed in CI, it proves the spot check ran there and what it found; ``check`` accepts it for
    a file when its entry for the file's digest is a PASS whose numbers add up."""
    return {
        "_type": STATEMENT_V1,
        "subject": [{"name": name, "digest": {"sha256": str(entry["digest"]["sha256"])}}
                    for name, entry in entries],
        "predicateType": SPOT_CHECK_PREDICATE,
        "predicate": {"verifications": [{"file": name, **entry} for name, entry in entries]},
    }
