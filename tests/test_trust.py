"""Trust levels: declared, recorded, attested; computed by the tool, never read from the record.

`attested` needs a signature the tool verifies: these tests sign DSSE envelopes with keys they
generate (Ed25519, ECDSA P-256) and show that what a text editor can write (signature bytes `x`
under an allow-listed keyid, a self-made certificate naming an allowed identity, a payload swapped
under a signature) is refused with QP032. Real Sigstore bundles: test_attestation_verify.py.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from conftest import GENERATOR, Repo, Runner, dump_yaml
from signing import Key, rsa_pem

from provenance.checker import Checker
from provenance.config import load_config
from provenance.findings import FileResult
from provenance.trust import levels as trust

DATA = "data/train.jsonl"
SIDECAR = f"{DATA}.provenance.yaml"
WORKFLOW = "https://github.com/acme/qa-data/.github/workflows/attest.yml@refs/heads/main"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
SCHEMA_ID = "https://qa-provenance.github.io/schemas/v1/provenance.schema.json"
SPOT_CHECK = "https://qa-provenance.github.io/predicates/spot-check/v1"
SLSA = "https://slsa.dev/provenance/v1"


# ----------------------------------------------------------------------------- helpers


def result_for(repo: Repo, rel: str = DATA) -> FileResult:
    results = Checker(load_config(repo.root)).run(None).files
    return next(r for r in results if r.path == rel)


def config(repo: Repo, **settings: Any) -> None:
    repo.write(".qa-provenance.yaml", dump_yaml(settings))


def statement(sha256: str, predicate_type: str = SLSA, predicate: dict[str, Any] | None = None,
              name: str = DATA) -> dict[str, Any]:
    return {"_type": trust.STATEMENT_V1, "subject": [{"name": name, "digest": {"sha256": sha256}}],
            "predicateType": predicate_type,
            "predicate": predicate if predicate is not None else {"buildDefinition": {}}}


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
def key() -> Key:
    return Key.generate()


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
    assessment = trust.assess(record, {data.sha256(DATA)}, [trust_agent(GENERATOR)], [],
                              judge())
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
# Envelopes are signed here with keys the tests generate; Sigstore bundles with real public
# signatures are in test_attestation_verify.py.


def test_an_envelope_signed_by_a_listed_key_is_attested(data: Repo, key: Key) -> None:
    config(data, attestations={"keys": [key.setting]})
    attest(data, key.envelope(statement(data.sha256(DATA))))
    result = result_for(data)
    assert result.trust == "attested"
    assert not result.findings


def test_an_unsigned_envelope_with_an_allowed_keyid_is_refused(data: Repo, run: Runner,
                                                               key: Key) -> None:
    """Signature bytes 'x' under an allow-listed keyid: a text editor cannot reach attested."""
    config(data, attestations={"allow": ["ci-key-1"], "keys": [key.setting]},
           trust=[{"files": "data/**", "minimum": "attested"}])
    attest(data, envelope(statement(data.sha256(DATA)), keyid="ci-key-1", sig="x"))
    result = run("check")
    assert result.code == 1
    assert result.has(f"{DATA}.intoto.jsonl:1: QP032 DSSE envelope for {DATA} does not verify: "
                      "no signature (keyid 'ci-key-1') verifies with the keys in "
                      "attestations.keys (ci-key-1)")
    assert result.has(f"{SIDECAR}:1: QP031 trust level declared, below the minimum attested")


def test_an_allowed_keyid_without_a_listed_key_is_refused(data: Repo) -> None:
    config(data, attestations={"allow": ["ci-key-1"]})
    attest(data, envelope(statement(data.sha256(DATA)), keyid="ci-key-1"))
    assessment = assess_file(data)
    assert assessment.level == "declared"
    assert "no public key is listed in attestations.keys to verify its signature (keyid " \
           "'ci-key-1')" in assessment.refused[0].refusal


@pytest.mark.parametrize("kind", ["ed25519", "p256"])
def test_both_key_types_verify_and_a_stranger_key_does_not(data: Repo, kind: str) -> None:
    mine, stranger = Key.generate(kind), Key.generate(kind, "other")
    config(data, attestations={"keys": [mine.setting]})
    attest(data, stranger.envelope(statement(data.sha256(DATA)), keyid=mine.id))
    assert result_for(data).trust == "declared"
    attest(data, mine.envelope(statement(data.sha256(DATA))))
    assert result_for(data).trust == "attested"


def test_a_payload_changed_after_signing_is_refused(data: Repo, key: Key) -> None:
    config(data, attestations={"keys": [key.setting]})
    signed = key.envelope(statement("e" * 64))
    forged = dict(signed, payload=envelope(statement(data.sha256(DATA)))["payload"])
    attest(data, forged)
    assert result_for(data).trust == "declared"


def test_a_signature_over_the_bare_payload_is_not_over_the_pae(data: Repo, key: Key) -> None:
    """DSSE signs PAE(type, payload): a signature over the payload alone does not verify."""
    config(data, attestations={"keys": [key.setting]})
    env = envelope(statement(data.sha256(DATA)), keyid=key.id)
    raw = base64.b64decode(env["payload"])
    env["signatures"][0]["sig"] = base64.b64encode(key.sign(raw)).decode()
    attest(data, env)
    assert result_for(data).trust == "declared"


def test_a_key_in_a_repository_file_and_bad_keys(data: Repo, key: Key) -> None:
    data.write("keys/ci.pub", key.pem)
    config(data, attestations={"keys": [{"id": key.id, "file": "keys/ci.pub"}]})
    attest(data, key.envelope(statement(data.sha256(DATA))))
    assert result_for(data).trust == "attested"
    for setting, message in [
        ({"id": key.id, "file": "keys/missing.pub"}, "cannot read keys/missing.pub"),
        ({"id": key.id, "file": "../outside.pub"}, "is not a path inside the repository"),
        ({"id": key.id, "pem": "not a key"}, f"key '{key.id}' is not a PEM public key"),
        ({"id": key.id, "pem": rsa_pem()}, "only Ed25519 and ECDSA P-256 public keys"),
    ]:
        config(data, attestations={"keys": [setting]})
        assessment = assess_file(data)
        assert assessment.level == "declared"
        assert message in assessment.refused[0].refusal, assessment.refused[0].refusal


def test_a_self_made_certificate_with_an_allowed_identity_is_refused(data: Repo,
                                                                     run: Runner) -> None:
    config(data, attestations={"allow": [{"identity": WORKFLOW, "issuer": GITHUB_ISSUER}]})
    for chain in (False, True):
        attest(data, bundle(statement(data.sha256(DATA)), chain=chain))
        result = run("check")
        assert result.code == 1
        assert result.has(f"{DATA}.intoto.jsonl:1: QP032 Sigstore bundle for {DATA} does not "
                          "verify: ")
        assert result_for(data).trust == "declared"


def test_a_bare_statement_is_unsigned(data: Repo) -> None:
    config(data, attestations={"allow": ["*"]})
    attest(data, statement(data.sha256(DATA)), suffix=".intoto.json")
    assessment = assess_file(data)
    assert assessment.level == "declared"
    assert assessment.refused[0].refusal == "a bare statement carries no signature"


def test_an_attestation_over_other_content_says_the_file_changed(data: Repo, key: Key) -> None:
    config(data, attestations={"keys": [key.setting]})
    attest(data, key.envelope(statement("a" * 64)))
    assessment = assess_file(data)
    assert assessment.level == "declared"
    assert any("attests other content (sha256 aaaaaaaaaaaa...): the file changed since it was "
               "attested" in reason for reason in assessment.missing)


def test_a_stale_line_is_not_reported_once_the_current_content_is_attested(data: Repo,
                                                                           key: Key) -> None:
    config(data, attestations={"keys": [key.setting]})
    attest(data, [key.envelope(statement("a" * 64)),
                  key.envelope(statement(data.sha256(DATA)))])
    assessment = assess_file(data)
    assert assessment.level == "attested"
    assert assessment.refused == ()


def test_attestation_files_listed_in_the_configuration(data: Repo, key: Key) -> None:
    config(data, attestations={"keys": [key.setting], "files": "attestations/*.jsonl"})
    data.write("attestations/release.jsonl", json.dumps(key.envelope(
        statement(data.sha256(DATA), name="anything"))) + "\n" + json.dumps(
        key.envelope(statement("b" * 64))) + "\n")
    result = result_for(data)
    assert result.trust == "attested"
    assert not result.findings  # the line about another file is not this file's concern


def test_predicate_types_default_and_restricted(data: Repo, key: Key) -> None:
    config(data, attestations={"keys": [key.setting]})
    attest(data, key.envelope(statement(data.sha256(DATA), predicate_type="https://x.test/v1")))
    assessment = assess_file(data)
    assert "predicateType https://x.test/v1 is not in the predicate types understood" in \
        assessment.refused[0].refusal
    attest(data, key.envelope(statement(data.sha256(DATA), predicate_type=SLSA)))
    assert result_for(data).trust == "attested"
    config(data, attestations={"keys": [key.setting], "predicate-types": [SCHEMA_ID]})
    assert result_for(data).trust == "declared"


def test_a_provenance_predicate_must_agree_with_the_record(data: Repo, key: Key) -> None:
    config(data, attestations={"keys": [key.setting]})
    record = data.record(DATA)
    attest(data, key.envelope(statement(data.sha256(DATA), SCHEMA_ID, record)))
    assert result_for(data).trust == "attested"
    signed = dict(record, validator={"type": "model", "id": "openai/gpt-4o"})
    attest(data, key.envelope(statement(data.sha256(DATA), SCHEMA_ID, signed)))
    assessment = assess_file(data)
    assert "its predicate names other validators than the provenance record" in \
        assessment.refused[0].refusal


@pytest.mark.parametrize("change, message", [
    ({}, None),
    ({"result": "FAIL"}, "the attested spot check is 'FAIL', not PASS"),
    ({"flags": 3}, "does not pass the exact test"),
    ({"acceptance": 3}, "used another plan"),
    ({"verifier": "azure/GPT-4o"}, "the same source as generator"),
    ({"digest": {"sha256": "c" * 64}}, "holds no verification of this content"),
])
def test_a_spot_check_predicate_must_pass_for_this_content(
        data: Repo, key: Key, change: dict[str, Any], message: str | None) -> None:
    config(data, attestations={"keys": [key.setting]})
    entry = dict(verification(data.sha256(DATA)), file=DATA, **change)
    attest(data, key.envelope(statement(data.sha256(DATA), predicate_type=SPOT_CHECK,
                                        predicate={"verifications": [entry]})))
    assessment = assess_file(data)
    if message is None:
        assert assessment.level == "attested"
    else:
        assert assessment.level == "declared"
        assert message in assessment.refused[0].refusal


def test_spot_check_in_ci_then_sign_then_check(data: Repo, run: Runner, key: Key,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The flow of docs/attestations.md: spot-check --record --attest-statement, a signer signs
    the statement (here: a DSSE envelope with a listed key), check verifies it."""
    monkeypatch.setenv("QA_PROVENANCE_SAMPLE_KEY", "ci-secret-for-the-test")
    config(data, attestations={"keys": [key.setting]},
           trust=[{"files": "data/**", "minimum": "attested"}])
    assert run("spot-check", "--record", "--attest-statement", "statement.json").code == 0
    written = json.loads(data.read("statement.json"))
    assert written["predicateType"] == SPOT_CHECK
    assert written["subject"] == [{"name": DATA, "digest": {"sha256": data.sha256(DATA)}}]
    recorded = data.load_yaml(SIDECAR)["verifications"][-1]
    assert written["predicate"]["verifications"] == [dict(recorded, file=DATA)]
    assert run("check").code == 1  # recorded is not attested
    attest(data, key.envelope(written))
    assert run("check").code == 0
    assert result_for(data).trust == "attested"


