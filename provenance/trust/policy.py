"""Who may attest, as the configuration says: certificate identities and public keys.

A Sigstore certificate is admitted by an ``attestations.allow`` entry that pins its OIDC issuer as
well as its identity: an e-mail address means nothing without the provider that vouched for it. A
GitHub entry names the repository and, optionally, the signing workflow; its issuer is GitHub
Actions'. A DSSE envelope signed with a plain key is admitted by a key listed under
``attestations.keys``: listing a public key is what allows it. Nothing here opens a key or a
certificate, so reading the configuration costs no crypto import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB = "https://github.com/"


@dataclass(frozen=True)
class CertificateIdentity:
    """What a verified Fulcio certificate says about its holder."""

    names: tuple[str, ...]  # subject alternative names: URI, e-mail, DNS
    issuer: str | None  # the OIDC issuer that vouched for them
    repository: str | None = None  # "owner/name", for GitHub Actions certificates

    def describe(self) -> str:
        names = ", ".join(repr(name) for name in self.names) or "no name"
        return f"certificate {names} (issuer {self.issuer or 'none'})"


@dataclass(frozen=True)
class AllowedIdentity:
    """One ``attestations.allow`` entry. ``identity`` (``*`` matches any characters) is the
    certificate's subject alternative name; ``repository`` and ``workflow`` describe a GitHub
    Actions signer (``acme/data`` and ``.github/workflows/attest.yml``)."""

    identity: str | None = None
    issuer: str | None = None
    repository: str | None = None
    workflow: str | None = None

    @classmethod
    def from_config(cls, raw: Any) -> AllowedIdentity:
        if isinstance(raw, Mapping):
            def text(key: str) -> str | None:
                value = raw.get(key)
                return str(value) if value is not None else None

            return cls(text("identity"), text("issuer"), text("repository"), text("workflow"))
        return cls(str(raw))

    @property
    def pinned_issuer(self) -> str | None:
        """The issuer a certificate must come from: given, or GitHub's for a GitHub signer."""
        if self.issuer is not None:
            return self.issuer
        if self.repository or self.workflow or (self.identity or "").startswith(GITHUB):
            return GITHUB_ISSUER
        return None

    def describe(self) -> str:
        parts = [f"{key} {value}" for key, value in (
            ("identity", self.identity), ("repository", self.repository),
            ("workflow", self.workflow), ("issuer", self.pinned_issuer)) if value]
        return "{" + ", ".join(parts) + "}"

    def refuses(self, holder: CertificateIdentity) -> str | None:
        """None when this entry admits the certificate, else why not."""
        issuer = self.pinned_issuer
        if issuer is None:
            return f"allow entry {self.describe()} pins no issuer (give identity and issuer)"
        if holder.issuer != issuer:
            return f"issuer {holder.issuer or 'none'} is not {issuer}"
        if self.identity is not None and not any(
                fnmatchcase(name, self.identity) for name in holder.names):
            return f"identity is not {self.identity}"
        if self.repository is not None and (holder.repository or "").lower() != \
                self.repository.lower():
            return f"repository {holder.repository or 'none'} is not {self.repository}"
        if self.workflow is not None:
            repository = self.repository or "*/*"
            pattern = f"{GITHUB}{repository}/{self.workflow.lstrip('/')}@*"
            if not any(fnmatchcase(name.lower(), pattern.lower()) for name in holder.names):
                return f"the signing workflow is not {self.workflow}"
        return None


@dataclass(frozen=True)
class KeySetting:
    """One ``attestations.keys`` entry: a public key in PEM, inline or in a repository file."""

    id: str
    pem: str | None = None
    file: str | None = None

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> KeySetting:
        pem, file = raw.get("pem"), raw.get("file")
        return cls(str(raw["id"]), str(pem) if pem is not None else None,
                   str(file) if file is not None else None)


@dataclass(frozen=True)
class Policy:
    """What the configuration says about attestations."""

    allow: tuple[AllowedIdentity, ...] = ()
    predicate_types: tuple[str, ...] = ()  # empty: ours and SLSA provenance
    keys: tuple[KeySetting, ...] = ()
    trusted_roots: tuple[str, ...] = ()  # repository paths; empty: the one sigstore embeds

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> Policy:
        roots = raw.get("trusted-root") or ()
        return cls(tuple(AllowedIdentity.from_config(item) for item in raw.get("allow") or ()),
                   tuple(str(t) for t in raw.get("predicate-types") or ()),
                   tuple(KeySetting.from_config(item) for item in raw.get("keys") or ()),
                   (roots,) if isinstance(roots, str) else tuple(str(r) for r in roots))

    def admits(self, holder: CertificateIdentity) -> tuple[AllowedIdentity | None, str]:
        """The first allow entry that admits the certificate, or None and why none does."""
        reasons = []
        for entry in self.allow:
            reason = entry.refuses(holder)
            if reason is None:
                return entry, ""
            reasons.append(reason)
        if not reasons:
            return None, "attestations.allow lists no identity"
        detail = reasons[0] if len(reasons) == 1 else "; ".join(
            f"{entry.describe()}: {why}" for entry, why in zip(self.allow, reasons))
        return None, f"{holder.describe()} is not in attestations.allow ({detail})"
