"""The embedded ``local`` verifier: grounding verdicts, context shapes, and real QA files."""

from __future__ import annotations

import ast
import csv
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pytest

from provenance.reading.readers import text_of
from provenance.spot import local_verifier as verify_local
from provenance.spot.local_verifier import (
    NEAR_MATCH_MAX_WINDOWS,
    SUPPORTED_OVERLAP,
    UNSUPPORTED_OVERLAP,
    VERIFIER_ID,
    Verdict,
    context_passages,
    verify,
)

REAL = Path(__file__).parent / "fixtures" / "real"

DUNE = (
    "Dune is a 1965 epic science fiction novel by American author Frank Herbert, originally "
    "published as two separate serials in Analog magazine. It sold about 20,000 copies in 1966."
)
PHOTOSYNTHESIS = (
    "In plants, photosynthesis takes place in the chloroplasts, which contain chlorophyll. "
    "The light reactions happen in the thylakoid membranes."
)


def squad_rows() -> list[tuple[int, str, str, str]]:
    """Answerable SQuAD v2 questions: (paragraph number, question, first gold answer, context)."""
    data = json.loads((REAL / "squad_v2.0_dev_normans_subset.json").read_text("utf-8"))
    rows = []
    number = 0
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            number += 1
            for qa in paragraph["qas"]:
                if not qa.get("is_impossible") and qa["answers"]:
                    rows.append((number, qa["question"], qa["answers"][0]["text"],
                                 paragraph["context"]))
    return rows


def swapped(rows: list[tuple[int, str, str, str]]) -> Iterator[tuple[str, str, str]]:
    """Each question with the answer of the next question that is about another paragraph."""
    for index, (paragraph, question, _, context) in enumerate(rows):
        step = 1
        while rows[(index + step) % len(rows)][0] == paragraph:
            step += 1
        yield question, rows[(index + step) % len(rows)][2], context


def in_band(verdict: Verdict) -> bool:
    if verdict.verdict == "supported":
        return SUPPORTED_OVERLAP <= verdict.score <= 1.0
    if verdict.verdict == "unsure":
        return UNSUPPORTED_OVERLAP <= verdict.score < SUPPORTED_OVERLAP
    return verdict.verdict == "unsupported" and 0.0 <= verdict.score < UNSUPPORTED_OVERLAP


# ------------------------------------------------------------------------------------------
# supported


def test_verbatim_span_is_supported_with_its_passage_named() -> None:
    verdict = verify("Who wrote Dune?", "Frank Herbert", ["Unrelated text.", DUNE])
    assert verdict == Verdict("supported", 1.0, "answer found as a span in context 2; the "
                                                "question's term is near it")


@pytest.mark.parametrize(
    ("answer", "context"),
    [
        ("frank HERBERT.", DUNE),  # case and a final period
        ("In the chloroplasts.", PHOTOSYNTHESIS),
        ("  Analog   magazine ", DUNE),  # whitespace
        ("science-fiction novel", DUNE),  # punctuation inside
        ("Cafe Muller", "Das Café Müller ist ein Tanztheater von Pina Bausch."),  # accents off
        ("Café Müller", "Das Cafe Muller ist ein Tanztheater."),
        ("about 20000 copies", DUNE),  # "1,000" == "1000", both ways
        ("1,000 people", "About 1000 people came."),
        ("An early version of Fortran.", "I wrote programs in an early version of Fortran."),
        ("An IBM 1401", "We used the IBM 1401 in 9th grade."),  # leading article
    ],
)
def test_normalised_span_is_supported(answer: str, context: str) -> None:
    verdict = verify("question?", answer, [context])
    assert verdict.verdict == "supported"
    assert verdict.score >= 0.9
    assert "found" in verdict.rationale


@pytest.mark.parametrize(
    "answer",
    [
        "In Analog magazines.",  # plural
        "a 1965 epic science-fiction novell by American author Frank Herbert",  # a typo
        "published in two separate serials in the Analog magazine",  # an extra article
    ],
)
def test_near_match_is_supported(answer: str) -> None:
    verdict = verify("question?", answer, [DUNE])
    assert verdict.verdict == "supported"
    assert verdict.score >= 0.9
    assert "in context 1" in verdict.rationale


def test_near_match_does_not_accept_a_different_word() -> None:
    # One word swapped for another is not a respelling: no near match, only the overlap rule.
    verdict = verify("question?", "a 1965 epic science fiction novel by British author", [DUNE])
    assert "nearly" not in verdict.rationale


