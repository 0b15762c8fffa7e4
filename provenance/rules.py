"""The rule registry: every rule's stable code, name, documentation and checks in one place.

Configuration selects rules by code or name, reporters print the code, the documentation's rule
table (docs/rules/index.md, printed by ``qa-provenance rules``) and SARIF's rule descriptors are
generated from this list, and each rule names the functions in ``provenance.checks`` that emit it
(a test holds the two together), so none of them can disagree. Each rule has a page under DOCS_URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

DOCS_URL = "https://qa-provenance.github.io/qa-provenance/"
"""The documentation site (mkdocs.yml's ``site_url``); rule pages live under ``rules/<code>/``."""


class Severity(str, Enum):
    ERROR = "error"
    WARN = "warn"
    OFF = "off"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    default: Severity = Severity.ERROR
    # The functions that emit it, as ``module:function`` under ``provenance.checks``.
    checks: tuple[str, ...] = ()

    @property
    def help_uri(self) -> str:
        """The rule's page on the documentation site (docs/rules/<code>.md)."""
        return f"{DOCS_URL}rules/{self.code}/"


MISSING = Rule(
    "QP001", "missing-provenance",
    "A QA dataset has no provenance record (sidecar, manifest entry or embedded).",
    checks=("claims:choose_claim", "coverage:apply"),
)
INVALID = Rule(
    "QP002", "invalid-record",
    "A provenance file or record does not match the published JSON Schema, or names an agent "
    "without a real identity.",
    checks=("record_rules:record_problems",
            "record_rules:reference_problems",
            "record_rules:placeholder_problems",
            "record_rules:missing_agent_problems",
            "claims:record_shape",
            "claims:broken_manifest_problem"),
)
DIGEST = Rule(
    "QP003", "digest-mismatch",
    "The data file's content changed since it was stamped, or no digest binds it: the validation "
    "no longer covers what is in the file.",
    checks=("record_rules:content_problems", "claims:record_shape"),
)
RECORD_COUNT = Rule(
    "QP004", "record-count-mismatch",
    "The record count in the provenance differs from the number of records in the file.",
    checks=("record_rules:content_problems",),
)
CONFLICT = Rule(
    "QP005", "conflicting-provenance",
    "Two provenance sources at the same level claim the same data file.",
    checks=("claims:choose_claim",),
)
ORPHAN = Rule(
    "QP006", "orphan-provenance",
    "A sidecar names a data file that does not exist.",
    checks=("claims:orphan_problem",),
)
IDENTICAL_SOURCE = Rule(
    "QP010", "identical-source",
    "A validator is the same source as a generator once identities are normalised.",
    checks=("per_record:record_problems",),
)
SELF_TRAINING = Rule(
    "QP011", "self-training",
    "A model the data is meant to train is the same source as one of its generators.",
    checks=("record_rules:training_problems",),
)
SELF_ANSWERED = Rule(
    "QP012", "self-answered",
    "The questions and their reference answers come from the same source and no validator "
    "checks them: the model answers its own questions.",
    Severity.WARN,
    checks=("per_record:record_problems",),
)
SAME_FAMILY = Rule(
    "QP013", "same-family",
    "A validator is of the same model family as a generator (a loop under the `family` "
    "independence policy).",
    Severity.WARN,
    checks=("per_record:record_problems",),
)
CONTRADICTION = Rule(
    "QP014", "provenance-contradiction",
    "The file-level record and the records' own generator/validator fields disagree.",
    checks=("record_rules:contradiction_problems",),
)
GENERATOR_SHARE = Rule(
    "QP015", "generator-dominance",
    "One generator produced more than `max-generator-share` of the records of a file or folder "
    "(only when that option is set).",
    checks=("shares:file_share_problems", "shares:FolderShares.problems"),
)
LINEAGE_LOOP = Rule(
    "QP016", "lineage-loop",
    "Across datasets and models, a model (or a derivative) validates or is trained on data that "
    "it (or a derivative) generated.",
    checks=("lineage_loops:loop_problems",),
)
MIXED_SCRIPT = Rule(
    "QP017", "mixed-script-identity",
    "A model id mixes writing systems (Latin with Cyrillic or Greek, say) even once look-alike "
    "letters are folded: a spelling made to pass for another model, or a typo to fix.",
    Severity.WARN,
    checks=("per_record:script_problems",),
)
VERIFICATION_MISSING = Rule(
    "QP030", "verification-missing",
    "The configuration requires a passing spot check for this file (require-verification), "
    "and none is recorded for its current content within the allowed age.",
    checks=("record_rules:verification_problems",),
)
TRUST_BELOW_MINIMUM = Rule(
    "QP031", "trust-below-minimum",
    "The file's trust level (declared, recorded or attested, computed by the tool, never read from "
    "the record) is below the minimum the configuration requires for it (trust).",
    checks=("trust_minimum:trust_problems", "coverage:apply"),
)
ATTESTATION_INVALID = Rule(
    "QP032", "attestation-invalid",
    "An attestation beside or naming a data file does not verify: no valid signature by an "
    "allowed identity or listed key, or a signed statement over other content or at odds with "
    "the file's provenance. It never counts towards the attested trust level.",
    checks=("attestation_refusals:attestation_problems",),
)
SELF_EVALUATION = Rule(
    "QP040", "self-evaluation",
    "An evaluation set (`evaluates:`) was generated or validated by a model it evaluates or a "
    "relative of it (a derivative, a base model, a model trained on its output); a set marked "
    "`held_out` by any model in the evaluated model's lineage.",
    checks=("self_evaluation:self_evaluation_problems",),
)
CONTAMINATION = Rule(
    "QP041", "contamination",
    "Records of an evaluation set appear (exactly after normalisation, through a shared 13-gram, "
    "or as near duplicates of short questions) in a dataset that trains the model it evaluates, "
    "or a model that model derives from.",
    checks=("contamination:contamination_problems",),
)
EVALUATION_PROVENANCE = Rule(
    "QP042", "evaluation-provenance",
    "An evaluation result (evaluations.yaml) cannot be trusted as recorded: its dataset has no "
    "provenance, is missing or changed since (digest), its class (held-out or self-generated, "
    "read from the lineage) contradicts the result's claim, or a held-out score was judged by the "
    "evaluated model's lineage; or the results file itself is invalid.",
    checks=("evaluation_results:result_problems", "evaluation_results:file_problem"),
)
SELF_STUDY_DRIFT = Rule(
    "QP043", "self-study-drift",
    "Across a model's self-training rounds, the gap between its self-generated and held-out "
    "scores grows beyond its confidence intervals, the held-out score falls below its best while "
    "the self-generated one rises, or a round trained only on model-generated data.",
    Severity.WARN,
    checks=("evaluation_results:drift_problems",),
)
DUPLICATE_QUESTIONS = Rule(
    "QP044", "duplicate-questions",
    "More than `diversity.max-duplicate-rate` of a file's or folder's questions repeat an earlier "
    "question, verbatim or as a near duplicate (only when that option is set).",
    checks=("diversity:diversity_problems",),
)
SOURCE_CONCENTRATION = Rule(
    "QP045", "source-concentration",
    "A file's or folder's questions are concentrated on a few of their contexts "
    "(`diversity.max-source-gini`) or their answers on the start of each context "
    "(`diversity.max-answers-at-start`); only when one of those options is set.",
    checks=("diversity:diversity_problems",),
)
UNREADABLE = Rule(
    "QP020", "unreadable-data",
    "The data file is empty, unreadable, or not valid in its format.",
    checks=("record_rules:data_problems",),
)

ALL_RULES: tuple[Rule, ...] = (
    MISSING, INVALID, DIGEST, RECORD_COUNT, CONFLICT, ORPHAN,
    IDENTICAL_SOURCE, SELF_TRAINING, SELF_ANSWERED, SAME_FAMILY, CONTRADICTION, GENERATOR_SHARE,
    LINEAGE_LOOP, MIXED_SCRIPT, VERIFICATION_MISSING, TRUST_BELOW_MINIMUM, ATTESTATION_INVALID,
    UNREADABLE, SELF_EVALUATION, CONTAMINATION, EVALUATION_PROVENANCE, SELF_STUDY_DRIFT,
    DUPLICATE_QUESTIONS, SOURCE_CONCENTRATION,
)
BY_KEY: dict[str, Rule] = {
    **{rule.code: rule for rule in ALL_RULES},
    **{rule.name: rule for rule in ALL_RULES},
}


def lookup(key: str) -> Rule | None:
    """Find a rule by code (case-insensitive) or name."""
    return BY_KEY.get(key.upper()) or BY_KEY.get(key.lower())
