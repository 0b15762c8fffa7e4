"""Near-duplicate questions: the canonical form (``provenance.diversity.text``) against MinHash
(``rensa``, ``datasketch``), on real questions with planted light edits. Run by hand:

    python bench/diversity_near_duplicates.py [FIXTURES_DIR] [COPIES]

Needs ``rensa`` and ``datasketch`` installed (they are not dependencies). Prints, per method, the
seconds per 100,000 questions, the share of planted near duplicates found (recall) and the number of
distinct real questions wrongly merged (false positives).
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from provenance.diversity.text import STOPWORDS, canonical, digest64, normalise

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "real"


def real_questions(folder: Path) -> list[str]:
    out: list[str] = []
    for name in ("nq_open_dev_first200.jsonl", "nq_open_efficientqa_test_1.1_first200.jsonl"):
        out += [json.loads(line)["question"] for line in (folder / name).open(encoding="utf-8")]
    for item in json.loads((folder / "hotpotqa_dev_distractor_sample30.json").read_text("utf-8")):
        out.append(item["question"])
    squad = json.loads((folder / "squad_v2.0_dev_normans_subset.json").read_text("utf-8"))
    for article in squad["data"]:
        for paragraph in article["paragraphs"]:
            out += [qa["question"] for qa in paragraph["qas"]]
    seen: set[str] = set()
    return [q for q in out if not (normalise(q) in seen or seen.add(normalise(q)))]


def edit(question: str, rng: random.Random) -> str:
    """A light rewrite: drop a stop word, swap two words, add a word, or change one letter."""
    words = question.split()
    kind = rng.randrange(4)
    if kind == 0:
        dropped = [w for w in words if w.lower() not in STOPWORDS] or words
        return " ".join(dropped) if dropped != words else question.upper()
    if kind == 1 and len(words) > 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)
    if kind == 2:
        return "Tell me: " + question
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 3:
        j = rng.randrange(len(w))
        words[i] = w[:j] + ("x" if w[j] != "x" else "y") + w[j + 1:]
    return " ".join(words)


def tokens(question: str) -> list[str]:
    return normalise(question).split()


def by_canonical(questions: list[str]) -> list[bool]:
    seen: set[int] = set()
    out = []
    for q in questions:
        h = digest64(canonical(normalise(q)))
        out.append(h in seen)
        seen.add(h)
    return out


def by_rensa(questions: list[str], threshold: float, perm: int) -> list[bool]:
    import rensa

    # 16 bands of 8 rows: the S-curve's midpoint (1/16)**(1/8) is 0.71; candidates are kept only
    # when their estimated Jaccard similarity reaches the threshold, as datasketch does not.
    lsh = rensa.RMinHashLSH(threshold=threshold, num_perm=perm, num_bands=16)
    kept: list[rensa.RMinHash] = []
    out = []
    for key, q in enumerate(questions):
        m = rensa.RMinHash(num_perm=perm, seed=42)
        m.update(tokens(q))
        out.append(any(m.jaccard(kept[c]) >= threshold for c in lsh.query(m)))
        lsh.insert(key, m)
        kept.append(m)
    return out


def by_datasketch(questions: list[str], threshold: float, perm: int) -> list[bool]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=perm)
    out = []
    for key, q in enumerate(questions):
        m = MinHash(num_perm=perm, seed=42)
        m.update_batch([t.encode("utf-8") for t in tokens(q)])
        out.append(bool(lsh.query(m)))
        lsh.insert(str(key), m)
    return out


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES
    copies = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    rng = random.Random(7)
    base = real_questions(folder)
    planted = [edit(q, rng) for _ in range(copies) for q in base]
    questions = base + planted
    truth = [False] * len(base) + [True] * len(planted)
    print(f"{len(base)} distinct real questions, {len(planted)} planted light edits")
    methods = {
        "canonical form": lambda qs: by_canonical(qs),
        "rensa 0.7/128": lambda qs: by_rensa(qs, 0.7, 128),
        "datasketch 0.7/128": lambda qs: by_datasketch(qs, 0.7, 128),
    }
    for name, method in methods.items():
        start = time.perf_counter()
        flags = method(questions)
        seconds = time.perf_counter() - start
        found = sum(f for f, t in zip(flags, truth) if t)
        false = sum(f for f, t in zip(flags, truth) if not t)
        print(f"{name:20} {seconds / len(questions) * 100_000:7.2f} s/100k  "
              f"recall {found / len(planted):6.1%}  false positives {false}/{len(base)}")


if __name__ == "__main__":
    main()
