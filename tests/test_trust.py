"""Trust levels: declared, recorded, attested; computed by the tool, never read from the record.

Attestations are read, not verified: these tests pin down that the check is the subject digest and
the signer identity the attestation *declares* (a DSSE keyid, a Sigstore certificate identity),
and that signature bytes are NOT checked (that is `gh attestation verify` / cosign's job, run
before this check).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from conftest import GENERATOR, Repo, Runner, dump_yaml

from provenance.checker import Checker
from provenance.config import load_config
from provenance.findings import FileResult
from provenance.trust import levels as trust

DATA = "data/train.jsonl"
SIDECAR = f"{DATA}.provenance.yaml"
WORKFLOW = "https://github.com/acme/qa-data/.github/workflows/attest.yml@refs/heads/main"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
SCHEMA_ID = "https://qa-provenance.github.io/schemas/v1/provenance.schema.json"


# ----------------------------------------------------------------------------- helpers


def result_for(repo: Repo, rel: str = DATA) -> FileResult:
    results = Checker(load_config(repo.root)).run(None).files
    return next(r for r in results if r.path == rel)


def config(repo: Repo, **settings: Any) -> None:
    repo.write(".qa-provenance.yaml", dump_yaml(settings))


def statement(sha256: str, name: str = DATA, predicate_type: str = SCHEMA_ID) -> dict[str, Any]:
    return {"_type": trust.STATEMENT_V1, "subject": [{"name": name, "digest": {"sha256": sha256}}],
            "predicateType": predicate_type, "predicate": {"digest": {"sha256": sha256}}}


def envelope(payload: dict[str, Any], keyid: str = "ci-key-1", sig: str = "MEUCIQDx") -> dict[
        str, Any]:
    encoded = base64.b64encode(json.dumps(payload).encode()).decode()
    return {"payloadType": trust.DSSE_INTOTO, "payload": encoded,
            "signatures": [{"keyid": keyid, "sig": sig}]}


def verification(sha256: str, **fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "verifier": "qa-provenance/local-grounding@1", "kind": "local",
        "time": "2026-11-25T11:40:53Z", "digest": {"sha256": sha256}, "result": "PASS",
        "seed": "keyed", "population": 3, "n": 3, "acceptance": 1, "flags": 0,
        "missing": 0, "max_flag_rate": 0.05, "confidence": 0.95, "upper_bound": 0.63,
        "claim": "all 3 records checked"}
    entry.update(fields)
    return entry


# A minimal DER encoder, enough to build certificates shaped like Fulcio's.
def tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        body.extend(reversed(chunk))
    return tlv(0x06, bytes(body))


def certificate(uris: tuple[str, ...] = (WORKFLOW,), emails: tuple[str, ...] = (),
                issuer: str | None = GITHUB_ISSUER, issuer_v2: bool = True) -> bytes:
    names = b"".join(tlv(0x86, u.encode()) for u in uris) + \
        b"".join(tlv(0x81, e.encode()) for e in emails)
    extensions = [
        tlv(0x30, oid("2.5.29.15") + tlv(0x01, b"\xff") + tlv(0x04, tlv(0x03, b"\x07\x80"))),
        tlv(0x30, oid("2.5.29.17") + tlv(0x01, b"\xff") + tlv(0x04, tlv(0x30, names))),
    ]
    if issuer is not None:
        if issuer_v2:
            extensions.append(tlv(0x30, oid("1.3.6.1.4.1.57264.1.8")
                                  + tlv(0x04, tlv(0x0C, issuer.encode()))))
        else:
            extensions.append(tlv(0x30, oid("1.3.6.1.4.1.57264.1.1") + tlv(0x04, issuer.encode())))
    algorithm = tlv(0x30, oid("1.2.840.10045.4.3.3"))
    tbs = tlv(0x30, b"".join([
        tlv(0xA0, tlv(0x02, b"\x02")), tlv(0x02, b"\x01\x23"), algorithm,
        tlv(0x30, b""), tlv(0x30, tlv(0x17, b"240422173326Z") + tlv(0x17, b"240422174326Z")),
        tlv(0x30, b""), tlv(0x30, algorithm + tlv(0x03, b"\x00\x04")),
        tlv(0xA3, tlv(0x30, b"".join(extensions))),
    ]))
    return tlv(0x30, tbs + algorithm + tlv(0x03, b"\x00" + b"\x30" * 70))


def bundle(payload: dict[str, Any], cert: bytes | None = None, *, chain: bool = False,
           sig: str = "MEUCIQDx") -> dict[str, Any]:
    raw = base64.b64encode(cert if cert is not None else certificate()).decode()
    material: dict[str, Any] = (
        {"x509CertificateChain": {"certificates": [{"rawBytes": raw}]}} if chain
        else {"certificate": {"rawBytes": raw}})
    material["tlogEntries"] = []
    env = envelope(payload, keyid="", sig=sig)
    return {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": material, "dsseEnvelope": env}


def attest(repo: Repo, document: Any, suffix: str = ".intoto.jsonl", rel: str = DATA) -> None:
    if suffix.endswith(".jsonl"):
        items = document if isinstance(document, list) else [document]
        repo.write(rel + suffix, "".join(json.dumps(d) + "\n" for d in items))
    else:
        repo.write(rel + suffix, json.dumps(document, indent=2))


@pytest.fixture
def data(repo: Repo) -> Repo:
    repo.jsonl(DATA)
    repo.sidecar(DATA)
    return repo


# ----------------------------------------------------------------------------- declared


def test_a_record_alone_is_declared(data: Repo) -> None:
    assert result_for(data).trust == "declared"


def test_no_record_no_trust_level(repo: Repo) -> None:
    repo.jsonl(DATA)
    assert result_for(repo).trust is None


def test_a_trust_field_in_the_record_is_not_read(data: Repo, run: Runner) -> None:
    data.sidecar(DATA, **{"x-trust": "attested"})
    assert result_for(data).trust == "declared"


# ----------------------------------------------------------------------------- recorded


def test_a_passing_verification_for_the_current_digest_is_recorded(data: Repo) -> None:
    data.sidecar(DATA, verifications=[verification(data.sha256(DATA))])
    assert result_for(data).trust == "recorded"


@pytest.mark.parametrize("change", [
    {"result": "FAIL"}, {"result": "INCONCLUSIVE"}, {"flags": 2}, {"missing": 4}, {"n": 0},
    {"digest": {"sha256": "e" * 64}},
])
def test_verifications_that_do_not_count(data: Repo, change: dict[str, Any]) -> None:
    data.sidecar(DATA, verifications=[verification(data.sha256(DATA), **change)])
    assert result_for(data).trust == "declared"


def test_a_verifier_that_is_the_generator_does_not_count(data: Repo) -> None:
    entry = verification(data.sha256(DATA), verifier="azure/GPT-4o", kind="openai")
    record = data.record(DATA, verifications=[entry])
    assessment = trust.assess(record, {data.sha256(DATA)},
                              [trust_agent(GENERATOR)], [], trust.Policy(), judge())
    assert assessment.level == "declared"
    assert "the same source as generator" in assessment.missing[0]
    data.sidecar(DATA, record)
    assert result_for(data).trust == "declared"


def test_an_edit_after_the_spot_check_falls_back_to_declared(data: Repo) -> None:
    data.sidecar(DATA, verifications=[verification(data.sha256(DATA))])
    data.write(DATA, data.read(DATA) + '{"question": "q?", "answer": "a", "context": "a"}\n')
    assert result_for(data).trust == "declared"


def test_spot_check_record_raises_the_level_end_to_end(data: Repo, run: Runner,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_PROVENANCE_SAMPLE_KEY", "ci-secret-for-the-test")
    assert run("spot-check", "--record").code == 0
    assert result_for(data).trust == "recorded"


# ----------------------------------------------------------------------------- attested


def test_an_allowed_keyid_on_a_dsse_envelope_is_attested(data: Repo) -> None:
    config(data, attestations={"allow": ["ci-key-1"]})
    attest(data, envelope(statement(data.sha256(DATA))))
    assert result_for(data).trust == "attested"


def test_an_identity_not_allowed_stays_declared_and_says_why(data: Repo, run: Runner) -> None:
    config(data, attestations={"allow": ["someone-else"]},
           trust=[{"files": "data/**", "minimum": "attested"}])
    attest(data, envelope(statement(data.sha256(DATA))))
    result = run("check")
    assert result.code == 1
    assert result.has(f"{SIDECAR}:1: QP031 trust level declared, below the minimum attested "
                      "required for 'data/**'")
    assert "signer keyid 'ci-key-1' is not in attestations.allow" in result.out


def test_a_bare_statement_declares_no_signer(data: Repo) -> None:
    config(data, attestations={"allow": ["*"]})
    attest(data, statement(data.sha256(DATA)), suffix=".intoto.json")
    assessment = assess_file(data)
    assert assessment.level == "declared"
    assert "the statement declares no signer identity" in " ".join(assessment.missing)


def test_an_envelope_signature_without_sig_bytes_names_no_signer(data: Repo) -> None:
    config(data, attestations={"allow": ["ci-key-1"]})
    attest(data, envelope(statement(data.sha256(DATA)), sig=""))
    assert result_for(data).trust == "declared"


def test_signatures_are_not_verified_only_digest_and_declared_identity(data: Repo) -> None:
    """Garbage signature bytes still count: verify with gh attestation verify / cosign first."""
    config(data, attestations={"allow": [WORKFLOW]})
    attest(data, bundle(statement(data.sha256(DATA)), sig="bm90IGEgc2lnbmF0dXJl"))
    assert result_for(data).trust == "attested"


@pytest.mark.parametrize("chain", [False, True], ids=["v0.3 certificate", "v0.2 chain"])
def test_a_sigstore_bundle_certificate_identity_is_attested(data: Repo, chain: bool) -> None:
    config(data, attestations={"allow": [{"identity": WORKFLOW, "issuer": GITHUB_ISSUER}]})
    attest(data, bundle(statement(data.sha256(DATA)), chain=chain))
    assert result_for(data).trust == "attested"


def test_the_allow_list_pins_the_issuer_and_accepts_wildcards(data: Repo) -> None:
    attest(data, bundle(statement(data.sha256(DATA))))
    config(data, attestations={"allow": [{"identity": WORKFLOW,
                                          "issuer": "https://accounts.google.com"}]})
    assert result_for(data).trust == "declared"
    config(data, attestations={"allow": [
        "https://github.com/acme/qa-data/.github/workflows/attest.yml@*"]})
    assert result_for(data).trust == "attested"
    config(data, attestations={"allow": ["https://github.com/evil/*"]})
    assert result_for(data).trust == "declared"


def test_github_api_shape_and_several_lines(data: Repo) -> None:
    config(data, attestations={"allow": [WORKFLOW]})
    other = envelope(statement("f" * 64), keyid="x")
    api = {"attestations": [{"bundle": bundle(statement(data.sha256(DATA))),
                             "repository_id": 1}]}
    attest(data, [other, api])
    assert result_for(data).trust == "attested"


def test_an_attestation_over_other_content_says_the_file_changed(data: Repo) -> None:
    config(data, attestations={"allow": ["ci-key-1"]})
    attest(data, envelope(statement("a" * 64)))
    assessment = assess_file(data)
    assert assessment.level == "declared"
    assert any("attests other content (sha256 aaaaaaaaaaaa...): the file changed since it was "
               "attested" in reason for reason in assessment.missing)


def test_attestation_files_listed_in_the_configuration(data: Repo) -> None:
    config(data, attestations={"allow": ["ci-key-1"], "files": "attestations/*.jsonl"})
    data.write("attestations/release.jsonl",
               json.dumps(envelope(statement(data.sha256(DATA), name="anything"))) + "\n")
    assert result_for(data).trust == "attested"


def test_predicate_types_can_be_restricted(data: Repo) -> None:
    attest(data, envelope(statement(data.sha256(DATA),
                                    predicate_type="https://slsa.dev/provenance/v1")))
    config(data, attestations={"allow": ["ci-key-1"], "predicate-types": [SCHEMA_ID]})
    assert result_for(data).trust == "declared"
    config(data, attestations={"allow": ["ci-key-1"],
                               "predicate-types": ["https://slsa.dev/provenance/v1"]})
    assert result_for(data).trust == "attested"


def test_url_safe_base64_payload_is_accepted(data: Repo) -> None:
    config(data, attestations={"allow": ["ci-key-1"]})
    env = envelope(statement(data.sha256(DATA)))
    raw = base64.b64decode(env["payload"])
    env["payload"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    attest(data, env)
    assert result_for(data).trust == "attested"


def test_attested_meets_a_recorded_minimum(data: Repo, run: Runner) -> None:
    config(data, attestations={"allow": ["ci-key-1"]},
           trust=[{"files": "data/**", "minimum": "recorded"}])
    attest(data, envelope(statement(data.sha256(DATA))))
    assert run("check").code == 0


@pytest.mark.parametrize("content, message", [
    ("not json\n", "not JSON"),
    ('{"payloadType": "text/plain", "payload": "e30="}\n', "DSSE payloadType is 'text/plain'"),
    ('{"payloadType": "application/vnd.in-toto+json", "payload": "%%%"}\n',
     "not base64-encoded JSON"),
    ('{"_type": "https://in-toto.io/Statement/v0.1", "subject": []}\n', "expected "
     "https://in-toto.io/Statement/v1"),
    ('{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "messageSignature": {}}\n',
     "a signature over a file, not an attestation"),
    ('{"hello": 1}\n', "not an in-toto statement, DSSE envelope or Sigstore bundle"),
])
def test_unusable_attestation_files_are_notes_not_crashes(data: Repo, run: Runner, content: str,
                                                          message: str) -> None:
    data.write(DATA + ".intoto.jsonl", content)
    result = run("check")
    assert result.code == 0
    assert f"note: {DATA}: {DATA}.intoto.jsonl:1: " in result.err
    assert message in result.err


def test_a_broken_certificate_is_a_note(data: Repo, run: Runner) -> None:
    attest(data, bundle(statement(data.sha256(DATA)), cert=b"\x30\x05\x30\x03\x02"))
    result = run("check")
    assert result.code == 0
    assert "unreadable certificate in the bundle" in result.err


def test_attestations_and_drafts_are_never_datasets(data: Repo, run: Runner) -> None:
    attest(data, envelope(statement(data.sha256(DATA))))
    attest(data, statement(data.sha256(DATA)), suffix=".intoto.json")
    data.write("data/sub/x.csv.intoto.json", "{}")
    data.write(f"{DATA}.provenance.draft.yaml", "todo: [x]\n")
    result = run("check")
    assert result.summary == "qa-provenance: 1 data file checked, all passed"


# ------------------------------------------------------------------------- minimum rule


def test_minimum_recorded_fails_a_declared_file_with_qp031(data: Repo, run: Runner) -> None:
    data.jsonl("data/eval.jsonl")
    data.sidecar("data/eval.jsonl")
    config(data, trust=[{"files": "data/train*", "minimum": "recorded"}])
    result = run("check")
    assert result.code == 1
    assert result.lines == [
        f"{SIDECAR}:1: QP031 trust level declared, below the minimum recorded required for "
        "'data/train*': no passing spot check is recorded for the current content (run: "
        "qa-provenance spot-check --record); "
        "no in-toto attestation names the file's digest"]
    data.sidecar(DATA, verifications=[verification(data.sha256(DATA))])
    assert run("check").code == 0


def test_later_trust_entries_win_and_severity_is_configurable(data: Repo, run: Runner) -> None:
    config(data, trust=[{"files": "data/**", "minimum": "recorded"},
                        {"files": DATA, "minimum": "declared"}])
    assert run("check").code == 0
    config(data, trust=[{"files": "data/**", "minimum": "recorded"}],
           rules={"trust-below-minimum": "warn"})
    result = run("check")
    assert result.code == 0
    assert result.has(f"{SIDECAR}:1: QP031 [warning] trust level declared")


def test_minimum_attested_without_an_allow_list_is_a_configuration_error(data: Repo,
                                                                         run: Runner) -> None:
    config(data, trust=[{"files": "data/**", "minimum": "attested"}])
    result = run("check")
    assert result.code == 2
    assert "minimum 'attested' needs the identities allowed to attest" in result.err


@pytest.mark.parametrize("settings", [
    {"trust": [{"files": "data/**", "minimum": "signed"}]},
    {"trust": [{"minimum": "recorded"}]},
    {"attestations": {"allow": "ci-key-1"}},
    {"attestations": {"allow": [{"issuer": "x"}]}},
    {"attestations": {"verify": True}},
])
def test_trust_configuration_is_validated(data: Repo, run: Runner,
                                          settings: dict[str, Any]) -> None:
    config(data, **settings)
    assert run("check").code == 2


def test_an_unreadable_file_is_not_reported_twice(data: Repo, run: Runner) -> None:
    config(data, trust=[{"files": "data/**", "minimum": "recorded"}])
    data.write(DATA, b"\x00\x01 not json\n")
    result = run("check")
    assert "QP020" in result.codes()
    assert "QP031" not in result.codes()


# ------------------------------------------------------------------- certificate parsing


def test_certificate_identities_from_der() -> None:
    names, issuer = trust.certificate_identities(
        certificate(uris=(WORKFLOW,), emails=("bot@example.com",)))
    assert names == [WORKFLOW, "bot@example.com"]
    assert issuer == GITHUB_ISSUER
    _, legacy = trust.certificate_identities(certificate(issuer_v2=False))
    assert legacy == GITHUB_ISSUER
    big = certificate(uris=("https://example.com/" + "x" * 300,))
    assert trust.certificate_identities(big)[0] == ["https://example.com/" + "x" * 300]


@pytest.mark.parametrize("der", [b"", b"\x02\x01\x00", b"\x30\x84\xff\xff\xff\xff",
                                 b"\x30\x03\x30\x01"])
def test_malformed_der_raises_value_error(der: bytes) -> None:
    with pytest.raises(ValueError):
        trust.certificate_identities(der)


def test_levels_are_ordered() -> None:
    assert [trust.rank(level) for level in trust.LEVELS] == [0, 1, 2]
    assert trust.LEVELS == ("declared", "recorded", "attested")


# ----------------------------------------------------------------------------- internals


def trust_agent(raw: dict[str, Any]) -> Any:
    from provenance.record import Agent

    return Agent.from_mapping(raw)


def judge() -> Any:
    from provenance.identity.independence import Judge

    return Judge()


def assess_file(repo: Repo) -> trust.Assessment:
    conf = load_config(repo.root)
    context = trust.TrustContext.from_config(repo.root, conf.attestations)
    attestations, _problems = context.attestations_for(DATA)
    record = repo.load_yaml(SIDECAR)
    return trust.assess(record, {repo.sha256(DATA)}, [trust_agent(GENERATOR)], attestations,
                        context.policy, judge())