def test_token_overlap_supports_a_reworded_answer() -> None:
    answer = "It was written by Frank Herbert, an American author, in 1965"
    verdict = verify("Who wrote it?", answer, [DUNE])
    assert verdict.verdict == "supported"
    assert verdict.rationale.endswith("% of answer tokens appear in the context")


def test_every_line_of_a_multi_answer_is_found() -> None:
    """A reader joins SQuAD's several gold spans with newlines."""
    data = json.loads((REAL / "squad_v2.0_dev_normans_subset.json").read_text("utf-8"))
    paragraph = data["data"][0]["paragraphs"][0]
    qa = next(q for q in paragraph["qas"] if len({a["text"] for a in q["answers"]}) > 1)
    answer = text_of([a["text"] for a in qa["answers"]])
    verdict = verify(qa["question"], answer, [paragraph["context"]])
    assert verdict.verdict == "supported"


def test_words_taken_from_the_question_are_not_held_against_the_answer() -> None:
    verdict = verify("Which novel by Frank Herbert was published in 1965?",
                     "Frank Herbert's novel Dune",
                     ["Dune is a science fiction novel published in 1965."])
    assert verdict.verdict == "supported"


def test_number_words_and_digits_meet() -> None:
    assert verify("q", "published as 2 separate serials", [DUNE]).verdict == "supported"
    assert verify("q", "two separate serials", ["as 2 separate serials"]).verdict == "supported"


# ------------------------------------------------------------------------------------------
# unsupported


@pytest.mark.parametrize(
    ("answer", "missing"),
    [
        ("1972", "number 1972"),
        ("Dune is a 1967 epic science fiction novel by American author Frank Herbert", "1967"),
        ("about 21,000 copies", "21000"),
        ("It sold 3.5 million copies", "3500000"),  # number words are read as digits
    ],
)
def test_a_missing_number_is_unsupported_whatever_the_overlap(answer: str, missing: str) -> None:
    verdict = verify("question?", answer, [DUNE])
    assert verdict.verdict == "unsupported"
    assert verdict.score < UNSUPPORTED_OVERLAP
    assert missing in verdict.rationale
    assert verdict.rationale.endswith("not in the context")


def test_many_missing_numbers_are_summarised() -> None:
    verdict = verify("q", "Call 0850 210 0 888 or 555 1234", ["Call us any time."])
    assert verdict.rationale == "numbers 0850, 210, 0 and 3 more not in the context"


def test_a_number_given_in_the_question_is_not_required_in_the_context() -> None:
    verdict = verify("What happened in 1066?", "In 1066 the Normans conquered England",
                     ["The Normans conquered England after the battle of Hastings."])
    assert verdict.verdict == "supported"


@pytest.mark.parametrize("answer", ["Isaac Asimov", "The capital of Australia is Sydney"])
def test_an_unrelated_answer_is_unsupported(answer: str) -> None:
    verdict = verify("What is the capital of Australia?", answer,
                     ["The capital of Australia is Canberra.", DUNE])
    assert verdict.verdict == "unsupported"
    assert verdict.rationale == "only 0% of answer tokens appear in the context"


@pytest.mark.parametrize("answer", ["", "   ", "\n"])
def test_an_empty_answer_is_unsupported(answer: str) -> None:
    assert verify("q", answer, [DUNE]) == Verdict("unsupported", 0.0, "empty answer")
    assert verify("q", answer, []).verdict == "unsupported"


def test_an_answer_without_words_is_unsupported() -> None:
    verdict = verify("q", "...!", [DUNE])
    assert verdict.verdict == "unsupported"
    assert verdict.score == 0.0


# ------------------------------------------------------------------------------------------
# unsure


@pytest.mark.parametrize("context", [[], [""], ["  ", "\n"], ["...", "!"]])
def test_no_context_is_unsure(context: list[str]) -> None:
    assert verify("q", "Frank Herbert", context) == Verdict(
        "unsure", 0.5, "no context to check the answer against")


@pytest.mark.parametrize(("answer", "verdict"), [("Yes.", "supported"), ("yes", "supported"),
                                                 ("No", "unsure"), (" NO! ", "unsure")])
def test_yes_no_answers_are_judged_by_the_evidence_sentence(answer: str, verdict: str) -> None:
    result = verify("Is Dune a novel?", answer, [DUNE])
    assert result.verdict == verdict
    assert in_band(result)


