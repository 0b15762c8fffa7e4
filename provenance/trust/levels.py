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
    An in-toto attestation (Statement v1, bare, in a DSSE envelope, or in a Sigstore bundle) names
    the file's digest among its subjects and is signed by an identity the configuration allows.

Signature cryptography is NOT verified here. This module reads an attestation, checks that its
subject digest is the file's, and that the signer identity it *declares* (a DSSE ``keyid``, a
Sigstore bundle's certificate identity or public-key hint) is on the allow-list. Anyone who can
write to the repository can write such a file, so verify the signature first, in CI, with
``gh attestation verify FILE --bundle FILE.intoto.jsonl --repo OWNER/REPO --cert-identity ...``
or ``cosign verify-blob-attestation``, and let this check enforce what must be attested.

Levels are ordered (declared < recorded < attested); a file's level is the highest one whose
evidence holds, so an attested file also meets a minimum of ``recorded``. Only the standard library
is used: the certificate identity is read with a small DER walker, not a crypto package.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from provenance.checks.verification import VerificationPolicy
    from provenance.fs.globs import GlobSet
    from provenance.identity.independence import Judge
    from provenance.record import Agent

DECLARED, RECORDED, ATTESTED = "declared", "recorded", "attested"
LEVELS = (DECLARED, RECORDED, ATTESTED)

STATEMENT_V1 = "https://in-toto.io/Statement/v1"
DSSE_INTOTO = "application/vnd.in-toto+json"
SIGSTORE_BUNDLE = "application/vnd.dev.sigstore.bundle"
ATTESTATION_SUFFIXES = (".intoto.jsonl", ".intoto.json")
DRAFT_SUFFIX = ".provenance.draft.yaml"  # written by `qa-provenance import`, never checked
MAX_ATTESTATION_BYTES = 16 << 20

# X.509 and Fulcio object identifiers, as dotted strings.
OID_SUBJECT_ALT_NAME = "2.5.29.17"
OID_FULCIO_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"  # raw string
OID_FULCIO_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"  # DER UTF8String


def rank(level: str) -> int:
    return LEVELS.index(level)


def is_attestation_file(relpath: str) -> bool:
    return relpath.endswith(ATTESTATION_SUFFIXES)


def is_auxiliary_file(relpath: str) -> bool:
    """Files this tool reads or writes beside data that are never datasets themselves."""
    return is_attestation_file(relpath) or relpath.endswith(DRAFT_SUFFIX)


def attestation_paths(data_relpath: str) -> list[str]:
    return [data_relpath + suffix for suffix in ATTESTATION_SUFFIXES]


# ------------------------------------------------------------------------- attestations


class AttestationError(ValueError):
    """A document that is not an in-toto statement, DSSE envelope or Sigstore bundle."""


@dataclass(frozen=True)
class Signer:
    """An identity an attestation *declares* for its signature (never verified here)."""

    identity: str
    kind: str  # "keyid", "certificate" or "public-key"
    issuer: str | None = None

    def describe(self) -> str:
        issuer = f", issuer {self.issuer}" if self.issuer else ""
        return f"{self.kind} '{self.identity}'{issuer}"


@dataclass(frozen=True)
class Attestation:
    source: str  # "path" or "path:line", for messages
    subjects: tuple[tuple[str, str], ...]  # (name, sha256)
    predicate_type: str
    signers: tuple[Signer, ...]
    wrapper: str  # "statement", "dsse" or "sigstore bundle"
    beside: bool = False  # found beside the data file (not listed in the configuration)

    def covers(self, digests: Iterable[str]) -> bool:
        wanted = set(digests)
        return any(sha in wanted for _name, sha in self.subjects)


@dataclass(frozen=True)
class AllowedIdentity:
    """One ``attestations.allow`` entry: an identity (``*`` matches any characters) and, when
    given, the certificate issuer it must come with."""

    identity: str
    issuer: str | None = None

    @classmethod
    def from_config(cls, raw: Any) -> AllowedIdentity:
        if isinstance(raw, Mapping):
            issuer = raw.get("issuer")
            return cls(str(raw["identity"]), str(issuer) if issuer is not None else None)
        return cls(str(raw))

    def admits(self, signer: Signer) -> bool:
        if not fnmatchcase(signer.identity, self.identity):
            return False
        return self.issuer is None or signer.issuer == self.issuer