def test_github_api_shape_and_several_lines(data: Repo, key: Key) -> None:
    config(data, attestations={"keys": [key.setting]})
    other = key.envelope(statement("f" * 64))
    api = {"attestations": [{"bundle": {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"publicKey": {"hint": key.id}, "tlogEntries": []},
        "dsseEnvelope": key.envelope(statement(data.sha256(DATA)))}, "repository_id": 1}]}
    attest(data, [other, api])
    assert result_for(data).trust == "attested"


def test_url_safe_base64_payload_is_accepted(data: Repo, key: Key) -> None:
    config(data, attestations={"keys": [key.setting]})
    env = key.envelope(statement(data.sha256(DATA)))
    raw = base64.b64decode(env["payload"])
    env["payload"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    attest(data, env)
    assert result_for(data).trust == "attested"


def test_attested_meets_a_recorded_minimum(data: Repo, run: Runner, key: Key) -> None:
    config(data, attestations={"keys": [key.setting]},
           trust=[{"files": "data/**", "minimum": "recorded"}])
    attest(data, key.envelope(statement(data.sha256(DATA))))
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
def test_unusable_attestation_files_are_qp032_not_crashes(data: Repo, run: Runner, content: str,
                                                          message: str) -> None:
    data.write(DATA + ".intoto.jsonl", content)
    result = run("check")
    assert result.code == 1
    assert result.has(f"{DATA}.intoto.jsonl:1: QP032 attestation for {DATA} does not verify: ")
    assert message in result.out
    config(data, rules={"attestation-invalid": "warn"})
    assert run("check").code == 0


def test_attestations_and_drafts_are_never_datasets(data: Repo, run: Runner, key: Key) -> None:
    config(data, attestations={"keys": [key.setting]})
    attest(data, key.envelope(statement(data.sha256(DATA))))
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
    {"attestations": {"allow": [{"issuer": "x", "identity": "y", "owner": "z"}]}},
    {"attestations": {"keys": [{"id": "k"}]}},
    {"attestations": {"keys": [{"id": "k", "pem": "a", "file": "b"}]}},
    {"attestations": {"trusted-root": []}},
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


# ------------------------------------------------------------------------------ levels


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
    attestations, unusable = context.attestations_for(DATA)
    record = repo.load_yaml(SIDECAR)
    digests = {repo.sha256(DATA)}
    generators = [trust_agent(GENERATOR)]
    verdicts = unusable + context.judge(attestations, digests, record, generators, judge())
    return trust.assess(record, digests, generators, verdicts, judge())