def test_a_yes_no_answer_to_an_open_question_is_unsupported() -> None:
    verdict = verify("Who wrote Dune?", "Yes", [DUNE])
    assert verdict.verdict == "unsupported"
    assert "not a yes/no question" in verdict.rationale


def test_no_is_supported_when_no_sentence_holds_the_question() -> None:
    assert verify("Is Dune a play?", "no", [DUNE]).verdict == "supported"
    assert verify("Is Dune a play?", "yes", [DUNE]).verdict == "unsure"


def test_a_yes_followed_by_a_span_is_judged_by_the_span() -> None:
    assert verify("Is Dune a novel?", "Yes, an epic science fiction novel",
                  [DUNE]).verdict == "supported"


def test_partial_overlap_is_unsure() -> None:
    verdict = verify("What did the Normans do?",
                     "The Normans built stone castles in England and Wales",
                     ["The Normans built castles in England."])
    assert verdict.verdict == "unsure"
    assert 0.5 <= verdict.score < 0.8
    assert verdict.rationale.startswith("only ")


def test_a_missing_name_caps_the_verdict_at_unsure() -> None:
    verdict = verify("Who wrote it?", "An epic science fiction novel by Brian Herbert", [DUNE])
    assert verdict.verdict == "unsure"
    assert verdict.rationale.startswith("'Brian Herbert' not in the context")


def test_a_one_letter_respelling_of_a_name_is_supported() -> None:
    verdict = verify("Who wrote Dune?", "Frank Herbart", [DUNE])
    assert verdict.verdict == "supported"
    assert "respelt (herbart/herbert)" in verdict.rationale


def test_a_two_letter_change_of_a_name_is_not_a_respelling() -> None:
    verdict = verify("Who wrote Dune?", "Frank Hubart", [DUNE])
    assert verdict.verdict != "supported"


def test_a_missing_number_word_is_a_missing_number() -> None:
    verdict = verify("q", "originally published as three separate serials", [DUNE])
    assert verdict.verdict == "unsupported"
    assert verdict.rationale == "number 3 not in the context"


def test_names_are_found_case_insensitively_and_sentence_starts_are_not_names() -> None:
    context = ["the duke of normandy, william the conqueror, invaded england."]
    assert verify("q", "The Duke of Normandy invaded England", context).verdict == "supported"


# ------------------------------------------------------------------------------------------
# other scripts


def test_cjk_is_matched_character_by_character() -> None:
    context = ["東京は日本の首都です。人口は約1400万人です。"]
    assert verify("東京は何ですか", "日本の首都", context).verdict == "supported"
    assert verify("東京は何ですか", "大阪の都市", context).verdict == "unsupported"
    assert verify("人口は?", "約1500万人", context).verdict == "unsupported"  # a number


def test_chinese_record_from_a_real_llamaindex_file() -> None:
    data = json.loads((REAL / "llamaindex_ragdataset_zh_llama3.1.json").read_text("utf-8"))
    record = next(e for e in data["examples"] if e["reference_answer"] == "1月15日")
    verdict = verify(record["query"], record["reference_answer"], record["reference_contexts"])
    assert verdict.verdict == "supported"


@pytest.mark.parametrize("answer", ["Hà Nội", "ha noi", "HÀ NỘI."])
def test_vietnamese_with_or_without_its_tone_marks(answer: str) -> None:
    dense = "Thủ đô của Việt Nam là Hà Nội, thành phố lớn thứ hai."
    sparse = "Some English first. " * 40 + dense  # the run-by-run normalisation path
    for context in (dense, sparse):
        assert verify("Thủ đô của Việt Nam?", answer, [context]).verdict == "supported"


def test_vietnamese_sentence_from_a_real_llamaindex_passage() -> None:
    data = json.loads(
        (REAL / "llamaindex_ragdataset_mentalhealth_vi_first40.json").read_text("utf-8"))
    context = data[0]["reference_contexts"]
    sentence = "TIÊU CHUẨN CHẨN ĐOÁN CÁC RỐI LOẠN TÂM THẦN THEO DSM-5"
    assert sentence in context[0]
    assert verify("q", sentence.lower(), context).verdict == "supported"
    assert verify("q", "tieu chuan chan doan theo DSM-4", context).verdict == "unsupported"


