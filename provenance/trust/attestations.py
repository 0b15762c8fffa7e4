"""Attestation files, read and judged per data file: signature first, then the statement.

An attestation is a bare in-toto statement, a DSSE envelope, or a Sigstore bundle (one per line of
a ``.intoto.jsonl``, as ``gh attestation download`` writes them, or the GitHub API's
``{"attestations": [{"bundle": ...}]}``). Each one that names a file's digest is verified, fail
closed: a bare statement is unsigned; an envelope needs a signature by a key in
``attestations.keys`` (``dsse``); a bundle must verify with sigstore against the trusted root and
its certificate must be allowed (``sigstore_bundles``); then the signed statement must agree with
the file (``statement``). Whatever does not verify is a refusal naming why, reported as QP032 and
never counted. Signatures are checked once per run; the statement once per file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.trust import statement as statements
from provenance.trust.dsse import AttestationError, PublicKey, parse_envelope
from provenance.trust.policy import Policy

if TYPE_CHECKING:
    from provenance.checks.verification import VerificationPolicy
    from provenance.fs.globs import GlobSet
    from provenance.identity.independence import Judge
    from provenance.record import Agent
    from provenance.trust.sigstore_bundles import Roots

SIGSTORE_BUNDLE = "application/vnd.dev.sigstore.bundle"
MAX_ATTESTATION_BYTES = 16 << 20


@dataclass(frozen=True)
class Attestation:
    path: str  # the attestation file, relative to the root
    line: int | None  # its line in a .jsonl file
    wrapper: str  # "statement", "DSSE envelope" or "Sigstore bundle"
    document: Mapping[str, Any] = field(repr=False)  # the envelope or bundle, as read
    statement: statements.Statement = field(repr=False)  # as read: NOT trusted until verified
    beside: bool = False  # found beside the data file (not listed in the configuration)

    @property
    def source(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Verdict:
    """One attestation judged for one file: evidence when it holds, else why not."""

    attestation: Attestation
    evidence: str | None = None
    refusal: str | None = None
    stale: bool = False  # beside the file but over other content


def parse_attestations(document: Any, path: str, line: int | None = None) -> list[Attestation]:
    """Every attestation in one JSON value: a statement, an envelope, a Sigstore bundle, a GitHub
    API item (``{"bundle": ...}``) or response (``{"attestations": [...]}``), or a list of them."""
    if isinstance(document, list):
        return [a for item in document for a in parse_attestations(item, path, line)]
    if not isinstance(document, Mapping):
        raise AttestationError("expected a JSON object")
    if isinstance(document.get("attestations"), list):
        return parse_attestations(document["attestations"], path, line)
    if isinstance(document.get("bundle"), Mapping) and "dsseEnvelope" not in document:
        return parse_attestations(document["bundle"], path, line)
    if "dsseEnvelope" in document or str(document.get("mediaType", "")).startswith(
            SIGSTORE_BUNDLE):
        envelope = document.get("dsseEnvelope")
        if not isinstance(envelope, Mapping):
            raise AttestationError("Sigstore bundle without a DSSE envelope (a signature over a "
                                   "file, not an attestation)")
        peek = statements.parse_statement(parse_envelope(envelope).statement())
        return [Attestation(path, line, "Sigstore bundle", document, peek)]
    if "payloadType" in document or "payload" in document:
        peek = statements.parse_statement(parse_envelope(document).statement())
        return [Attestation(path, line, "DSSE envelope", document, peek)]
    if "_type" in document:
        return [Attestation(path, line, "statement", document,
                            statements.parse_statement(document))]
    raise AttestationError("not an in-toto statement, DSSE envelope or Sigstore bundle")


def load_attestation_file(path: Path, relpath: str
                          ) -> tuple[list[Attestation], list[tuple[int | None, str]]]:
    """Attestations in a ``.intoto.jsonl`` (one JSON value per line) or ``.intoto.json`` file,
    and (line, why) for each part that could not be used."""
    try:
        if path.stat().st_size > MAX_ATTESTATION_BYTES:
            return [], [(None, f"larger than {MAX_ATTESTATION_BYTES >> 20} MiB, not read")]
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [(None, f"cannot read: {exc}")]
    found: list[Attestation] = []
    problems: list[tuple[int | None, str]] = []
    if path.name.endswith(".jsonl"):
        chunks: list[tuple[int | None, str]] = [
            (n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    else:
        chunks = [(None, text)]
    for number, chunk in chunks:
        try:
            found.extend(parse_attestations(json.loads(chunk), relpath, number))
        except json.JSONDecodeError as exc:
            problems.append((number, f"not JSON ({exc.msg})"))
        except AttestationError as exc:
            problems.append((number, str(exc)))
    return found, problems


@dataclass(frozen=True)
class Signed:
    """The outcome of checking one attestation's signature (independent of any data file)."""

    signer: str | None
    statement: statements.Statement | None
    reason: str = ""