def parse_attestations(document: Any, source: str) -> list[Attestation]:
    """Every attestation in one JSON value: a statement, an envelope, a Sigstore bundle, a GitHub
    API item (``{"bundle": ...}``) or response (``{"attestations": [...]}``), or a list of them."""
    if isinstance(document, list):
        return [a for item in document for a in parse_attestations(item, source)]
    if not isinstance(document, Mapping):
        raise AttestationError("expected a JSON object")
    if isinstance(document.get("attestations"), list):
        return parse_attestations(document["attestations"], source)
    if isinstance(document.get("bundle"), Mapping) and "dsseEnvelope" not in document:
        return parse_attestations(document["bundle"], source)
    if "dsseEnvelope" in document or str(document.get("mediaType", "")).startswith(
            SIGSTORE_BUNDLE):
        return [_from_bundle(document, source)]
    if "payloadType" in document or "payload" in document:
        statement, signers = _from_envelope(document)
        return [_attestation(statement, signers, source, "dsse")]
    if "_type" in document:
        return [_attestation(document, (), source, "statement")]
    raise AttestationError("not an in-toto statement, DSSE envelope or Sigstore bundle")


def load_attestation_file(path: Path, source: str) -> tuple[list[Attestation], list[str]]:
    """Attestations in a ``.intoto.jsonl`` (one JSON value per line) or ``.intoto.json`` file,
    and a message per part that could not be used."""
    try:
        if path.stat().st_size > MAX_ATTESTATION_BYTES:
            return [], [f"{source}: larger than {MAX_ATTESTATION_BYTES >> 20} MiB, not read"]
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{source}: cannot read: {exc}"]
    found: list[Attestation] = []
    problems: list[str] = []
    if path.name.endswith(".jsonl"):
        chunks = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    else:
        chunks = [(0, text)]
    for number, chunk in chunks:
        where = f"{source}:{number}" if number else source
        try:
            found.extend(parse_attestations(json.loads(chunk), where))
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc.msg})")
        except AttestationError as exc:
            problems.append(f"{where}: {exc}")
    return found, problems


def _attestation(statement: Any, signers: tuple[Signer, ...], source: str,
                 wrapper: str) -> Attestation:
    if not isinstance(statement, Mapping):
        raise AttestationError("the statement is not a JSON object")
    kind = statement.get("_type")
    if kind != STATEMENT_V1:
        raise AttestationError(f"statement _type is {kind!r}, expected {STATEMENT_V1}")
    subjects = statement.get("subject")
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
    predicate_type = statement.get("predicateType")
    if not isinstance(predicate_type, str) or not predicate_type:
        raise AttestationError("the statement has no predicateType")
    return Attestation(source, tuple(pairs), predicate_type, signers, wrapper)


def _from_envelope(envelope: Mapping[str, Any]) -> tuple[Any, tuple[Signer, ...]]:
    payload_type = envelope.get("payloadType")
    if payload_type != DSSE_INTOTO:
        raise AttestationError(f"DSSE payloadType is {payload_type!r}, expected {DSSE_INTOTO}")
    payload = envelope.get("payload")
    if not isinstance(payload, str):
        raise AttestationError("DSSE envelope without a payload")
    try:
        statement = json.loads(_b64decode(payload))
    except (ValueError, UnicodeDecodeError) as exc:
        raise AttestationError(f"DSSE payload is not base64-encoded JSON ({exc})") from None
    signers = []
    for signature in envelope.get("signatures") or ():
        if not isinstance(signature, Mapping) or not signature.get("sig"):
            continue  # an entry without a signature names no signer
        keyid = signature.get("keyid")
        if isinstance(keyid, str) and keyid.strip():
            signers.append(Signer(keyid.strip(), "keyid"))
    return statement, tuple(signers)


def _from_bundle(bundle: Mapping[str, Any], source: str) -> Attestation:
    envelope = bundle.get("dsseEnvelope")
    if not isinstance(envelope, Mapping):
        raise AttestationError("Sigstore bundle without a DSSE envelope (a signature over a file, "
                               "not an attestation)")
    statement, signers = _from_envelope(envelope)
    signed = any(isinstance(s, Mapping) and s.get("sig") for s in envelope.get("signatures") or ())
    material = bundle.get("verificationMaterial")
    found: list[Signer] = []
    if signed and isinstance(material, Mapping):
        for der in _certificates(material)[:1]:  # the leaf names the signer
            try:
                names, issuer = certificate_identities(der)
            except ValueError as exc:
                raise AttestationError(f"unreadable certificate in the bundle ({exc})") from None
            found.extend(Signer(name, "certificate", issuer) for name in names)
        key = material.get("publicKey")
        if isinstance(key, Mapping) and isinstance(key.get("hint"), str) and key["hint"].strip():
            found.append(Signer(key["hint"].strip(), "public-key"))
    return _attestation(statement, (*found, *signers), source, "sigstore bundle")