@pytest.mark.parametrize(("answer", "context"), [
    ("İstanbul'da", "ISTANBUL'DA bir şehir var."),
    ("KALDIRIM", "Kaldırım taşları yeni."),  # noqa: RUF001 (Turkish dotless i)
    ("şifre sıfırlama", "Şifre Sıfırlama Linki Gönder butonuna basın."),  # noqa: RUF001
])
def test_turkish_letters(answer: str, context: str) -> None:
    assert verify("q", answer, [context]).verdict == "supported"


def test_turkish_squad_file_answers_are_supported_or_missing_their_numbers() -> None:
    data = json.loads(
        (REAL / "squad_v1.1_format_custom_turkish_dataqa_dev.json").read_text("utf-8"))
    verdicts: Counter[str] = Counter()
    for paragraph in data["data"][0]["paragraphs"]:
        for qa in paragraph["qas"]:
            verdict = verify(qa["question"], qa["answers"][0]["text"], [paragraph["context"]])
            verdicts[verdict.verdict] += 1
            if verdict.verdict != "supported":  # the file pairs some answers with other contexts
                assert "not in the context" in verdict.rationale
    assert verdicts["supported"] > 0.9 * sum(verdicts.values())


# ------------------------------------------------------------------------------------------
# context shapes


def test_plain_shapes() -> None:
    assert context_passages(None) == []
    assert context_passages("") == []
    assert context_passages("  ") == []
    assert context_passages("One passage.") == ["One passage."]
    assert context_passages(["a", "", "b", None]) == ["a", "b"]
    assert context_passages(("a", ["b", "c", ["d"]])) == ["a", "b", "c", "d"]
    assert context_passages(1965) == ["1965"]
    assert context_passages(True) == []


def test_hotpotqa_pairs_become_titled_passages() -> None:
    pairs = [["Dune", ["Dune is a novel.", " It was written by Frank Herbert."]],
             ["Analog", ["Analog is a magazine."]]]
    assert context_passages(pairs) == [
        "Dune: Dune is a novel. It was written by Frank Herbert.",
        "Analog: Analog is a magazine.",
    ]
    assert context_passages(pairs[0]) == [
        "Dune: Dune is a novel. It was written by Frank Herbert."]
    # Hugging Face stores the same as two columns
    columns = {"title": ["Dune", "Analog"],
               "sentences": [["Dune is a novel."], ["Analog is a magazine."]]}
    assert context_passages(columns) == ["Dune: Dune is a novel.", "Analog: Analog is a magazine."]


def test_real_hotpotqa_record() -> None:
    data = json.loads((REAL / "hotpotqa_dev_distractor_sample30.json").read_text("utf-8"))
    record = data[0]
    passages = context_passages(record["context"])
    assert len(passages) == len(record["context"])
    assert passages[0].startswith("Sir Syed Sani Syed Ali Shah Bukhari: Sir Syed Sani")
    # "ibnʿArabī": the modifier letter is an apostrophe, the macron an accent
    assert verify(record["question"], record["answer"], passages).verdict == "supported"


def test_mappings_give_their_text_values() -> None:
    assert context_passages({"text": "The passage.", "metadata": {"page": 3}}) == ["The passage."]
    assert context_passages([{"page_content": "A.", "source": "x.pdf"}]) == ["A."]
    assert context_passages({"a": "First.", "b": ["Second."], "c": 3}) == [
        "First.", "Second.", "3"]


def test_json_and_python_repr_list_strings_are_parsed() -> None:
    assert context_passages('["a", "b"]') == ["a", "b"]
    assert context_passages("['a', \"b's\"]") == ["a", "b's"]
    assert context_passages("('a', 'b')") == ["a", "b"]
    assert context_passages("[]") == []
    assert context_passages("[['Dune', ['A novel.']]]") == ["Dune: A novel."]
    assert context_passages('[{"text": "A."}]') == ["A."]


