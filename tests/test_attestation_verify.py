"""Sigstore bundles verified for real: public signed bundles from sigstore-conformance
(tests/fixtures/sigstore, Apache-2.0), offline, with the trusted root sigstore-python embeds or
a pinned one. The socket guard (conftest) refuses any socket in these tests, so they also prove
that verification opens none.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from provenance.reading.schema import load_schema
from provenance.trust import levels as trust
from provenance.trust import statement as statements
from provenance.trust.attestations import TrustContext

# sigstore needs Python 3.10; found without importing it (its import would probe for IPv6).
pytestmark = pytest.mark.skipif(importlib.util.find_spec("sigstore") is None,
                                reason="sigstore is not installed (the attest extra)")

FIXTURES = Path(__file__).parent / "fixtures" / "sigstore"
DATA = "data/a.txt"
REPOSITORY = "sigstore-conformance/extremely-dangerous-public-oidc-beacon"
WORKFLOW_PATH = ".github/workflows/extremely-dangerous-oidc-beacon.yml"
IDENTITY = f"https://github.com/{REPOSITORY}/{WORKFLOW_PATH}@refs/heads/main"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


def bundle(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.sigstore.json").read_text())  # type: ignore[no-any-return]


def assess(root: Path, attestations: dict[str, Any], content: bytes | None = None,
           lines: list[dict[str, Any]] | None = None) -> trust.Assessment:
    """Put ``data/a.txt`` (the artifact the bundles attest, or ``content``) and its
    ``.intoto.jsonl`` (``lines``, as `gh attestation download` writes them) under ``root``, and
    assess it with the ``attestations`` configuration."""
    data = root / DATA
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_bytes(content if content is not None else (FIXTURES / "a.txt").read_bytes())
    if lines is not None:
        (root / f"{DATA}.intoto.jsonl").write_text(
            "".join(json.dumps(line) + "\n" for line in lines))
    context = TrustContext.from_config(root, attestations)
    found, unusable = context.attestations_for(DATA)
    digests = {hashlib.sha256(data.read_bytes()).hexdigest()}
    verdicts = unusable + context.judge(found, digests, {}, [], None)
    return trust.assess({}, digests, [], verdicts)


def refusal(assessment: trust.Assessment) -> str:
    assert assessment.level == "declared"
    assert assessment.refused, assessment
    return str(assessment.refused[0].refusal)


# ------------------------------------------------------------------------- good bundles


@pytest.mark.parametrize("allow", [
    {"repository": REPOSITORY},
    {"repository": REPOSITORY, "workflow": WORKFLOW_PATH},
    {"identity": IDENTITY, "issuer": GITHUB_ISSUER},
    {"identity": f"https://github.com/{REPOSITORY}/*"},  # a GitHub URI implies GitHub's issuer
], ids=["repository", "repository+workflow", "identity+issuer", "github wildcard"])
def test_a_github_actions_bundle_verifies_with_the_embedded_root(tmp_path: Path,
                                                                 allow: dict[str, str]) -> None:
    assessment = assess(tmp_path, {"allow": [allow]}, lines=[bundle("public-good")])
    assert assessment.level == "attested", assessment.missing
    assert assessment.evidence is not None
    assert "Sigstore bundle with predicateType https://slsa.dev/provenance/v1, signature " \
           f"verified: certificate '{IDENTITY}' (issuer {GITHUB_ISSUER})" in assessment.evidence


def test_a_pinned_trusted_root_verifies_another_instance(tmp_path: Path) -> None:
    (tmp_path / "sigstore").mkdir()
    (tmp_path / "sigstore" / "trusted_root.json").write_bytes(
        (FIXTURES / "staging-trusted_root.json").read_bytes())
    allow = {"allow": [{"repository": REPOSITORY}]}
    why = refusal(assess(tmp_path, allow, lines=[bundle("staging-rekor2")]))
    assert "the bundle does not verify" in why and "embedded in sigstore" in why
    pinned = dict(allow, **{"trusted-root": "sigstore/trusted_root.json"})
    assert assess(tmp_path, pinned).level == "attested"


def test_gh_attestation_download_lines_and_the_api_shape(tmp_path: Path) -> None:
    allow = {"allow": [{"repository": REPOSITORY}]}
    api = {"attestations": [{"bundle": bundle("public-good"), "repository_id": 1}]}
    assessment = assess(tmp_path, allow, lines=[bundle("invalid-signature"), api])
    assert assessment.level == "attested"
    assert [v.attestation.source for v in assessment.refused] == [f"{DATA}.intoto.jsonl:1"]
    assert "DSSE: invalid signature" in str(assessment.refused[0].refusal)


# ------------------------------------------------------------------------ refused bundles


@pytest.mark.parametrize("allow, why", [
    ({"repository": "acme/qa-data"}, f"repository {REPOSITORY} is not acme/qa-data"),
    ({"repository": REPOSITORY, "workflow": ".github/workflows/release.yml"},
     "the signing workflow is not .github/workflows/release.yml"),
    ({"identity": IDENTITY, "issuer": "https://accounts.google.com"},
     f"issuer {GITHUB_ISSUER} is not https://accounts.google.com"),
    ({"identity": "*"}, "pins no issuer"),
    ({"identity": "https://github.com/acme/*"}, "identity is not https://github.com/acme/*"),
])
def test_a_valid_bundle_from_an_identity_not_allowed_is_refused(tmp_path: Path,
                                                                allow: dict[str, str],
                                                                why: str) -> None:
    reason = refusal(assess(tmp_path, {"allow": [allow]}, lines=[bundle("public-good")]))
    assert f"certificate '{IDENTITY}' (issuer {GITHUB_ISSUER}) is not in attestations.allow" \
        in reason
    assert why in reason


def test_a_valid_bundle_over_another_digest_is_refused(tmp_path: Path) -> None:
    allow = {"allow": [{"repository": REPOSITORY}]}
    reason = refusal(assess(tmp_path, allow, content=b"other content\n",
                            lines=[bundle("public-good")]))
    assert reason.startswith("attests other content (sha256 a0cfc71271d6...)")


def test_a_subject_swapped_under_a_real_signature_is_refused(tmp_path: Path) -> None:
    """The attack a text editor can do: keep the real signature, name another file's digest."""
    content = b'{"question": "q", "answer": "a"}\n'
    forged = bundle("public-good")
    payload = json.loads(base64.b64decode(forged["dsseEnvelope"]["payload"]))
    payload["subject"][0]["digest"]["sha256"] = hashlib.sha256(content).hexdigest()
    forged["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    reason = refusal(assess(tmp_path, {"allow": [{"repository": REPOSITORY}]}, content=content,
                            lines=[forged]))
    assert "the bundle does not verify" in reason


