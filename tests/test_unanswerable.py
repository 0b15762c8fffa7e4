"""SQuAD v2's unanswerable questions: the data's own mark reaches the verifier, so a correct empty
answer is not a flag, and the real SQuAD v2 sample passes its spot check."""

from __future__ import annotations

import json

from conftest import REAL, Repo, Runner, copy_real

from provenance.reading.profiles import by_name
from provenance.spot.local_verifier import verify


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
    # Every record checked: 5 of 208 flagged (2.4%), below 5% exactly. The plan's sample (64)
    # passes or fails depending on the rows drawn (one of two seeds draws 2 of the 5 flags),
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