def test_ragas_csv_cell_is_a_list_of_passages() -> None:
    with open(REAL / "ragas_v01_testset_aimakerspace.csv", encoding="utf-8-sig",
              newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        cell = row["contexts"]
        assert context_passages(cell) == ast.literal_eval(cell)  # the oracle, on trusted data
    row = rows[0]
    verdict = verify(row["question"], row["ground_truth"], context_passages(row["contexts"]))
    assert verdict.rationale  # a paraphrase: judged by overlap, whatever the verdict


def test_numpy_repr_cell_is_not_glued_into_one_passage() -> None:
    with open(REAL / "ragas_v00_eval_basic_qa_dataset.csv", encoding="utf-8-sig",
              newline="") as handle:
        cell = next(csv.DictReader(handle))["contexts"]
    assert "'\n '" in cell  # numpy prints string arrays without commas
    passages = context_passages(cell)
    assert len(passages) == 3
    assert passages[0].startswith("paper aims to conduct a survey")
    assert passages[0].endswith("reviews notable ap-")
    assert passages[1].startswith("In this paper, we surveyed")


def test_llamaindex_reference_contexts_pass_through() -> None:
    data = json.loads(
        (REAL / "llamaindex_ragdataset_aragog_gpt-3.5-turbo_first40.json").read_text("utf-8"))
    contexts = data["examples"][0]["reference_contexts"]
    assert context_passages(contexts) == contexts


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('x')",
        "[__import__('os').system('x')]",
        "[f'{__import__(\"os\").system(\"x\")}']",
        "['a'] + ['b']",
        "[open('/etc/passwd').read()]",
        "[1, 2, (lambda: 3)()]",
    ],
)
def test_code_in_a_context_string_is_plain_text(text: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("context text was executed")

    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.setattr("builtins.open", forbidden)
    assert context_passages(text) == [text]


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, "[citation needed]", "[1] Smith.",
                                  "['unterminated"])
def test_odd_bracketed_text_is_kept_as_text(text: str) -> None:
    assert context_passages(text) == [text]


# ------------------------------------------------------------------------------------------
# real files, determinism, cost


def test_squad_gold_answers_are_supported() -> None:
    rows = squad_rows()
    assert len(rows) == 96
    verdicts = [verify(question, answer, [context]) for _, question, answer, context in rows]
    supported = sum(v.verdict == "supported" for v in verdicts)
    assert supported >= 0.95 * len(rows)
    assert all(in_band(v) for v in verdicts)


def test_squad_answers_of_other_questions_are_mostly_not_supported() -> None:
    verdicts = [verify(q, a, [c]) for q, a, c in swapped(squad_rows())]
    supported = sum(v.verdict == "supported" for v in verdicts)
    assert supported <= 0.20 * len(verdicts)
    assert all(in_band(v) for v in verdicts)


@pytest.mark.parametrize("name", [
    "llamaindex_ragdataset_aragog_gpt-3.5-turbo_first40.json",
    "llamaindex_ragdataset_mentalhealth_vi_first40.json",
])
def test_long_generated_answers_get_banded_verdicts(name: str) -> None:
    data = json.loads((REAL / name).read_text("utf-8"))
    for record in data["examples"] if isinstance(data, dict) else data:
        verdict = verify(record["query"], record["reference_answer"],
                         context_passages(record["reference_contexts"]))
        assert in_band(verdict), verdict
        assert verdict.rationale and "\n" not in verdict.rationale


def test_verdicts_are_deterministic_across_hash_seeds() -> None:
    script = (
        "import json, sys\n"
        "from provenance.spot.local_verifier import verify\n"
        "cases = json.load(sys.stdin)\n"
        "print(json.dumps([list(verify(*c).__dict__.values()) for c in cases]))\n"
    )
    cases = [["q", "Frank Herbart", [DUNE]],
             ["q", "Call 0850 210 0 888 or 555 1234", [DUNE]],
             ["q", "An epic science fiction novel by Brian Herbert and Isaac Asimov", [DUNE]],
             *[[q, a, [c]] for q, a, c in list(swapped(squad_rows()))[:30]]]
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", script], input=json.dumps(cases),
                                capture_output=True, text=True, env=env, check=True,
                                cwd=Path(__file__).parent.parent)
        outputs.add(result.stdout)
    assert len(outputs) == 1
    here = [list(verify(*c).__dict__.values()) for c in cases]  # type: ignore[arg-type]
    assert json.loads(outputs.pop()) == here


def test_fuzzy_matching_is_bounded_per_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """200 records, long contexts included: at most a few window comparisons each."""
    windows: list[int] = []

    class Counting(SequenceMatcher[Any]):
        def set_seq1(self, a: Any) -> None:
            if a:
                windows[-1] += 1
            super().set_seq1(a)

    monkeypatch.setattr(verify_local, "SequenceMatcher", Counting)
    rows = squad_rows()
    records = [(q, a, [c]) for _, q, a, c in rows] + list(swapped(rows))
    aragog = json.loads(
        (REAL / "llamaindex_ragdataset_aragog_gpt-3.5-turbo_first40.json").read_text("utf-8"))
    big = " ".join(e["reference_contexts"][0] for e in aragog["examples"][:7])
    records += [(e["query"], e["reference_answer"], [big]) for e in aragog["examples"][:8]]
    assert len(records) == 200
    for record in records:
        windows.append(0)
        verify(*record)
    assert max(windows) <= NEAR_MATCH_MAX_WINDOWS
    assert sum(windows) > 0  # the fuzzy path did run