def test_a_self_made_certificate_in_a_real_bundle_is_refused(tmp_path: Path) -> None:
    """A certificate anyone can make (its own key, the allowed SAN) in place of Fulcio's."""
    forged = bundle("public-good")
    forged["verificationMaterial"]["certificate"]["rawBytes"] = self_signed(IDENTITY)
    reason = refusal(assess(tmp_path, {"allow": [{"identity": IDENTITY}]}, lines=[forged]))
    assert "the bundle does not verify" in reason


def test_an_invalid_signature_is_refused(tmp_path: Path) -> None:
    reason = refusal(assess(tmp_path, {"allow": [{"repository": REPOSITORY}]},
                            lines=[bundle("invalid-signature")]))
    assert "DSSE: invalid signature" in reason


def test_a_bad_pinned_root_is_a_refusal_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "root.json").write_text('{"mediaType": "nope"}')
    settings = {"allow": [{"repository": REPOSITORY}], "trusted-root": "root.json"}
    reason = refusal(assess(tmp_path, settings, lines=[bundle("public-good")]))
    assert "root.json is not a Sigstore trusted root" in reason


def test_without_sigstore_a_bundle_is_refused_with_the_install_hint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from provenance.trust import sigstore_bundles

    monkeypatch.setattr(sigstore_bundles, "_MODELS", [])
    monkeypatch.setitem(sys.modules, "sigstore.models", None)
    reason = refusal(assess(tmp_path, {"allow": [{"repository": REPOSITORY}]},
                            lines=[bundle("public-good")]))
    assert "the sigstore package is not installed (pip install 'qa-provenance[attest]')" in \
        reason


# ----------------------------------------------------------------------------- the rest


def test_our_predicate_type_is_the_schema_id() -> None:
    assert load_schema("provenance")["$id"] == statements.PROVENANCE_PREDICATE


def test_a_check_without_attestations_imports_no_crypto(tmp_path: Path) -> None:
    """sigstore and cryptography load only when an attestation is verified."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "d.jsonl").write_text('{"question": "q", "answer": "a"}\n')
    (tmp_path / "d.jsonl.provenance.yaml").write_text(
        "generator: {type: human, id: Ann}\nvalidator: {type: human, id: Bob}\n")
    probe = ("import json, sys\nfrom provenance.cli import main\nmain(['check'])\n"
             "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                         text=True, check=True).stdout.strip().splitlines()[-1]
    loaded = set(json.loads(out))
    assert not {m for m in loaded if m.split(".")[0] in ("sigstore", "cryptography")}


def self_signed(san: str) -> str:
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstore.dev")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(san)]),
                       critical=True)
        .sign(key, hashes.SHA256()))
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
