"""SQuAD v2's unanswerable questions: the data's own mark reaches the verifier, so a correct empty
answer is not a flag, and the real SQuAD v2 sample passes its spot check."""

from __future__ import annotations

import http.client
import json

import pytest
from conftest import REAL, Repo, Runner, copy_real

from provenance.reading import schema
from provenance.reading.profiles import by_name
from provenance.spot.local_verifier import verify
from provenance.spot.server import VerifierServer


def test_the_squad_profile_reads_the_mark() -> None:
    profile = by_name("squad")
    assert profile is not None and profile.unanswerable == "is_impossible"


def test_an_empty_answer_to_a_marked_question() -> None:
    context = ["The Normans were a people in the 10th and 11th centuries in Normandy."]
    question = "Who gave their name to Normandy in the 1000's and 1100's?"
    assert verify(question, "", context).verdict == "unsupported"  # unmarked: no answer
    assert verify(question, "", context, unanswerable=True).verdict == "supported"


def test_several_annotators_giving_one_span_is_one_answer() -> None:
    context = ["The Normans were in Normandy in the 10th and 11th centuries."]
    answer = "10th and 11th centuries\n10th and 11th centuries\n10th and 11th centuries"
    assert verify("When were the Normans in Normandy?", answer, context).verdict == "supported"


def test_the_real_squad_v2_sample_passes_its_spot_check(repo: Repo, run: Runner) -> None:
    document = json.loads((REAL / "squad_v2.0_dev_normans_subset.json").read_text("utf-8"))
    impossible = sum(q.get("is_impossible") is True for article in document["data"]
                     for paragraph in article["paragraphs"] for q in paragraph["qas"])
    assert impossible > 50  # the sample is half unanswerable questions
    copy_real(repo, "squad_v2.0_dev_normans_subset.json")
    # Every record checked: 7 of 208 flagged (3.4%), below 5% exactly. The plan's sample (64)
    # passes or fails depending on the rows drawn (a seed may draw 2 or more of the flags),
    # so a test of the file, not of one draw, checks them all.
    result = run("spot-check", "--no-cache", "--sample", "208")
    assert result.code == 0, result.out
    assert result.out.startswith("data/squad_v2.0_dev_normans_subset.json: PASS all 208 "
                                 "records checked")
    assert "empty answer" not in result.out


def test_the_reference_server_reads_the_mark() -> None:
    from provenance.spot.server import Limits, _judge  # the server's judging of one item

    item = {"id": "a", "question": "Who ruled the moon in 1066?", "answer": "",
            "context": ["William ruled England from 1066."], "unanswerable": True}
    assert _judge(item, Limits())["verdict"] == "supported"
    assert _judge({**item, "unanswerable": False}, Limits())["verdict"] == "unsupported"


@pytest.mark.network
def test_the_mark_travels_over_http_to_the_reference_server(
        reference_server: VerifierServer) -> None:
    item = {"id": "a", "question": "Who ruled the moon in 1066?", "answer": "",
            "context": ["William ruled England from 1066."], "source": "data/q.json:1"}
    marked = {**item, "id": "b", "unanswerable": True}
    request = {"protocol": "qa-verify/1", "items": [item, marked]}
    assert schema.validate("verify-request", request) == []
    host, port = reference_server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=5)
    try:
        conn.request("POST", "/verify", body=json.dumps(request).encode(),
                     headers={"Content-Type": "application/json"})
        reply = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    verdicts = {r["id"]: r["verdict"] for r in reply["results"]}
    assert verdicts == {"a": "unsupported", "b": "supported"}


@pytest.mark.network
def test_the_real_squad_v2_sample_passes_through_the_http_verifier(
        repo: Repo, run: Runner, reference_server: VerifierServer) -> None:
    copy_real(repo, "squad_v2.0_dev_normans_subset.json")
    result = run("spot-check", "--no-cache", "--sample", "208", "--verifier-url",
                 reference_server.url)
    assert result.code == 0, result.out
    assert result.out.startswith("data/squad_v2.0_dev_normans_subset.json: PASS all 208 "
                                 "records checked")
    assert "[http]" in result.out and "empty answer" not in result.out