def test_identity() -> None:
    assert VERIFIER_ID == "qa-provenance/local-grounding@3"
    verdict = verify("q", "Frank Herbert", [DUNE])
    with pytest.raises(AttributeError):
        verdict.score = 0.0  # type: ignore[misc]


# ------------------------------------------------------------------------------------------
# judging the answer to this question (issue 12)

NORMANS = (
    "The Normans were the people who in the 10th and 11th centuries gave their name to "
    "Normandy, a region in France. They were descended from Norse raiders under their leader "
    "Rollo. In the year 911 Rollo signed a treaty with the Frankish king, King Charles III of "
    "West Francia. "
    "Robert Guiscard led an army of 30,000 men against Dyrrachium in 1081. The city was "
    "defended by the emperor Alexius Komnenos. Emma stayed in Normandy, where her brother Duke "
    "Richard II of Normandy welcomed her. Later the monks of Jumièges did not rebuild it."
)


@pytest.mark.parametrize(("question", "answer"), [
    ("When were the Normans in Normandy?", "the tenth and eleventh centuries"),
    ("When were the Normans in Normandy?", "10th and 11th centuries"),
    ("How many men were in Robert's army?", "thirty thousand"),
    ("How many men were in Robert's army?", "30000"),
    ("When did Rollo sign the treaty?", "in the year 911"),
    ("When did Rollo sign the treaty?", "911"),
])
def test_number_words_ordinals_and_years_are_the_same_value(question: str, answer: str) -> None:
    verdict = verify(question, answer, [NORMANS])
    assert verdict.verdict == "supported", verdict


def test_number_words_are_read_as_digits() -> None:
    tokens = verify_local._tokens
    assert tokens("the tenth century") == ["the", "10", "century"]
    assert tokens("thirty thousand") == tokens("30,000") == ["30000"]
    assert tokens("nine hundred and eleven") == ["911"]
    assert tokens("twenty-first") == ["21"]
    assert tokens("1.5 million") == ["1500000"]
    assert tokens("one of them came second") == ["one", "of", "them", "came", "second"]
    assert tokens("the first century") == ["the", "1", "century"]


@pytest.mark.parametrize("answer", ["Richard II, Duke of Normandy", "Charles III, King of West "
                                    "Francia"])
def test_reordered_titled_names_are_found(answer: str) -> None:
    verdict = verify("Who is meant?", answer, [NORMANS])
    assert verdict.verdict == "supported"
    assert "reordered" in verdict.rationale


@pytest.mark.parametrize(("answer", "how"), [
    ("Alexios Komnenos", "respelt (alexios/alexius)"),
    ("Alexius Komnenus", "respelt (komnenus/komnenos)"),
    ("Jumieges", "as a span"),  # accents off
])
def test_respellings_and_diacritics(answer: str, how: str) -> None:
    verdict = verify("Who defended the city?" if "Alex" in answer else
                     "Which monks did not rebuild it?", answer, [NORMANS])
    assert verdict.verdict == "supported"
    assert how in verdict.rationale


def test_a_respelling_must_be_of_a_long_word() -> None:
    # "Emme" is one letter from "Emma" but too short to be taken for a respelling of it.
    assert verify("Who stayed in Normandy?", "Emme", [NORMANS]).verdict != "supported"
    assert verify("Who stayed in Normandy?", "Emma", [NORMANS]).verdict == "supported"


@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("When did Rollo sign the treaty?", "Rollo", "a 'when' question answered without a date"),
    ("How many men were in Robert's army?", "Dyrrachium",
     "a 'how many/much' question answered without a number"),
    ("Who led the army against Dyrrachium?", "1081", "a 'who' question answered with a date"),
    ("Where did Emma stay?", "911", "a 'where' question answered with a date"),
])
def test_the_answer_must_be_of_the_type_asked(question: str, answer: str, reason: str) -> None:
    verdict = verify(question, answer, [NORMANS])
    assert verdict.verdict == "unsupported"
    assert verdict.rationale.startswith(reason)


