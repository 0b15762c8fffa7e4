"""Build the labelled sets the local verifier is measured on, from real SQuAD v2 and HotpotQA.

Run by hand: `python bench/verifier_sets.py [--source DIR] [--out DIR]`. Deterministic: the same
inputs always give byte-identical files. Writes ``contexts.json`` (each paragraph or HotpotQA
context once) and one JSONL file per set to ``tests/fixtures/verifier_sets/``. Every item says its
half: ``build`` (even SQuAD paragraph / HotpotQA record index: the verifier is tuned on these)
or ``held`` (odd: reported, never tuned on).

Sets, with the label a correct verifier would give:
- ``gold`` (correct): SQuAD v2 first gold answers, HotpotQA answers.
- ``unanswerable`` (correct): SQuAD v2 ``is_impossible`` questions with an empty answer.
- ``paraphrase`` (correct): light rewrites of gold answers (numbers and ordinals as words, "in the
  year 911", reordered titled names, one-letter respellings, diacritics).
- ``plausible`` (wrong): SQuAD v2 ``plausible_answers``, spans that look right for a question the
  paragraph does not answer.
- ``swap`` (wrong): the gold answer of another question about the same paragraph.
- ``distractor`` (wrong): HotpotQA distractor paragraph titles as answers.
- ``changed_in`` (wrong): a gold number or name replaced by another of the same kind from
  another sentence of the paragraph (HotpotQA: of the context).
- ``changed_near`` (wrong): the same, with a value from the answer's own sentence.
- ``changed_out`` (wrong): a gold value replaced by one the paragraph does not contain.
- ``answerable_empty`` (wrong): an empty answer claiming "unanswerable" for an answerable question.
- ``missing_evidence`` (wrong for this context): HotpotQA answers whose supporting paragraphs the
  30-record sample dropped (it keeps 0 to 7 of each record's 10 paragraphs).
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (Path("/work/shared/datasets/real"), ROOT / "tests" / "fixtures" / "real")
OUT = ROOT / "tests" / "fixtures" / "verifier_sets"
SQUAD = "squad_v2.0_dev_normans_subset.json"
HOTPOT = "hotpotqa_dev_distractor_sample30.json"
#: Distractor titles taken per HotpotQA record, at most (in context order).
DISTRACTORS_PER_RECORD = 3

CHANGES = (("far", "changed_in"), ("near", "changed_near"), ("out", "changed_out"))
SETS = ("gold", "unanswerable", "paraphrase", "plausible", "swap", "distractor", "changed_in",
        "changed_near", "changed_out", "answerable_empty", "missing_evidence")

def _split(words: str) -> list[str]:
    return words.split()


_ONES = _split("zero one two three four five six seven eight nine ten eleven twelve thirteen "
               "fourteen fifteen sixteen seventeen eighteen nineteen")
_TENS = _split("_ _ twenty thirty forty fifty sixty seventy eighty ninety")
_ORDINAL = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
            "nine": "ninth", "twelve": "twelfth"}
_TITLES = ("King", "Queen", "Duke", "Duchess", "Count", "Countess", "Emperor", "Empress", "Pope",
           "Bishop", "Archbishop", "Earl", "Prince", "Princess", "Lord", "Abbot", "Saint")
_SENTENCE_STARTS = frozenset(_split("some these most many this that in after a an by at on for "
                                    "from with as his her their its although however when while "
                                    "during under"))
_NAME = re.compile("\\b[A-Z][\\w'\u2019-]*(?:\\s+(?:of\\s+|de\\s+|the\\s+)?[A-Z][\\w'\u2019-]*)*")
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\w])|(?<![\w.,])\d+(?![\d,.]?\d)")
_ORD = re.compile(r"\b(\d{1,2})(st|nd|rd|th)\b")


def words(n: int) -> str:
    """An integer below a million in English words ("thirty thousand")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + words(rest))
    rest = n % 1000
    return words(n // 1000) + " thousand" + ("" if rest == 0 else " " + words(rest))


def ordinal_words(n: int) -> str:
    text = words(n)
    head, _, last = text.rpartition("-") if "-" in text else text.rpartition(" ")
    sep = "-" if "-" in text else " "
    if last in _ORDINAL:
        last = _ORDINAL[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return f"{head}{sep}{last}" if head else last


def paraphrases(question: str, answer: str) -> Iterator[tuple[str, str]]:
    """(kind, rewrite) pairs for the rewrites that apply to this answer."""
    bare = answer.strip()
    if re.fullmatch(r"(?:in\s+)?\d{3,4}", bare):
        yield "in the year", f"in the year {bare.split()[-1]}"
    if _ORD.search(bare):
        text = _ORD.sub(lambda m: ordinal_words(int(m.group(1))), bare)
        if "centur" in text and not text.lower().startswith("the "):
            text = "the " + text
        yield "ordinal as words", text
    elif re.fullmatch(r"(?:about |around |over |some )?[\d,]+(?: \w+)?", bare) and not (
            question.lower().startswith("when") or "year" in question.lower()):
        match = _NUMBER.search(bare)
        if match:
            value = int(match.group().replace(",", ""))
            if value < 1_000_000 and not 1000 <= value <= 2100:
                yield "number as words", bare.replace(match.group(), words(value))
    titled = re.fullmatch(f"({'|'.join(_TITLES)})" "\\s+([A-Z][\\w'\u2019-]*(?:\\s+[IVX]+)?)"
                          r"(?:\s+of\s+(.+))?", bare)
    if titled:
        title, name, place = titled.groups()
        yield "reordered name", (f"{name}, {title} of {place}" if place
                                 else f"{name}, {title.lower()}")
    respelt = respelling(bare)
    if respelt:
        yield "respelling", respelt
    plain = "".join(c for c in unicodedata.normalize("NFD", bare)
                    if unicodedata.category(c) != "Mn")
    if plain != bare:
        yield "without diacritics", plain


def respelling(answer: str) -> str | None:
    """One letter of the answer's longest capitalised word respelt the way transliterations
    differ (Alexius/Alexios, Bohemond/Bohemund, Kiev/Kyiv-like c/k), else None."""
    candidates = sorted((w for w in re.findall(r"\b[A-Z][a-z]{4,}\b", answer)),
                        key=lambda w: (-len(w), w))
    for word in candidates:
        for old, new in (("ius", "ios"), ("us", "os"), ("os", "us"), ("ph", "f"), ("ca", "ka"),
                         ("co", "ko"), ("cu", "ku"), ("ck", "k"), ("c", "k"), ("o", "u"),
                         ("i", "y")):
            index = word.rfind(old, 1)
            if index > 0:
                return answer.replace(word, word[:index] + new + word[index + len(old):], 1)
    return None


def other_value(answer: str, context: str, question: str, where: str, at: int,
                pool: list[str]) -> str | None:
    """The answer with its number or name replaced by another of the same kind: one from
    another sentence of the context (``where="far"``: the nearest such name, the closest such
    number), from the answer's own sentence (``"near"``), or one the context lacks (``"out"``:
    from ``pool``, picked by the question's checksum, else a shifted number). ``at`` is where
    the answer is in the context."""
    low, high = _sentence_span(context, at)

    def placed(start: int) -> bool:
        return (low <= start < high) == (where == "near")

    number = _NUMBER.search(answer) or _ORD.search(answer)
    if number:
        digits = number.group(1) if number.re is _ORD else number.group()
        value = int(digits.replace(",", ""))
        if where != "out":
            found = [(int(m.group().replace(",", "")), m.start())
                     for m in _NUMBER.finditer(context)]
            found += [(int(m.group(1)), m.start()) for m in _ORD.finditer(context)]
            options = [v for v, start in found if v != value and placed(start)
                       and str(v) not in answer and str(v) not in question
                       and (v >= 1000) == (value >= 1000)]
            if not options:
                return None
            new = min(options, key=lambda v: (abs(v - value), v))
        else:
            new = next(v for v in (value + 3, value + 7, value + 13, value * 2 + 1)
                       if str(v) not in context)
        text = str(new) if number.re is _NUMBER else f"{new}{_suffix(new)}"
        start = number.start(1) if number.re is _ORD else number.start()
        return answer[:start] + text + answer[number.end():]
    names = [m.group() for m in _NAME.finditer(answer)]
    if not names:
        return None
    target = max(names, key=len)
    folded = _fold(answer)
    if where != "out":
        ranked = sorted((abs(m.start() - at), m.group()) for m in _NAME.finditer(context)
                       if m.start() > 0 and placed(m.start())
                       and context[m.start() - 2:m.start()] not in (". ", '."'))
        choices = [name for _, name in ranked]
    else:
        folded_context = _fold(context)
        choices = [re.sub(r"^The ", "", name) for name in pool
                   if _fold(name) not in folded_context
                   and name.split()[0].lower() not in _SENTENCE_STARTS]
    choices = [o for o in dict.fromkeys(choices) if len(o) > 2 and not _overlaps(_fold(o), folded)
               and _fold(o) not in _fold(question) and not _overlaps(_fold(o), _fold(target))]
    if not choices:
        return None
    pick = sum(map(ord, question)) % len(choices) if where == "out" else 0
    return answer.replace(target, choices[pick], 1)


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"')]*\s+(?=[\"'(]?[A-Z0-9])")


def _sentence_span(context: str, at: int) -> tuple[int, int]:
    """Where the sentence holding character ``at`` starts and ends."""
    start, end = 0, len(context)
    for match in _SENTENCE_BREAK.finditer(context):
        if match.end() <= at:
            start = match.end()
        else:
            end = match.start()
            break
    return start, end


def _suffix(n: int) -> str:
    if n % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFD", text)
                    if unicodedata.category(c) != "Mn")
    return " ".join(re.findall(r"\w+", plain.lower()))


