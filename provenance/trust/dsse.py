"""DSSE envelopes: decoding, the pre-authentication encoding, and signatures by listed keys.

A DSSE signature covers ``PAE(payloadType, payload)``, never the JSON around it, so the payload
type cannot be swapped under a signature. The ``keyid`` beside a signature is an unauthenticated
hint: it only picks which listed key to try first. Keys are Ed25519 or ECDSA P-256 public keys in
PEM (what ``cosign generate-key-pair`` and ``openssl`` write); ``cryptography`` is imported only
when a signature is checked.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PAYLOAD_TYPE = "application/vnd.in-toto+json"
INSTALL_HINT = "pip install 'qa-provenance[attest]'"


class AttestationError(ValueError):
    """A document that is not an in-toto statement, DSSE envelope or Sigstore bundle."""


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[tuple[str, str], ...]  # (keyid, base64 signature)

    def statement(self) -> Any:
        try:
            return json.loads(self.payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise AttestationError(f"DSSE payload is not JSON ({exc})") from None


def parse_envelope(envelope: Mapping[str, Any]) -> Envelope:
    payload_type = envelope.get("payloadType")
    if payload_type != PAYLOAD_TYPE:
        raise AttestationError(f"DSSE payloadType is {payload_type!r}, expected {PAYLOAD_TYPE}")
    payload = envelope.get("payload")
    if not isinstance(payload, str):
        raise AttestationError("DSSE envelope without a payload")
    try:
        raw = b64decode(payload)
    except ValueError as exc:
        raise AttestationError(f"DSSE payload is not base64-encoded JSON ({exc})") from None
    signatures = []
    for item in envelope.get("signatures") or ():
        if isinstance(item, Mapping) and isinstance(item.get("sig"), str) and item["sig"]:
            keyid = item.get("keyid")
            signatures.append((keyid.strip() if isinstance(keyid, str) else "", item["sig"]))
    return Envelope(payload_type, raw, tuple(signatures))


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what the signature is over."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


def b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, padding optional (DSSE allows either alphabet)."""
    compact = "".join(text.split())
    padded = compact + "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except binascii.Error:
        try:
            return base64.b64decode(padded, altchars=b"-_", validate=True)
        except binascii.Error as exc:
            raise ValueError(str(exc)) from None


# ------------------------------------------------------------------------------- the keys


@dataclass(frozen=True)
class PublicKey:
    id: str
    key: Any  # Ed25519PublicKey or EllipticCurvePublicKey (P-256)


def load_public_key(key_id: str, pem: bytes) -> PublicKey:
    """A listed key, or ValueError naming what is wrong with it."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
    except ImportError:
        raise ValueError(f"the cryptography package is not installed ({INSTALL_HINT})") from None
    try:
        key = load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"key '{key_id}' is not a PEM public key ({exc})") from None
    if isinstance(key, ed25519.Ed25519PublicKey) or (
            isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)):
        return PublicKey(key_id, key)
    raise ValueError(f"key '{key_id}' is a {type(key).__name__.lstrip('_')}: only Ed25519 and "
                     "ECDSA P-256 public keys are accepted")


def verify(envelope: Envelope, keys: Sequence[PublicKey]) -> tuple[str | None, str]:
    """The id of a listed key whose signature is on the envelope, or None and why none is."""
    if not envelope.signatures:
        return None, "the envelope carries no signature"
    hints = ", ".join(repr(keyid) for keyid, _sig in envelope.signatures if keyid) or "none"
    if not keys:
        return None, (f"no public key is listed in attestations.keys to verify its signature "
                      f"(keyid {hints})")
    message = pae(envelope.payload_type, envelope.payload)
    for keyid, encoded in envelope.signatures:
        try:
            signature = b64decode(encoded)
        except ValueError:
            continue
        named = [key for key in keys if key.id == keyid]
        for key in named or keys:
            if _valid(key.key, signature, message):
                return key.id, ""
    listed = ", ".join(key.id for key in keys)
    return None, (f"no signature (keyid {hints}) verifies with the keys in attestations.keys "
                  f"({listed})")


def _valid(key: Any, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
            return True
        candidates = [signature]
        if len(signature) == 64:  # IEEE P1363 r||s, as some signers write it
            candidates.append(encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                                   int.from_bytes(signature[32:], "big")))
        for candidate in candidates:
            try:
                key.verify(candidate, message, ec.ECDSA(hashes.SHA256()))
                return True
            except InvalidSignature:
                continue
        return False
    except (InvalidSignature, ValueError):
        return False