def test_one_answers_how_many() -> None:
    context = ["Each value has an owner, and there can only be one owner at a time."]
    assert verify("How many owners can a value have at a time?", "Only one owner at a time.",
                  context).verdict == "supported"


def test_a_person_asked_for_and_a_place_given() -> None:
    verdict = verify("Who welcomed Emma?", "Normandy", [NORMANS])
    assert verdict.verdict == "unsupported"
    assert "reads as a place" in verdict.rationale
    assert verify("Who welcomed Emma?", "Duke Richard II", [NORMANS]).verdict == "supported"


def test_a_place_asked_for_and_a_people_given() -> None:
    verdict = verify("In what country is Normandy?", "Frankish", [NORMANS])
    assert verdict.verdict == "unsupported"
    assert "a people or a language" in verdict.rationale


def test_the_questions_number_must_be_near_the_answer() -> None:
    context = [
        "In 1066 the Normans conquered England. Many years passed. Nothing happened. "
        "Much later, in 1169, the Normans invaded Ireland."
    ]
    assert verify("Which country did the Normans invade in 1169?", "Ireland",
                  context).verdict == "supported"
    verdict = verify("Which country did the Normans invade in 1169?", "England", context)
    assert verdict.verdict == "unsupported"
    assert "'1169' is elsewhere in the context, not near the answer" in verdict.rationale


def test_the_questions_words_must_be_near_the_answer() -> None:
    context = ["Tancred took Jerusalem. Many years passed. Nothing happened. Bohemond later "
               "had a nephew who was a famous crusader."]
    verdict = verify("Who was Bohemond's nephew?", "Tancred", context)
    assert verdict.verdict != "supported"
    assert "near the answer" in verdict.rationale


def test_words_the_context_lacks_are_rewording_not_evidence() -> None:
    # "originate" and "countries" are nowhere in the context: the asker's own words.
    verdict = verify("From which countries did the Norse originate?", "Norse raiders", [NORMANS])
    assert verdict.verdict == "supported"


def test_an_answer_that_is_neither_option_of_the_question() -> None:
    context = ["Mahbub ul Haq: born 1934.", "Ibn Arabi: born 1165.", "Akbariyya: a school."]
    verdict = verify("Who was born first, Mahbub ul Haq or Ibn Arabi?", "Akbariyya", context)
    assert verdict.verdict == "unsupported"
    assert "offers 'Mahbub ul Haq' or 'Ibn Arabi'" in verdict.rationale
    option = verify("Who was born first, Mahbub ul Haq or Ibn Arabi?", "Ibn Arabi", context)
    assert option.verdict == "supported"
    assert "which one is right is not checked" in option.rationale


def test_a_distractor_title_without_the_questions_terms() -> None:
    context = context_passages([
        ["Monster Force", ["Monster Force is an animated series about monsters."]],
        ["BraveStarr", ["BraveStarr is an American space Western animated series."]],
        ["Celebrity Home Entertainment", ["Celebrity released BraveStarr on video."]],
    ])
    question = "Which American space Western animated series did Celebrity release?"
    assert verify(question, "BraveStarr", context).verdict == "supported"
    assert verify(question, "Monster Force", context).verdict != "supported"


# ------------------------------------------------------------------------------------------
# unanswerable questions


@pytest.mark.parametrize("answer", ["", "  ", "N/A", "unanswerable", "No answer"])
def test_no_answer_to_an_unanswerable_question_is_supported(answer: str) -> None:
    verdict = verify("What did the Normans build in Spain?", answer, [NORMANS],
                     unanswerable=True)
    assert verdict.verdict == "supported"
    assert verdict.rationale.startswith("marked unanswerable")


def test_an_unanswerable_mark_on_a_question_the_context_restates() -> None:
    verdict = verify("Who signed a treaty with the Frankish king?", "", [NORMANS],
                     unanswerable=True)
    assert verdict.verdict == "unsure"
    assert "restates the question" in verdict.rationale


def test_an_answer_to_a_question_marked_unanswerable_is_unsupported() -> None:
    verdict = verify("What did the Normans build in Spain?", "castles", [NORMANS],
                     unanswerable=True)
    assert verdict.verdict == "unsupported"


def test_without_the_mark_an_empty_answer_stays_unsupported() -> None:
    for mark in (None, False):
        assert verify("What did the Normans build?", "", [NORMANS],
                      unanswerable=mark) == Verdict("unsupported", 0.0, "empty answer")


