"""The files ``init`` writes, filled in from the survey. Each is a start a person edits, with
comments that say what each setting does; none overwrites an existing file."""

from __future__ import annotations

from pathlib import Path

from provenance import __version__
from provenance.adoption.survey import Survey

REPOSITORY = "https://github.com/qa-provenance/qa-provenance"


def config_text(found: Survey) -> str:
    lines = [
        "# qa-provenance configuration: https://qa-provenance.github.io/qa-provenance/configuration/",
        "# Which files are QA datasets: *.jsonl, *.ndjson, *.parquet and *.arrow anywhere, and",
        "# *.json, *.csv and *.tsv under a data/ or datasets/ folder (JSONL, JSON, CSV and TSV",
        "# gzip or zstd compressed too: *.jsonl.gz, *.csv.zst), unless you say otherwise here:",
        "# extend-include: ['corpora/**/*.json']",
        "# exclude: ['scratch/**']",
        "",
        "# Generation and validation must come from different sources; under `family`, two models",
        "# of one family (GPT-4o and GPT-4o mini) count as one source too.",
        "independence: lineage",
    ]
    if found.unlabelled:
        lines += ["", f"# {len(found.unlabelled)} of {len(found.data)} data files have no "
                  "provenance yet. A folder you cannot",
                  "# label now (legacy data) can be a warning rather than an error: uncomment it.",
                  "# overrides:"]
        for folder, count in sorted(found.folders.items()):
            pattern = ("*" if folder == "." else f"{folder}/**").replace("'", "''")
            lines += [f"#   - files: '{pattern}'   # {count} unlabelled",
                      "#     rules: {missing-provenance: warn}"]
    return "\n".join(lines) + "\n"


def precommit_entry(found: Survey) -> str:
    extra = ("\n        additional_dependencies: [pyarrow]   # Parquet and Arrow files" if
             found.needs_pyarrow else "")
    return (f"  - repo: {REPOSITORY}\n"
            f"    rev: v{__version__}\n"
            f"    hooks:\n"
            f"      - id: qa-provenance{extra}\n")


def precommit_text(found: Survey) -> str:
    return "# https://pre-commit.com\nrepos:\n" + precommit_entry(found)


def gitattributes_text() -> str:
    """Data files kept byte for byte by git: with ``core.autocrlf`` (Git for Windows' default)
    a text file is checked out with CRLF line endings, so a record stamped on one system would
    not match the file another system checks out."""
    patterns = ["*.jsonl", "*.ndjson"] + [f"**/{folder}/**/*.{ext}"
                                          for folder in ("data", "datasets")
                                          for ext in ("json", "csv", "tsv")]
    return ("# qa-provenance: a record's digest binds a data file's exact bytes; git must not\n"
            "# convert their line endings (core.autocrlf), or another checkout would not match.\n"
            + "".join(f"{pattern} -text\n" for pattern in patterns))


def workflow_text() -> str:
    """The example workflow, as the package ships it."""
    packaged = Path(__file__).resolve().parents[1] / "_templates" / "qa-provenance.yml"
    checkout = Path(__file__).resolve().parents[2] / "hooks" / "github" / "qa-provenance.yml"
    source = packaged if packaged.is_file() else checkout
    text = source.read_text(encoding="utf-8")
    # The example's first line tells a reader where to copy it; init has put it there.
    first, _, rest = text.partition("\n")
    if first.startswith("# Example workflow: copy to"):
        text = ("# Written by `qa-provenance init`: "
                "https://qa-provenance.github.io/qa-provenance/github-actions/\n" + rest)
    return text
