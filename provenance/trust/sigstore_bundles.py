"""Sigstore bundles (GitHub artifact attestations among them), verified offline by sigstore-python.

``sigstore`` checks everything a bundle carries: the certificate chains to the trusted root's
Fulcio at a verified time (transparency log entry or RFC 3161 timestamp), its SCT, the log entry's
inclusion proof or promise, the DSSE signature by the certificate's key, and the log entry's
consistency with the envelope. Then the allow-list decides whether the certificate's holder may
attest. No network: the trusted root is the one sigstore-python's wheel embeds for the public-good
instance (read from the wheel, not from a TUF cache that anyone could have written), or roots
pinned in the configuration (``attestations.trusted-root``, e.g. for GitHub's own instance that
signs private repositories' attestations). ``sigstore`` is imported only when a bundle is checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from provenance.trust.dsse import INSTALL_HINT, PAYLOAD_TYPE
from provenance.trust.policy import CertificateIdentity, Policy

PUBLIC_GOOD_TUF = "https://tuf-repo-cdn.sigstore.dev"
OID_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"  # raw bytes
OID_REPOSITORY_V1 = "1.3.6.1.4.1.57264.1.5"  # raw "owner/name"
OID_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"  # DER UTF8String
OID_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12"  # DER UTF8String


class Refused(Exception):
    """A bundle that does not verify; the message says why."""


@dataclass(frozen=True)
class Verified:
    payload: bytes  # the in-toto statement, as signed
    signer: str  # for messages: the certificate's identity and the allow entry it met


@dataclass
class Roots:
    """The trusted roots of one run, loaded once: (label, TrustedRoot)."""

    loaded: list[tuple[str, Any]]

    @classmethod
    def load(cls, pinned: Sequence[tuple[str, bytes]]) -> Roots:
        """``pinned``: (path, bytes) of each configured root; none: the embedded one."""
        models = _import()
        loaded = []
        if not pinned:
            from importlib import resources

            embedded = resources.files("sigstore._store").joinpath(
                quote(PUBLIC_GOOD_TUF, safe=""), "trusted_root.json")
            try:
                pinned = [("the trusted root embedded in sigstore", embedded.read_bytes())]
            except OSError as exc:
                raise Refused(f"sigstore's embedded trusted root cannot be read ({exc})") from None
        for label, raw in pinned:
            try:
                loaded.append((label, models.TrustedRoot(models.InnerRoot.from_json(raw))))
            except Exception as exc:  # pydantic or sigstore, any malformed root
                raise Refused(f"{label} is not a Sigstore trusted root ({_first_line(exc)})"
                              ) from None
        return cls(loaded)


def verify(document: Mapping[str, Any], roots: Roots, policy: Policy) -> Verified:
    """The signed payload of a bundle whose signer the policy allows; Refused otherwise."""
    models = _import()
    try:
        bundle = models.Bundle.from_json(json.dumps(document))
    except Exception as exc:  # InvalidBundle, or pydantic's error on a malformed one
        raise Refused(f"not a valid Sigstore bundle ({_first_line(exc)})") from None
    gate = _AllowGate(policy)
    failures = []
    for label, root in roots.loaded:
        try:
            verifier = models.Verifier(trusted_root=root)
            payload_type, payload = verifier.verify_dsse(bundle, gate)
        except _NotAllowed as exc:
            raise Refused(str(exc)) from None
        except Exception as exc:  # VerificationError, or a malformed part deep inside
            failures.append(f"{_first_line(exc)} (with {label})")
            continue
        if payload_type != PAYLOAD_TYPE:
            raise Refused(f"the signed payload type is {payload_type!r}, not {PAYLOAD_TYPE}")
        assert gate.holder is not None and gate.entry is not None
        return Verified(bytes(payload),
                        f"{gate.holder.describe()}, allowed by {gate.entry.describe()}")
    raise Refused("the bundle does not verify: " + "; ".join(failures))


def identity_of(certificate: Any) -> CertificateIdentity:
    """Names, issuer and repository of a ``cryptography`` certificate (Fulcio's extensions)."""
    from cryptography import x509

    names: list[str] = []
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for kind in (x509.UniformResourceIdentifier, x509.RFC822Name, x509.DNSName):
            names.extend(str(v) for v in san.get_values_for_type(kind))
    except x509.ExtensionNotFound:
        pass
    values: dict[str, bytes] = {}
    for extension in certificate.extensions:
        if isinstance(extension.value, x509.UnrecognizedExtension):
            values[extension.oid.dotted_string] = extension.value.value
    issuer = _utf8_string(values.get(OID_ISSUER_V2)) or _raw(values.get(OID_ISSUER_V1))
    repository = _utf8_string(values.get(OID_SOURCE_REPOSITORY_URI))
    if repository and repository.startswith("https://github.com/"):
        repository = repository[len("https://github.com/"):]
    repository = repository or _raw(values.get(OID_REPOSITORY_V1))
    return CertificateIdentity(tuple(names), issuer, repository)


# ----------------------------------------------------------------------------- internals


class _Models:
    """The sigstore names this module uses, imported on first need."""

    def __init__(self) -> None:
        from sigstore.models import Bundle, TrustedRoot
        from sigstore.verify.verifier import Verifier
        from sigstore_models.trustroot.v1 import TrustedRoot as InnerRoot

        self.Bundle, self.TrustedRoot, self.Verifier = Bundle, TrustedRoot, Verifier
        self.InnerRoot = InnerRoot


_MODELS: list[_Models] = []


def _import() -> _Models:
    if not _MODELS:
        import socket

        # sigstore imports requests, whose urllib3 binds an IPv6 socket at import time to learn
        # whether the host has IPv6. Verification never connects anywhere, so that probe is
        # skipped: ``check`` opens no socket at all, which the test suite's guard enforces.
        has_ipv6 = socket.has_ipv6
        socket.has_ipv6 = False
        try:
            _MODELS.append(_Models())
        except ImportError:
            raise Refused(f"cannot verify a Sigstore bundle: the sigstore package is not "
                          f"installed ({INSTALL_HINT})") from None
        finally:
            socket.has_ipv6 = has_ipv6
    return _MODELS[0]


class _NotAllowed(Exception):
    """Raised from inside sigstore's verification when the allow-list refuses the holder."""


class _AllowGate:
    """A sigstore ``VerificationPolicy``: called with the signing certificate once its chain,
    SCT and time are verified; remembers who was admitted, refuses everyone else."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.holder: CertificateIdentity | None = None
        self.entry: Any = None

    def verify(self, cert: Any) -> None:
        holder = identity_of(cert)
        entry, reason = self.policy.admits(holder)
        if entry is None:
            raise _NotAllowed(reason)
        self.holder, self.entry = holder, entry


def _utf8_string(der: bytes | None) -> str | None:
    """The text of a DER UTF8String (tag 12), as Fulcio's v2 extensions hold it."""
    if not der or len(der) < 2 or der[0] != 0x0C:
        return None
    length, start = der[1], 2
    if length & 0x80:
        count = length & 0x7F
        length, start = int.from_bytes(der[2:2 + count], "big"), 2 + count
    return der[start:start + length].decode("utf-8", "replace")


def _raw(value: bytes | None) -> str | None:
    return value.decode("utf-8", "replace") if value else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