def test_real_squad_v2_unanswerable_questions_with_empty_answers() -> None:
    data = json.loads((REAL / "squad_v2.0_dev_normans_subset.json").read_text("utf-8"))
    verdicts = [verify(qa["question"], "", [paragraph["context"]], unanswerable=True).verdict
                for article in data["data"] for paragraph in article["paragraphs"]
                for qa in paragraph["qas"] if qa["is_impossible"]]
    assert len(verdicts) == 112
    assert verdicts.count("supported") >= 0.95 * len(verdicts)


# ------------------------------------------------------------------------------------------
# budget


def test_past_the_budget_the_item_is_unsure_with_the_reason(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify_local, "MAX_ITEM_CHARS", 1000)
    verdict = verify("q", "Rollo", ["x" * 600, "y" * 600])
    assert verdict.verdict == "unsure"
    assert verdict.rationale == "too large to check locally (1,206 characters, budget 1,000)"


def test_context_lookups_do_not_loop_over_passages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Numbers and words are looked up in the union vocabulary: one probe each, however many
    passages (a loop over passages per number made 790 numbers x 400,000 passages take 90 s)."""
    passages = [f"passage {i} says {i * 7}" for i in range(2000)]
    answer = " ".join(str(i * 7) for i in range(0, 1580, 2))  # 790 numbers, all present
    built: list[int] = []
    real = verify_local._context

    def counting(texts: Any) -> Any:
        built.append(len(texts))
        return real(texts)

    monkeypatch.setattr(verify_local, "_context", counting)
    verdict = verify("Which numbers?", answer, passages)
    assert built == [2000]  # the context is prepared once
    assert "not in the context" not in verdict.rationale


def test_an_opposite_near_the_answer_shows_another_question() -> None:
    context = ["Before 1066 the Normans built castles in wood. They used timber. It burned. "
               "Much later, after the conquest, the Normans built churches in stone."]
    question = "What did the Normans build after the conquest?"
    assert verify(question, "churches", context).verdict == "supported"
    verdict = verify(question, "castles", context)
    assert verdict.verdict == "unsupported"
    assert verdict.rationale.startswith("the question asks 'after', but the answer's sentence")


def test_a_parenthetical_gloss_is_not_part_of_the_span() -> None:
    context = ["开学典礼将于9月5日举行。"]
    verdict = verify("What is the date of the opening ceremony?", "9月5日 (September 5th)", context)
    assert verdict.verdict == "supported"


# ------------------------------------------------------------------------------------------
# candidate ranking: a name or number taken from the wrong sentence

ROUEN = ("The Viking leader Rollo sailed up the Seine. In 911 King Charles the Simple granted "
         "the lands around Rouen to the Vikings. In 1066 the Normans crossed the sea to England.")


@pytest.mark.parametrize(("question", "answer"), [
    ("Who granted the lands around Rouen?", "Rollo"),  # the sentence before's name
    ("In what year were the lands around Rouen granted?", "1066"),  # the sentence after's year
])
def test_a_value_from_a_sentence_the_question_does_not_point_at_is_flagged(
        question: str, answer: str) -> None:
    verdict = verify(question, answer, [ROUEN])
    assert verdict.verdict == "unsure", verdict
    assert "sentence 2 holds more of the question" in verdict.rationale


@pytest.mark.parametrize(("question", "answer"), [
    ("Who granted the lands around Rouen?", "King Charles the Simple"),
    ("In what year were the lands around Rouen granted?", "911"),
    ("In what year were the lands around Rouen granted?", "in the year nine hundred and eleven"),
    ("Who sailed up the Seine?", "Rollo"),
])
def test_the_value_where_the_question_points_is_supported(question: str, answer: str) -> None:
    assert verify(question, answer, [ROUEN]).verdict == "supported"


def test_a_sentence_opening_with_a_pronoun_continues_the_one_before() -> None:
    context = ("The Normans spoke a dialect of Old French. The Anglo-Norman language was absorbed "
               "into the language of the English. It in turn evolved into Modern English. "
               "Geoffrey Chaucer wrote in Middle English.")
    question = "What did the Anglo-Norman language evolve into?"
    assert verify(question, "Modern English", [context]).verdict == "supported"


def test_an_answer_that_is_not_a_name_or_number_is_not_ranked() -> None:
    context = "In 1191 Richard left Messina to reach Acre. But a storm dispersed the fleet."
    assert verify("What ruined Richard's plans to reach Acre?", "a storm",
                  [context]).verdict == "supported"
