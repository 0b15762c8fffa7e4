"""What source diversity costs per record, against parsing the same JSONL. Run by hand:

    python bench/diversity_cost.py [RECORDS]

Writes SQuAD-like records (real NQ-open questions, real SQuAD paragraphs as contexts, a two-word
span as the answer) to a temporary file and prints the best of three CPU times per record for the
orjson parse loop and for ``Diversity.add``.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from provenance.diversity.accumulator import Diversity, Fields
from provenance.reading import readers

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "real"


def write(path: Path, count: int) -> None:
    rng = random.Random(1)
    lines = (FIXTURES / "nq_open_dev_first200.jsonl").read_text("utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines]
    squad = json.loads((FIXTURES / "squad_v2.0_dev_normans_subset.json").read_text("utf-8"))
    contexts = [p["context"] for a in squad["data"] for p in a["paragraphs"]]
    with open(path, "w", encoding="utf-8") as out:
        for n in range(count):
            context = rng.choice(contexts)
            words = context.split()
            at = rng.randrange(len(words) - 2)
            out.write(json.dumps({"question": f"{rng.choice(questions)} {n % 50_000}",
                                  "answer": " ".join(words[at:at + 2]),
                                  "context": f"{context} {n % 20_000}"}) + "\n")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.jsonl"
        write(path, count)
        parse = add = float("inf")
        for _ in range(3):
            start = time.process_time()
            records = [data for data, _ in readers.read_data(path, "jsonl")]
            parse = min(parse, time.process_time() - start)
            diversity = Diversity(Fields("question", "answer", "context"))
            start = time.process_time()
            for record in records:
                diversity.add(record)
            add = min(add, time.process_time() - start)
    print(f"{count} records: parse {parse / count * 1e6:.1f} us/record, "
          f"Diversity.add {add / count * 1e6:.1f} us/record")


if __name__ == "__main__":
    main()
