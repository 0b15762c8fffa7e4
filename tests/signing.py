"""Keys made for one test, and DSSE envelopes signed with them as any DSSE signer would."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

PAYLOAD_TYPE = "application/vnd.in-toto+json"


@dataclass
class Key:
    """A key pair made for one test; ``setting`` lists its public half under attestations.keys."""

    id: str
    private: Any
    pem: str

    @classmethod
    def generate(cls, kind: str = "ed25519", key_id: str = "ci-key-1") -> Key:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519

        private: Any = ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else \
            ec.generate_private_key(ec.SECP256R1())
        pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        return cls(key_id, private, pem)

    @property
    def setting(self) -> dict[str, str]:
        return {"id": self.id, "pem": self.pem}

    def sign(self, message: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        if isinstance(self.private, ec.EllipticCurvePrivateKey):
            return bytes(self.private.sign(message, ec.ECDSA(hashes.SHA256())))
        return bytes(self.private.sign(message))

    def envelope(self, payload: dict[str, Any], keyid: str | None = None) -> dict[str, Any]:
        """A DSSE envelope signed over PAE(payloadType, payload), as the DSSE spec says."""
        body = json.dumps(payload).encode()
        kind = PAYLOAD_TYPE.encode()
        pae = b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(body), body)
        return {"payloadType": PAYLOAD_TYPE, "payload": base64.b64encode(body).decode(),
                "signatures": [{"keyid": self.id if keyid is None else keyid,
                                "sig": base64.b64encode(self.sign(pae)).decode()}]}


def rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    public = rsa.generate_private_key(65537, 2048).public_key()
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