@dataclass
class TrustContext:
    """Attestations for one run: files beside each data file, plus ``attestations.files``
    (read once), all matched to data files by digest; keys, roots and signatures checked once."""

    root: Path
    policy: Policy
    listed: GlobSet | None = None
    all_files: Callable[[], Iterable[str]] | None = None
    notices: list[str] = field(default_factory=list)
    _shared: list[Attestation] | None = None
    _signed: dict[str, Signed] = field(default_factory=dict)
    _keys: tuple[list[PublicKey], list[str]] | None = None
    _roots: Roots | str | None = None

    @classmethod
    def from_config(cls, root: Path, raw: Mapping[str, Any],
                    all_files: Callable[[], Iterable[str]] | None = None) -> TrustContext:
        listed = None
        if raw.get("files"):
            from provenance.fs.globs import GlobSet

            files = raw["files"]
            listed = GlobSet((files,) if isinstance(files, str) else tuple(files))
        return cls(root, Policy.from_config(raw), listed, all_files)

    # -------------------------------------------------------------------------- reading
    def attestations_for(self, relpath: str) -> tuple[list[Attestation], list[Verdict]]:
        """What may attest ``relpath``, and a refusal for each unusable part of its own
        attestation files (an unreadable line beside a dataset is a claim that fails)."""
        from provenance.trust.levels import attestation_paths

        found: list[Attestation] = []
        unusable: list[Verdict] = []
        for candidate in attestation_paths(relpath):
            path = self.root / candidate
            if path.is_file():
                items, issues = load_attestation_file(path, candidate)
                found.extend(replace(item, beside=True) for item in items)
                placeholder = statements.Statement((), "", {})
                unusable.extend(Verdict(Attestation(candidate, line, "attestation", {},
                                                    placeholder, True), refusal=why)
                                for line, why in issues)
        return found + self._listed(), unusable

    def _listed(self) -> list[Attestation]:
        if self._shared is None:
            self._shared = []
            if self.listed is not None and self.all_files is not None:
                for relpath in self.all_files():
                    if self.listed.matches(relpath):
                        items, issues = load_attestation_file(self.root / relpath, relpath)
                        self._shared.extend(items)
                        self.notices.extend(f"{relpath}{f':{line}' if line else ''}: {why}"
                                            for line, why in issues)
        return self._shared

    # ------------------------------------------------------------------------- judging
    def judge(self, attestations: Sequence[Attestation], digests: Iterable[str],
              record: Mapping[str, Any], generators: Sequence[Agent],
              judge: Judge | None, verification: VerificationPolicy | None = None
              ) -> list[Verdict]:
        """A verdict for each attestation that concerns the file (names its digest, or lies
        beside it); listed attestations over other files are left out."""
        wanted = set(digests)
        verdicts = []
        for attestation in attestations:
            if not attestation.statement.covers(wanted):
                if attestation.beside:
                    verdicts.append(Verdict(attestation, refusal=(
                        f"attests other content (sha256 {attestation.statement.shown_subjects()})"
                        ": the file changed since it was attested"), stale=True))
                continue
            signed = self.signature(attestation)
            if signed.signer is None or signed.statement is None:
                verdicts.append(Verdict(attestation, refusal=signed.reason))
                continue
            why = statements.problem(signed.statement, wanted, record, generators, judge,
                                     self.policy.predicate_types, verification)
            if why is not None:
                verdicts.append(Verdict(attestation, refusal=f"signed by {signed.signer}, but "
                                        f"its statement {why}"))
                continue
            verdicts.append(Verdict(attestation, evidence=(
                f"{attestation.source}: {attestation.wrapper} with predicateType "
                f"{signed.statement.predicate_type}, signature verified: {signed.signer}")))
        return verdicts

    def signature(self, attestation: Attestation) -> Signed:
        known = self._signed.get(attestation.source)
        if known is None:
            known = self._signed[attestation.source] = self._check_signature(attestation)
        return known

    def _check_signature(self, attestation: Attestation) -> Signed:
        from provenance.trust import dsse

        if attestation.wrapper == "statement":
            return Signed(None, None, "a bare statement carries no signature")
        document = attestation.document
        envelope = document.get("dsseEnvelope", document)
        material = document.get("verificationMaterial")
        if attestation.wrapper == "DSSE envelope" or (
                isinstance(material, Mapping) and "publicKey" in material):
            keys, problems = self.keys()
            signer, reason = dsse.verify(parse_envelope(envelope), keys)
            if signer is None:
                return Signed(None, None, "; ".join([reason, *problems]))
            return Signed(f"key '{signer}'", attestation.statement)
        return self._check_bundle(document)

    def _check_bundle(self, document: Mapping[str, Any]) -> Signed:
        from provenance.trust import sigstore_bundles

        try:
            roots = self.roots()
            verified = sigstore_bundles.verify(document, roots, self.policy)
        except sigstore_bundles.Refused as exc:
            return Signed(None, None, str(exc))
        try:
            signed = statements.parse_statement(json.loads(verified.payload))
        except (ValueError, AttestationError) as exc:
            return Signed(None, None, f"the signed payload is not an in-toto statement ({exc})")
        return Signed(verified.signer, signed)

    def keys(self) -> tuple[list[PublicKey], list[str]]:
        """The listed public keys, loaded once; and why any could not be."""
        if self._keys is None:
            from provenance.trust.dsse import load_public_key

            keys, problems = [], []
            for index, setting in enumerate(self.policy.keys):
                where = f"attestations.keys[{index}]"
                try:
                    pem = setting.pem.encode() if setting.pem is not None else \
                        self._read(setting.file or "", where)
                    keys.append(load_public_key(setting.id, pem))
                except ValueError as exc:
                    problems.append(f"{where}: {exc}")
            self._keys = (keys, problems)
        return self._keys

    def roots(self) -> Roots:
        from provenance.trust.sigstore_bundles import Refused, Roots

        if self._roots is None:
            try:
                pinned = [(path, self._read(path, "attestations.trusted-root"))
                          for path in self.policy.trusted_roots]
                self._roots = Roots.load(pinned)
            except (Refused, ValueError) as exc:
                self._roots = str(exc)
        if isinstance(self._roots, str):
            raise Refused(self._roots)
        return self._roots

    def _read(self, relpath: str, where: str) -> bytes:
        """A file named in the configuration: inside the repository, not through a symlink
        that leaves it."""
        from provenance.fs import confine

        path = self.root / relpath
        if not relpath or Path(relpath).is_absolute() or ".." in Path(relpath).parts:
            raise ValueError(f"{where}: '{relpath}' is not a path inside the repository")
        refused = confine.problem(self.root, path)
        if refused is not None:
            raise ValueError(f"{where}: {relpath}: {refused}")
        try:
            return path.read_bytes()
        except OSError as exc:
            raise ValueError(f"{where}: cannot read {relpath}: {exc.strerror or exc}") from None