def _certificates(material: Mapping[str, Any]) -> list[bytes]:
    raws: list[Any] = []
    certificate = material.get("certificate")
    if isinstance(certificate, Mapping):
        raws.append(certificate.get("rawBytes"))
    chain = material.get("x509CertificateChain")
    if isinstance(chain, Mapping):
        raws.extend(c.get("rawBytes") for c in chain.get("certificates") or ()
                    if isinstance(c, Mapping))
    out = []
    for raw in raws:
        if isinstance(raw, str):
            try:
                out.append(_b64decode(raw))
            except ValueError:
                raise AttestationError("certificate rawBytes is not base64") from None
    return out


def _b64decode(text: str) -> bytes:
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


# --------------------------------------------------------------- certificate identity (DER)


def certificate_identities(der: bytes) -> tuple[list[str], str | None]:
    """The subject alternative names (URI, e-mail, DNS) of an X.509 certificate and its Fulcio
    OIDC issuer, read from the DER bytes. The certificate is parsed, not verified."""
    certificate = _only(_tlvs(der, 0, len(der)), 0x30, "certificate")
    tbs = next(_tlvs(der, certificate[1], certificate[2]), None)
    if tbs is None or tbs[0] != 0x30:
        raise ValueError("no tbsCertificate")
    names: list[str] = []
    issuer: str | None = None
    for tag, start, end in _tlvs(der, tbs[1], tbs[2]):
        if tag != 0xA3:  # [3] extensions
            continue
        extensions = _only(_tlvs(der, start, end), 0x30, "extensions")
        for ext_tag, ext_start, ext_end in _tlvs(der, extensions[1], extensions[2]):
            if ext_tag != 0x30:
                continue
            parts = list(_tlvs(der, ext_start, ext_end))
            if not parts or parts[0][0] != 0x06 or parts[-1][0] != 0x04:
                continue
            oid = _oid(der[parts[0][1]:parts[0][2]])
            value = der[parts[-1][1]:parts[-1][2]]
            if oid == OID_SUBJECT_ALT_NAME:
                names.extend(_general_names(value))
            elif oid == OID_FULCIO_ISSUER_V2:
                inner = _only(_tlvs(value, 0, len(value)), 0x0C, "issuer")
                issuer = value[inner[1]:inner[2]].decode("utf-8", "replace")
            elif oid == OID_FULCIO_ISSUER_V1 and issuer is None:
                issuer = value.decode("utf-8", "replace")
    return names, issuer


def _general_names(value: bytes) -> list[str]:
    sequence = _only(_tlvs(value, 0, len(value)), 0x30, "subjectAltName")
    out = []
    for tag, start, end in _tlvs(value, sequence[1], sequence[2]):
        if tag in (0x81, 0x82, 0x86):  # [1] rfc822Name, [2] dNSName, [6] URI
            out.append(value[start:end].decode("utf-8", "replace"))
    return out


