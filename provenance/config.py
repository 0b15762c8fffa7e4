"""Configuration: which files are QA datasets and how severe each rule is, globally or per glob.

Read from ``.qa-provenance.yaml`` or ``[tool.qa-provenance]`` in ``pyproject.toml`` at the root, and
validated against ``schemas/config.schema.json`` so a typo is an error, not a silently ignored key.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.fs.globs import GlobError, GlobSet
from provenance.reading.limits import Limits
from provenance.rules import ALL_RULES, Rule, Severity, lookup

if TYPE_CHECKING:
    from provenance.reading.documents import Document

CONFIG_FILE = ".qa-provenance.yaml"
PYPROJECT = "pyproject.toml"

# Kept in step with provenance.trust.levels (ATTESTATION_SUFFIXES, DRAFT_SUFFIX), which this
# module does not import so that a hook run loads as little as possible.
_AUXILIARY_SUFFIXES = (".intoto.jsonl", ".intoto.json", ".provenance.draft.yaml")
# Files that describe a dataset rather than hold its records: Croissant's metadata.json, the
# Hugging Face `save_to_disk` folder's dataset_info.json, state.json and dataset_dict.json, and
# LlamaIndex's card.json. What they say can become a provenance draft (`qa-provenance import`).
METADATA_NAMES = {
    "metadata.json": "Croissant metadata",
    "croissant.json": "Croissant metadata",
    "dataset_info.json": "Hugging Face dataset info",
    "state.json": "Hugging Face save_to_disk state",
    "dataset_dict.json": "Hugging Face dataset dictionary",
    "card.json": "LlamaIndex dataset card",
}


def is_metadata(relpath: str) -> bool:
    return relpath.rsplit("/", 1)[-1].lower() in METADATA_NAMES

# gzip and zstd compressed JSONL, JSON, CSV and TSV count as their format does (``.jsonl.gz``).
_COMPRESSED = ("", ".gz", ".zst")
DEFAULT_INCLUDE = (
    *(f"*.{ext}{z}" for ext in ("jsonl", "ndjson") for z in _COMPRESSED),
    "*.parquet",
    "*.arrow",  # Arrow IPC, as Hugging Face `save_to_disk` and distilabel write data
    *(
        f"**/{folder}/**/*.{ext}{z}"
        for folder in ("data", "datasets")
        for ext in ("json", "csv", "tsv")
        for z in _COMPRESSED
    ),
)


class ConfigError(Exception):
    """Configuration that cannot be used: exit code 2."""


@dataclass(frozen=True)
class Override:
    files: GlobSet
    rules: Mapping[str, Severity]
    max_generator_share: float | None = None
    independence: str | None = None
    diversity: Mapping[str, Any] | None = None  # ``diversity:`` settings for these files


@dataclass(frozen=True)
class TrustMinimum:
    """A ``trust:`` entry: files matching ``files`` need at least trust level ``minimum``."""

    files: GlobSet
    minimum: str
    pattern: str  # the globs as written, for messages


@dataclass(frozen=True)
class DiversityLimits:
    """``diversity:`` thresholds (QP044, QP045); each unset one leaves its check off."""

    max_duplicate_rate: float | None = None
    max_source_gini: float | None = None
    max_answers_at_start: float | None = None
    min_questions: int = 20  # fewer questions say nothing about a file's diversity

    @property
    def enabled(self) -> bool:
        return any(v is not None for v in (self.max_duplicate_rate, self.max_source_gini,
                                            self.max_answers_at_start))

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> DiversityLimits:
        return cls().replaced(raw)

    def replaced(self, raw: Mapping[str, Any]) -> DiversityLimits:
        """These limits with the settings ``raw`` gives (an override's) put in their place."""
        import dataclasses

        names = {"max-duplicate-rate": "max_duplicate_rate", "max-source-gini": "max_source_gini",
                 "max-answers-at-start": "max_answers_at_start", "min-questions": "min_questions"}
        return dataclasses.replace(self, **{names[k]: v for k, v in raw.items() if k in names})


@dataclass(frozen=True)
class RecordMapping:
    """How to read the records of files matching ``files``: a profile name or field paths."""

    files: GlobSet
    settings: Mapping[str, Any]


@dataclass
class Config:
    root: Path
    source: str | None = None
    include: GlobSet = field(default_factory=lambda: GlobSet(DEFAULT_INCLUDE))
    exclude: GlobSet = field(default_factory=lambda: GlobSet(()))
    rules: Mapping[str, Severity] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    independence: str = "lineage"
    max_generator_share: float | None = None
    record_keys: tuple[str, ...] = ()
    record_mappings: tuple[RecordMapping, ...] = ()
    models: tuple[Mapping[str, Any], ...] = ()
    verifier: Mapping[str, Any] = field(default_factory=dict)
    digest_cache: bool | str = True
    sampling: Mapping[str, Any] = field(default_factory=dict)
    require_verification: GlobSet = field(default_factory=lambda: GlobSet(()))
    verification_max_age_days: float | None = None
    verification_kinds: tuple[str, ...] | None = None  # verifier kinds QP030 accepts (None: any)
    verification_seeds: tuple[str, ...] = ("keyed",)  # seed kinds QP030 accepts
    trust: tuple[TrustMinimum, ...] = ()
    attestations: Mapping[str, Any] = field(default_factory=dict)
    contamination: Mapping[str, Any] = field(default_factory=dict)
    evaluations: Mapping[str, Any] = field(default_factory=dict)  # provenance.evaluation.settings
    diversity: DiversityLimits = field(default_factory=DiversityLimits)
    limits: Limits = field(default_factory=Limits)

    @property
    def diversity_enabled(self) -> bool:
        """Whether ``check`` gathers source diversity (a threshold is set, here or for a glob)."""
        return self.diversity.enabled or any(
            DiversityLimits.from_raw(o.diversity).enabled for o in self.overrides if o.diversity)

    def diversity_limits(self, relpath: str) -> DiversityLimits:
        """The ``diversity:`` thresholds for ``relpath``: the global ones, with the settings of
        each matching override (later ones win) put in their place."""
        limits = self.diversity
        for override in self.overrides:
            if override.diversity and override.files.matches(relpath):
                limits = limits.replaced(override.diversity)
        return limits

    def is_dataset(self, relpath: str) -> bool:
        """Whether the configuration calls ``relpath`` a QA dataset. Case does not hide a file:
        ``Data/X.JSONL`` is matched as ``data/x.jsonl`` would be (and excluded the same way)."""
        if relpath.endswith(_AUXILIARY_SUFFIXES) or is_metadata(relpath):
            return False  # attestations, drafts and dataset metadata sit beside data
        folded = relpath.lower()
        included = self.include.matches(relpath) or self.include.matches(folded)
        return included and not (self.exclude.matches(relpath) or self.exclude.matches(folded))

    def trust_minimum(self, relpath: str) -> TrustMinimum | None:
        """The last ``trust:`` entry whose globs match, if any."""
        chosen = None
        for entry in self.trust:
            if entry.files.matches(relpath):
                chosen = entry
        return chosen

    def generator_share(self, relpath: str) -> float | None:
        share = self.max_generator_share
        for override in self.overrides:
            if override.max_generator_share is not None and override.files.matches(relpath):
                share = override.max_generator_share
        return share

    def policy(self, relpath: str) -> str:
        policy = self.independence
        for override in self.overrides:
            if override.independence is not None and override.files.matches(relpath):
                policy = override.independence
        return policy

    def record_mapping(self, relpath: str) -> Mapping[str, Any] | None:
        """The last configured record mapping whose globs match, if any."""
        chosen = None
        for mapping in self.record_mappings:
            if mapping.files.matches(relpath):
                chosen = mapping.settings
        return chosen

    def severity(self, rule: Rule, relpath: str) -> Severity:
        level = self.rules.get(rule.code, rule.default)
        for override in self.overrides:
            if rule.code in override.rules and override.files.matches(relpath):
                level = override.rules[rule.code]
        return level


def find_root(start: Path) -> Path:
    """The nearest directory holding a config file or ``.git``, else ``start`` itself."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file() or (folder / ".git").exists():
            return folder
    return start


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """The configuration; its ``limits`` become the readers' for the rest of the run."""
    from provenance.reading import limits

    try:
        config = _load(root, explicit, remembered=True)
    except ConfigError:  # said again from the YAML itself, with its line numbers
        config = _load(root, explicit, remembered=False)
    limits.use(config.limits)
    return config


def _load(root: Path, explicit: Path | None, *, remembered: bool) -> Config:
    path, raw, lines = _read(root, explicit, remembered=remembered)
    if raw is None:
        return Config(root=root)
    from provenance.reading import schema

    def where(at: tuple[str | int, ...]) -> str:
        line = lines.line_of(at) if lines is not None else None
        return f"{path}:{line}" if line else str(path)

    known = _known_valid(root, raw)
    problems = [] if known else schema.validate("config", raw)
    if problems:
        first = problems[0]
        from provenance.reading.documents import format_path

        raise ConfigError(f"{where(first.path)}: {format_path(first.path)}: {first.message}")
    if not known:
        _remember_valid(root, raw)
    include = _globs(raw.get("include")) or DEFAULT_INCLUDE
    include = (*include, *_globs(raw.get("extend-include")))
    try:
        overrides = tuple(
            Override(GlobSet(_globs(item["files"])),
                     _rule_levels(item.get("rules") or {}, where, ("overrides", index, "rules")),
                     item.get("max-generator-share"), item.get("independence"),
                     item.get("diversity"))
            for index, item in enumerate(raw.get("overrides") or ())
        )
        mappings = tuple(
            RecordMapping(GlobSet(_globs(item["files"])), item)
            for item in raw.get("records") or ()
        )
        _check_profiles(mappings, where)
        _check_caches(root, raw, where)
        _check_plan(raw.get("sampling") or {}, where)
        trust = tuple(
            TrustMinimum(GlobSet(_globs(item["files"])), item["minimum"],
                         ", ".join(_globs(item["files"])))
            for item in raw.get("trust") or ()
        )
        attestations = raw.get("attestations") or {}
        if any(t.minimum == "attested" for t in trust) and not (
                attestations.get("allow") or attestations.get("keys")):
            index = next(i for i, t in enumerate(trust) if t.minimum == "attested")
            raise ConfigError(f"{where(('trust', index, 'minimum'))}: minimum 'attested' needs "
                              "the identities allowed to attest (attestations: {allow: [...]} or "
                              "{keys: [...]})")
        return Config(
            root=root,
            source=path,
            include=GlobSet(include),
            exclude=GlobSet(_globs(raw.get("exclude"))),
            rules=_rule_levels(raw.get("rules") or {}, where, ("rules",)),
            overrides=overrides,
            independence=raw.get("independence", "lineage"),
            max_generator_share=raw.get("max-generator-share"),
            record_keys=tuple(raw.get("record-keys") or ()),
            record_mappings=mappings,
            models=tuple(raw.get("models") or ()),
            verifier=raw.get("verifier") or {},
            digest_cache=raw.get("digest-cache", True),
            sampling=raw.get("sampling") or {},
            require_verification=GlobSet(_globs((raw.get("require-verification") or {})
                                                .get("files"))),
            verification_max_age_days=(raw.get("require-verification") or {}).get(
                "max-age-days"),
            verification_kinds=_kinds((raw.get("require-verification") or {}).get("kind")),
            verification_seeds=tuple((raw.get("require-verification") or {}).get(
                "seed") or ("keyed",)),
            trust=trust,
            attestations=attestations,
            contamination=raw.get("contamination") or {},
            evaluations=raw.get("evaluations") or {},
            diversity=DiversityLimits.from_raw(raw.get("diversity") or {}),
            limits=Limits.from_settings(raw.get("limits")),
        )
    except GlobError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _kinds(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


def _check_caches(root: Path, raw: Mapping[str, Any],
                  where: Callable[[tuple[str | int, ...]], str]) -> None:
    """A configured cache path must lie in the git directory: one in the work tree could be
    committed (and a planted cache is trusted), one outside the repository writes elsewhere."""
    from provenance.fs.cache_dir import CachePathError, configured_path

    verifier = raw.get("verifier") or {}
    for at, value in ((("digest-cache",), raw.get("digest-cache")),
                      (("verifier", "cache"), verifier.get("cache"))):
        if isinstance(value, str):
            try:
                configured_path(root, value)
            except CachePathError as exc:
                raise ConfigError(f"{where(at)}: {'.'.join(map(str, at))}: {exc}") from None


MAX_PLAN_N = 10_000


def _check_plan(sampling: Mapping[str, Any],
                where: Callable[[tuple[str | int, ...]], str]) -> None:
    """A plan must be able to fail and be carried out: an acceptance number so large that its
    sample is out of reach would leave every file to a census or to INCONCLUSIVE."""
    if "acceptance" not in sampling:
        return
    from provenance.spot.sampling import sample_size

    rate = float(sampling.get("max_flag_rate", 0.05))
    confidence = float(sampling.get("confidence", 0.95))
    acceptance = int(sampling["acceptance"])
    n = sample_size(rate, confidence, acceptance)
    if acceptance >= n or n > MAX_PLAN_N:
        raise ConfigError(
            f"{where(('sampling', 'acceptance'))}: sampling.acceptance {acceptance}: the plan "
            f"would need {n} verdicts per file (at most {MAX_PLAN_N}); lower the acceptance "
            "number")


def _check_profiles(mappings: tuple[RecordMapping, ...],
                    where: Callable[[tuple[str | int, ...]], str]) -> None:
    """A profile name that does not exist is a configuration error, found before any file is
    read (and even when no file matches its globs)."""
    named = [(i, m.settings["profile"]) for i, m in enumerate(mappings) if "profile" in m.settings]
    if not named:
        return
    from provenance.reading.profiles import builtin_profiles, by_name

    for index, name in named:
        if by_name(name) is None:
            known = ", ".join(p.name for p in builtin_profiles())
            raise ConfigError(f"{where(('records', index, 'profile'))}: unknown record profile "
                              f"'{name}' (known: {known})")


def _read(
    root: Path, explicit: Path | None, *, remembered: bool = False
) -> tuple[str | None, Mapping[str, Any] | None, Document | None]:
    """The configuration's path, its settings, and (for YAML) the document for line numbers;
    ``remembered``: settings parsed by an earlier run from the same bytes, without the document
    (which saves importing PyYAML on every commit)."""
    candidates = [explicit] if explicit is not None else [root / CONFIG_FILE, root / PYPROJECT]
    for candidate in candidates:
        if candidate is None or not candidate.is_file():
            if explicit is not None:
                raise ConfigError(f"{explicit}: configuration file not found")
            continue
        if candidate.name == PYPROJECT or candidate.suffix == ".toml":
            section = _pyproject_section(candidate)
            if section is None and explicit is None:
                continue
            return str(candidate), section or {}, None
        parsed = _parsed_cache(root, candidate)
        if remembered and parsed is not None and parsed[1] is not None:
            return str(candidate), parsed[1], None
        from provenance.reading.documents import LoadError, load_file

        try:
            document = load_file(candidate)
            data = document.data
            if parsed is not None and isinstance(data, Mapping):
                _remember_parsed(root, parsed[0], data)
        except LoadError as exc:
            where = f"{candidate}:{exc.line}" if exc.line else str(candidate)
            raise ConfigError(f"{where}: {exc.message}") from None
        if data is None:
            return str(candidate), {}, None
        if not isinstance(data, Mapping):
            raise ConfigError(f"{candidate}: configuration must be a mapping")
        return str(candidate), data, document
    return None, None, None


def _pyproject_section(path: Path) -> Mapping[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on older Pythons only
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    section = data.get("tool", {}).get("qa-provenance")
    if section is not None and not isinstance(section, Mapping):
        raise ConfigError(f"{path}: [tool.qa-provenance] must be a table")
    return section


def _globs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _rule_levels(raw: Mapping[str, str], where: Callable[[tuple[str | int, ...]], str],
                 at: tuple[str | int, ...]) -> dict[str, Severity]:
    levels: dict[str, Severity] = {}
    if "all" in raw:
        levels.update({rule.code: Severity(raw["all"]) for rule in ALL_RULES})
    for key, value in raw.items():
        if key == "all":
            continue
        rule = lookup(key)
        if rule is None:
            import difflib

            names = [r.name for r in ALL_RULES]
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ConfigError(
                f"{where((*at, key))}: unknown rule '{key}' ({hint}see 'qa-provenance rules')"
            )
        levels[rule.code] = Severity(value)
    return levels


def _validity_key(raw: Mapping[str, Any]) -> str:
    """Content address of a configuration and the schema that judged it."""
    import hashlib
    import json

    from provenance.reading.schema import schema_dir

    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode("utf-8"))
    digest.update((schema_dir() / "config.schema.json").read_bytes())
    return digest.hexdigest()


def _marker(root: Path) -> Path:
    """Where the parsed and validated configuration is remembered: never the work tree."""
    from provenance.fs.cache_dir import cache_dir

    return cache_dir(root) / "config-valid"


def _parsed_cache(root: Path, candidate: Path) -> tuple[str, Any] | None:
    """(content address of the YAML bytes, the settings an earlier run parsed from them or
    None); None when the file cannot be read."""
    import hashlib
    import json

    from provenance import __version__

    try:
        key = hashlib.sha256(__version__.encode() + b"\0" + candidate.read_bytes()).hexdigest()
    except OSError:
        return None
    try:
        stored = json.loads(_marker(root).with_name("config-parsed.json").read_text("utf-8"))
    except (OSError, ValueError):
        return key, None
    if isinstance(stored, dict) and stored.get("key") == key \
            and isinstance(stored.get("settings"), dict):
        return key, stored["settings"]
    return key, None


def _remember_parsed(root: Path, key: str, data: Mapping[str, Any]) -> None:
    import contextlib
    import json

    with contextlib.suppress(OSError, ValueError, TypeError):
        text = json.dumps({"key": key, "settings": data}, allow_nan=False)
        if json.loads(text)["settings"] != data:
            return  # not plain JSON data (a date, a non-string key): parse the YAML each time
        target = _marker(root).with_name("config-parsed.json")
        from provenance.speed.digest_cache import write_cache

        write_cache(target, text)


def _known_valid(root: Path, raw: Mapping[str, Any]) -> bool:
    """A configuration already validated, byte for byte, against this schema: validating again
    would only cost the start-up time of jsonschema (about 100 ms) on every commit."""
    try:
        return _marker(root).read_text("ascii").strip() == _validity_key(raw)
    except (OSError, ValueError, TypeError):
        return False


def _remember_valid(root: Path, raw: Mapping[str, Any]) -> None:
    import contextlib

    with contextlib.suppress(OSError, ValueError, TypeError):
        marker = _marker(root)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(_validity_key(raw) + "\n", "ascii")