def _overlaps(a: str, b: str) -> bool:
    return bool(set(a.split()) & set(b.split()) - {"the", "of", "a", "an", "and"})


def squad_items(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    number = 0
    paragraphs = [p for article in data["data"] for p in article["paragraphs"]]
    name_pool = [m.group() for p in paragraphs for m in _NAME.finditer(p["context"])
                 if len(m.group().split()) >= 2]
    for paragraph in paragraphs:
        key = f"squad:{number}"
        half = "build" if number % 2 == 0 else "held"
        context = paragraph["context"]
        base = {"context": key, "half": half}
        answerable = [q for q in paragraph["qas"] if not q.get("is_impossible") and q["answers"]]
        for index, qa in enumerate(paragraph["qas"]):
            ref = {**base, "question": qa["question"], "ref": f"{key}:{qa['id']}"}
            if qa.get("is_impossible"):
                yield {"set": "unanswerable", **ref, "answer": "", "unanswerable": True}
                for answer in list(dict.fromkeys(a["text"] for a in qa.get("plausible_answers",
                                                                            [])))[:1]:
                    yield {"set": "plausible", **ref, "answer": answer}
                continue
            if not qa["answers"]:
                continue
            gold = qa["answers"][0]["text"]
            golds = {_fold(a["text"]) for a in qa["answers"]}
            yield {"set": "gold", **ref, "answer": gold}
            yield {"set": "answerable_empty", **ref, "answer": "", "unanswerable": True}
            for kind, text in paraphrases(qa["question"], gold):
                yield {"set": "paraphrase", **ref, "answer": text, "kind": kind}
            swaps = [q["answers"][0]["text"] for q in answerable[index + 1:] + answerable[:index]
                     if q is not qa and all(not _overlaps(_fold(q["answers"][0]["text"]), g)
                                            for g in golds)]
            if swaps:
                yield {"set": "swap", **ref, "answer": swaps[0]}
            at = qa["answers"][0]["answer_start"]
            for where, name in CHANGES:
                changed = other_value(gold, context, qa["question"], where, at, name_pool)
                if changed and all(_fold(changed) != g for g in golds):
                    yield {"set": name, **ref, "answer": changed}
        number += 1


def hotpot_items(records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    pool = [title for r in records for title, _ in r["context"]]
    for number, record in enumerate(records):
        key = f"hotpot:{number}"
        ref = {"context": key, "half": "build" if number % 2 == 0 else "held",
               "question": record["question"], "ref": f"{key}:{record['_id']}"}
        answer = record["answer"]
        supporting = {title for title, _ in record["supporting_facts"]}
        text = " ".join(f"{t}: {' '.join(s)}" for t, s in record["context"])
        # The sample keeps 0 to 7 of each record's 10 paragraphs, often without the supporting
        # ones: the answer is gold only when its evidence is there.
        present = supporting & {title for title, _ in record["context"]}
        evidence = bool(present) and (answer.lower() in ("yes", "no")
                                      or f" {_fold(answer)} " in f" {_fold(text)} ")
        yield {"set": "gold" if evidence else "missing_evidence", **ref, "answer": answer}
        taken = 0
        for title, _ in record["context"]:
            plain = re.sub(r"\s*\([^)]*\)$", "", title).replace("&amp;", "&")
            if (title in supporting or _overlaps(_fold(plain), _fold(answer))
                    or taken >= DISTRACTORS_PER_RECORD):
                continue
            taken += 1
            yield {"set": "distractor", **ref, "answer": plain}
        if evidence and answer.lower() not in ("yes", "no"):
            at = max(text.find(answer), 0)
            for where, name in CHANGES:
                changed = other_value(answer, text, record["question"], where, at, pool)
                if changed and _fold(changed) != _fold(answer):
                    yield {"set": name, **ref, "answer": changed}


def build(source: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    squad = json.loads((source / SQUAD).read_text("utf-8"))
    hotpot = json.loads((source / HOTPOT).read_text("utf-8"))
    contexts: dict[str, Any] = {}
    number = 0
    for article in squad["data"]:
        for paragraph in article["paragraphs"]:
            contexts[f"squad:{number}"] = [paragraph["context"]]
            number += 1
    for number, record in enumerate(hotpot):
        contexts[f"hotpot:{number}"] = record["context"]  # [title, [sentences]] pairs
    sets: dict[str, list[dict[str, Any]]] = {name: [] for name in SETS}
    for item in [*squad_items(squad), *hotpot_items(hotpot)]:
        sets[item.pop("set")].append(item)
    return contexts, sets


def render(contexts: dict[str, Any], sets: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The files to write: name -> text (LF line ends, sorted keys: byte-stable)."""
    files = {"contexts.json": json.dumps(contexts, ensure_ascii=False, indent=0,
                                         sort_keys=True) + "\n"}
    for name, items in sets.items():
        files[f"{name}.jsonl"] = "".join(json.dumps(item, ensure_ascii=False, sort_keys=True)
                                         + "\n" for item in items)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--source", type=Path, default=None,
                        help="folder holding the real samples (default: /work/shared/datasets/"
                             "real, else tests/fixtures/real)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    source = args.source or next(p for p in SOURCES if (p / SQUAD).is_file())
    contexts, sets = build(source)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in render(contexts, sets).items():
        (args.out / name).write_bytes(text.encode("utf-8"))
    for name, items in sets.items():
        halves = sum(item["half"] == "build" for item in items)
        print(f"{name:17} {len(items):4} items ({halves} build, {len(items) - halves} held)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