def _tlvs(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(tag, content start, content end) of each DER element in ``data[start:end]``."""
    pos = start
    while pos < end:
        if pos + 2 > end:
            raise ValueError("truncated DER")
        tag, length = data[pos], data[pos + 1]
        pos += 2
        if tag & 0x1F == 0x1F:
            raise ValueError("unsupported DER tag")
        if length & 0x80:
            count = length & 0x7F
            if not 1 <= count <= 4 or pos + count > end:
                raise ValueError("bad DER length")
            length = int.from_bytes(data[pos:pos + count], "big")
            pos += count
        if pos + length > end:
            raise ValueError("truncated DER")
        yield tag, pos, pos + length
        pos += length


def _only(items: Iterator[tuple[int, int, int]], tag: int, what: str) -> tuple[int, int, int]:
    first = next(items, None)
    if first is None or first[0] != tag:
        raise ValueError(f"malformed {what}")
    return first


def _oid(raw: bytes) -> str:
    if not raw:
        return ""
    first = raw[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


# --------------------------------------------------------------------------- the levels


@dataclass(frozen=True)
class Assessment:
    level: str
    evidence: str | None = None  # what earned the level above declared
    missing: tuple[str, ...] = ()  # why the higher levels were not reached


@dataclass(frozen=True)
class Policy:
    """What the configuration says about attestations."""

    allow: tuple[AllowedIdentity, ...] = ()
    predicate_types: tuple[str, ...] = ()  # empty: any predicate type

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> Policy:
        return cls(tuple(AllowedIdentity.from_config(item) for item in raw.get("allow") or ()),
                   tuple(str(t) for t in raw.get("predicate-types") or ()))


def recorded_evidence(raw: Mapping[str, Any], digests: Iterable[str],
                      generators: Sequence[Agent], judge: Judge | None,
                      verification: VerificationPolicy | None = None,
                      now: datetime | None = None) -> tuple[str | None, str]:
    """An unsigned PASS for the current content whose numbers meet the plan (the same test as
    QP030, ``checks.verification``): (what it is, or None; why not). Still only a claim."""
    from datetime import datetime, timezone

    from provenance.checks.verification import VerificationPolicy, newest_accepted

    accepted, reason = newest_accepted(
        raw.get("verifications"), digests, verification or VerificationPolicy(),
        now or datetime.now(timezone.utc), generators, judge)
    if accepted is None:
        return None, reason
    return accepted.describe(), ""


def attested_evidence(attestations: Sequence[Attestation], digests: Iterable[str],
                      policy: Policy) -> tuple[str | None, list[str]]:
    """An attestation over the file's digest by an allowed identity: (what, or None; why not)."""
    wanted = set(digests)
    reasons: list[str] = []
    for attestation in attestations:
        if not attestation.covers(wanted):
            if attestation.beside:
                shown = ", ".join(sha[:12] + "..." for _name, sha in attestation.subjects)
                reasons.append(f"{attestation.source}: attests other content (sha256 {shown}): "
                               "the file changed since it was attested")
            continue
        if policy.predicate_types and attestation.predicate_type not in policy.predicate_types:
            reasons.append(f"{attestation.source}: predicateType {attestation.predicate_type} is "
                           "not in attestations.predicate-types")
            continue
        if not attestation.signers:
            reasons.append(f"{attestation.source}: the {attestation.wrapper} declares no signer "
                           "identity")
            continue
        for signer in attestation.signers:
            if any(allowed.admits(signer) for allowed in policy.allow):
                return (f"{attestation.source}: {attestation.wrapper} with predicateType "
                        f"{attestation.predicate_type}, signed by {signer.describe()} (signature "
                        "not verified here)"), []
        names = ", ".join(s.describe() for s in attestation.signers)
        reasons.append(f"{attestation.source}: signer {names} is not in attestations.allow")
    if not reasons:
        reasons.append("no in-toto attestation names the file's digest")
    return None, reasons


def assess(raw: Mapping[str, Any], digests: Iterable[str], generators: Sequence[Agent],
           attestations: Sequence[Attestation], policy: Policy,
           judge: Judge | None = None, *,
           verification: VerificationPolicy | None = None) -> Assessment:
    """The file's trust level from its record, its current digests and the attestations found."""
    digest_set = {d for d in digests if d}
    attested, attest_reasons = attested_evidence(attestations, digest_set, policy)
    if attested is not None:
        return Assessment(ATTESTED, attested)
    recorded, record_reason = recorded_evidence(raw, digest_set, generators, judge, verification)
    if recorded is not None:
        return Assessment(RECORDED, recorded, tuple(attest_reasons))
    return Assessment(DECLARED, None, (record_reason, *attest_reasons))


# ------------------------------------------------------------------------ per-run context


@dataclass
class TrustContext:
    """Attestations for one run: files beside each data file, plus ``attestations.files``
    (read once), all matched to data files by digest."""

    root: Path
    policy: Policy
    listed: GlobSet | None = None
    all_files: Callable[[], Iterable[str]] | None = None
    notices: list[str] = field(default_factory=list)
    _shared: list[Attestation] | None = None

    @classmethod
    def from_config(cls, root: Path, raw: Mapping[str, Any],
                    all_files: Callable[[], Iterable[str]] | None = None) -> TrustContext:
        listed = None
        if raw.get("files"):
            from provenance.fs.globs import GlobSet

            files = raw["files"]
            listed = GlobSet((files,) if isinstance(files, str) else tuple(files))
        return cls(root, Policy.from_config(raw), listed, all_files)

    def attestations_for(self, relpath: str) -> tuple[list[Attestation], list[str]]:
        found: list[Attestation] = []
        problems: list[str] = []
        for candidate in attestation_paths(relpath):
            path = self.root / candidate
            if path.is_file():
                items, issues = load_attestation_file(path, candidate)
                found.extend(replace(item, beside=True) for item in items)
                problems.extend(issues)
        return found + self._listed(), problems

    def _listed(self) -> list[Attestation]:
        if self._shared is None:
            self._shared = []
            if self.listed is not None and self.all_files is not None:
                for relpath in self.all_files():
                    if self.listed.matches(relpath):
                        items, issues = load_attestation_file(self.root / relpath, relpath)
                        self._shared.extend(items)
                        self.notices.extend(issues)
        return self._shared
