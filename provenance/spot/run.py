"""Spot checks: sample records reproducibly, have an independent verifier judge them, decide.

The pipeline per file: read the records (streaming) into a bottom-k sample, refuse a verifier that
is the same source as a generator, serve cached verdicts, send the rest with bounded concurrency,
stop sending once the flags exceed what the plan allows, then state the outcome honestly.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from provenance.config import Config
from provenance.reading import compressed, datafile, readers
from provenance.reading.embedded import canonical_bytes
from provenance.record import Agent
from provenance.spot import scan
from provenance.spot.http_client import HttpError, HttpSettings, Session, Timeouts
from provenance.spot.sampling import Plan, file_key, sample_size
from provenance.spot.verdict_cache import VerdictCache
from provenance.spot.verifiers import Item, Outcome, Verifier

DEFAULT_SEED = "qa-provenance"
KEY_ENV = "QA_PROVENANCE_SAMPLE_KEY"  # the sample key: a CI secret the data's author does not hold
MAX_FIELD_CHARS = 4000
MAX_ERRORS_SHOWN = 3


class SpotCheckError(Exception):
    """Stops the run before any verdict counts: exit code 2 (configuration, independence)."""


@dataclass
class SpotSettings:
    kind: str = "local"
    url: str | None = None
    model: str | None = None
    token_env: str | None = None
    allow_remote: bool = False
    concurrency: int = 8
    batch_size: int = 8
    max_requests: int | None = None
    max_attempts: int = 4
    timeouts: Timeouts = field(default_factory=Timeouts)
    max_field_chars: int = MAX_FIELD_CHARS
    cache: Path | None = None
    digests: Path | None = None  # the digest cache (``digest-cache``), None when off
    enabled: bool = True
    require: bool = False
    on_inconclusive: str = "fail"
    max_flag_rate: float = 0.05
    confidence: float = 0.95
    acceptance: int = 1
    seed: str = DEFAULT_SEED
    seed_chosen_by: str = "default"  # who chose a public seed: default, configuration, command line
    key: bytes | None = field(default=None, repr=False)  # never printed, never recorded
    sample: int | None = None

    @property
    def seed_kind(self) -> str:
        """``keyed`` when the sample key (a secret) drew the sample, else ``public``."""
        return "keyed" if self.key is not None else "public"

    def sample_secret(self) -> bytes:
        return self.key if self.key is not None else self.seed.encode("utf-8")

    def sample_k(self) -> int:
        """How many rows each file's bottom-k keeps: the override, else the binomial plan's n
        (the exact plan for any population needs at most that many)."""
        return self.sample or sample_size(self.max_flag_rate, self.confidence, self.acceptance)

    def file_key(self, digest: str) -> bytes:
        """The key that ranks this file's rows: its digest under the secret (or public seed)."""
        return file_key(self.sample_secret(), digest)

    def seed_record(self) -> dict[str, str]:
        """What a verification records about its sample: the seed's kind, never the key."""
        if self.key is not None:
            return {"seed": "keyed"}
        return {"seed": "public", "seed_chosen_by": self.seed_chosen_by,
                "public_seed": self.seed}

    @classmethod
    def from_config(cls, config: Config) -> SpotSettings:
        import os

        from provenance.speed.digest_cache import location as digest_location
        from provenance.spot.verdict_cache import location

        verifier = dict(config.verifier)
        sampling = dict(config.sampling)
        key = os.environ.get(KEY_ENV, "")
        return cls(
            kind=verifier.get("kind", "local"),
            url=verifier.get("url"),
            model=verifier.get("model"),
            token_env=verifier.get("token_env"),
            allow_remote=bool(verifier.get("allow_remote", False)),
            concurrency=int(verifier.get("concurrency", 8)),
            batch_size=int(verifier.get("batch_size", 8)),
            max_requests=verifier.get("max_requests"),
            max_attempts=int(verifier.get("max_attempts", 4)),
            timeouts=Timeouts(**verifier.get("timeout", {})),
            max_field_chars=int(verifier.get("max_field_chars", MAX_FIELD_CHARS)),
            cache=location(config.root, verifier.get("cache", True)),
            digests=digest_location(config.root, config.digest_cache),
            enabled=bool(verifier.get("enabled", True)),
            require=bool(verifier.get("require", False)),
            on_inconclusive=verifier.get("on_inconclusive", "fail"),
            max_flag_rate=float(sampling.get("max_flag_rate", 0.05)),
            confidence=float(sampling.get("confidence", 0.95)),
            acceptance=int(sampling.get("acceptance", 1)),
            seed=str(sampling.get("seed", DEFAULT_SEED)),
            seed_chosen_by="configuration" if "seed" in sampling else "default",
            key=key.encode("utf-8") if key else None,
        )


@dataclass
class Sampled:
    """One sampled record, ready to send."""

    item: Item
    location: str
    line: int | None
    generators: tuple[Agent, ...]
    truncated: bool


@dataclass
class Prepared:
    """A file ready to verify: its sample, plan and the generators to be independent of."""

    relpath: str
    provenance_path: str | None
    digest: str
    population: int
    plan: Plan
    sampled: list[Sampled]
    generators: list[Agent]


@dataclass
class Flag:
    location: str
    line: int | None
    outcome: Outcome


@dataclass
class FileReport:
    path: str
    provenance_path: str | None
    digest: str
    population: int
    plan: Plan
    result: str = "INCONCLUSIVE"
    verdicts: int = 0
    flags: list[Flag] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    missing: int = 0
    truncated: int = 0
    cache_hits: int = 0
    claim: str = ""
    upper_bound: float = 1.0


@dataclass
class SpotReport:
    kind: str
    verifier_id: str = ""
    files: list[FileReport] = field(default_factory=list)
    skipped: str | None = None  # why the whole run was skipped
    notices: list[str] = field(default_factory=list)
    requests: int = 0
    retries: int = 0

    @property
    def outcome(self) -> str:
        if self.skipped is not None:
            return "SKIPPED"
        results = {f.result for f in self.files}
        for result in ("FAIL", "INCONCLUSIVE", "PASS"):
            if result in results:
                return result
        return "SKIPPED"


# ------------------------------------------------------------------------------------------
# sampling

def sample_file(config: Config, relpath: str, settings: SpotSettings, k: int,
                facts: datafile.DataFacts, progress: scan.Progress | None = None
                ) -> tuple[list[Sampled], int, str | None]:
    """The bottom-k sample of a file's rows (the k lowest keyed ranks, duplicates included, in
    rank order), its population (every row), and why it cannot be sampled."""
    part = read_sample(config, relpath, settings.file_key(facts.content_sha256), k, facts,
                       progress)
    if isinstance(part, str):
        return [], 0, part
    return finish_sample(config, relpath, settings, part)


def read_sample(config: Config, relpath: str, key: bytes, k: int, facts: datafile.DataFacts,
                progress: scan.Progress | None = None,
                byte_range: tuple[int, int] | None = None) -> scan.PartSample | str:
    """A file's bottom-k rows (of ``byte_range`` only, for a JSONL file cut between shards),
    read in parts on all cores when it is large; or why it has no reader. ``ReadError`` when
    a record cannot be read."""
    fmt = datafile.format_of(relpath)
    if fmt is None:
        return "no record reader for this format"
    path = config.root / relpath
    if fmt != "jsonl":
        keys = config.record_keys or readers.DEFAULT_RECORD_KEYS
        part = scan.sample_items(
            readers.read_records(path, fmt, document=facts.document, record_keys=keys), key, k)
        if progress is not None:
            progress(facts.size)
        return part
    if compressed.kind_of(relpath) is not None:  # cannot be cut: one pass from its start
        part = scan.sample_jsonl(path, key, k)
        if progress is not None:
            progress(facts.size)
        return part
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise readers.ReadError(f"cannot read data file: {exc.strerror or exc}") from None
    start, end = byte_range if byte_range is not None else (0, size)
    ranges = scan.cut(path, start, end, scan.parts_for(end - start))
    if len(ranges) > 1:
        merged = scan.sample_parts(path, ranges, key, k, progress)
        if merged is not None:
            return merged
        # A worker could not start or failed: read in one pass (progress starts over).
    try:
        return scan.sample_jsonl(path, key, k, start, end, progress)
    except readers.ReadError as exc:
        if start == 0 or exc.line is None:
            raise
        from provenance.speed.parallel_scan import _line_at

        raise readers.ReadError(exc.message, _line_at(path, start) + exc.line - 1) from None


def finish_sample(config: Config, relpath: str, settings: SpotSettings, part: scan.PartSample
                  ) -> tuple[list[Sampled], int, str | None]:
    """The rows of a (merged) sample as items to send, with the file's population."""
    from provenance.reading import profiles

    if not part.has_first:
        return [], 0, "no records"
    profile = profiles.choose(config.record_mapping(relpath), part.first)
    if profile is None or profile.question is None or profile.answer is None:
        return [], 0, "no question/answer fields found (map them under `records:`)"
    sampled = [_to_item(_record_hash(row.data), readers.Item(row.location, row.data, row.line),
                        profile, relpath, settings.max_field_chars) for row in part.rows]
    # Every row counts, identical ones included: the file is N rows, and a bad record copied
    # 800 times is 800 bad rows.
    return sampled, part.count, None


def _record_hash(data: Any) -> str:
    try:
        raw = canonical_bytes(data)
    except (TypeError, ValueError):
        raw = json.dumps(data, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def _to_item(record_id: str, record: readers.Item, profile: Any, relpath: str,
             limit: int) -> Sampled:
    from provenance.reading.profiles import extract
    from provenance.spot.local_verifier import context_passages

    question = readers.text_of(extract(record.data, profile.question))
    answer = readers.text_of(extract(record.data, profile.answer))
    context = context_passages(extract(record.data, profile.context)) if profile.context else []
    fields = [question, answer, *context]
    truncated = any(len(text) > limit for text in fields)
    item = Item(
        id=record_id,
        question=question[:limit],
        answer=answer[:limit],
        context=tuple(text[:limit] for text in context),
        source=f"{relpath}:{record.location}",
        unanswerable=bool(profile.unanswerable)
        and extract(record.data, profile.unanswerable) is True,
    )
    generators, _ = profile.agents(record.data)
    return Sampled(item, record.location, record.line, generators, truncated)


# ------------------------------------------------------------------------------------------
# running

def build_verifier(settings: SpotSettings, session: Session | None) -> Verifier:
    from provenance.spot.verifiers import HttpVerifier, LocalVerifier, OpenAIVerifier

    if settings.kind == "local":
        return LocalVerifier()
    assert session is not None
    if settings.kind == "http":
        return HttpVerifier(session, settings.batch_size, settings.model)
    if not settings.model:
        raise SpotCheckError("the openai verifier needs a model: --verifier-model or "
                             "verifier.model")
    return OpenAIVerifier(session, settings.model)


def skip_reason(settings: SpotSettings) -> str | None:
    """Why the run cannot reach its verifier, if it cannot (skipped unless `require`)."""
    import os

    if not settings.enabled:
        return "spot checks are disabled (verifier.enabled: false)"
    if settings.kind == "local":
        return None
    if not settings.url:
        return f"no URL for the {settings.kind} verifier (--verifier-url or verifier.url)"
    from provenance.spot.http_client import is_loopback

    if settings.token_env and not os.environ.get(settings.token_env) \
            and not is_loopback(settings.url):
        return f"no credentials: ${settings.token_env} is not set"
    return None


async def run(config: Config, settings: SpotSettings, relpaths: Sequence[str],
              independence: Callable[[list[str], Sequence[Agent], str], str | None],
              progress: Any = None) -> SpotReport:
    """Sample every file, check independence for all of them, then verify file by file."""
    report, prepared = prepare(config, settings, relpaths)
    return await verify(settings, report, prepared, independence, progress)


def prepare(config: Config, settings: SpotSettings, relpaths: Sequence[str],
            bar: Any = None) -> tuple[SpotReport, list[Prepared]]:
    """Every file's sample, plan and generators: synchronous, before any event loop runs, so
    Ctrl-C stops it at once; ``bar`` (a byte progress bar) is told the bytes sampled."""
    report = start_report(config, settings)
    if report.skipped is not None:
        return report, []
    k = settings.sample_k()
    from provenance.reading.locate import Locator

    locator = Locator(config.root)
    prepared: list[Prepared] = []
    progress = None if bar is None else bar.update
    digests = digest_cache(settings)
    for relpath in relpaths:
        if bar is not None:
            bar.set_description_str(f"digest {relpath}")
        facts = inspect(config, digests, relpath)
        digests.save()  # at once: an interrupted run keeps the digests it computed
        if bar is not None:
            bar.set_description_str(f"sampling {relpath}")
        provenance_path, declared = _declared(locator, relpath, facts)
        digest = facts.content_sha256
        if facts.problem is not None or facts.lfs_oid is not None:
            reason = facts.problem or "a Git LFS pointer (content not fetched)"
            report.notices.append(f"{relpath}: not sampled: {reason}")
            continue
        try:
            sampled, population, why = sample_file(config, relpath, settings, k, facts, progress)
        except readers.ReadError as exc:
            report.notices.append(f"{relpath}: not sampled: {exc.message}")
            continue
        entry = make_prepared(settings, relpath, provenance_path, digest, declared, sampled,
                              population, why, report)
        if entry is not None:
            prepared.append(entry)
    public_seed_notice(settings, report, prepared)
    return report, prepared


def start_report(config: Config, settings: SpotSettings) -> SpotReport:
    """An empty report with the run's notices; skipped when the verifier cannot be reached
    (``SpotCheckError`` when it must be)."""
    from provenance.fs.cache_dir import worktree_cache_note

    report = SpotReport(settings.kind)
    note = worktree_cache_note(config.root)
    if note:
        report.notices.append(note)
    reason = skip_reason(settings)
    if reason is not None:
        if settings.require:
            raise SpotCheckError(f"{reason} (verifier.require is true)")
        report.skipped = reason
    return report


def inspect(config: Config, digests: Any, relpath: str) -> datafile.DataFacts:
    """The file's facts (its digest above all), from the digest cache (``digest_cache``) when
    the file is provably unchanged: a second run over a large file does not read it twice."""
    facts: datafile.DataFacts = digests.inspect(
        relpath, config.root / relpath, lambda path: datafile.inspect(path, config.root))
    return facts


def digest_cache(settings: SpotSettings) -> Any:
    """The digest cache of this run (a no-op when ``digest-cache`` or ``--no-cache`` is off);
    ``save()`` it when done."""
    from provenance.speed.digest_cache import DigestCache

    return DigestCache(settings.digests)


def make_prepared(settings: SpotSettings, relpath: str, provenance_path: str | None,
                  digest: str, declared: list[Agent], sampled: list[Sampled], population: int,
                  why: str | None, report: SpotReport) -> Prepared | None:
    """A sampled file ready to verify, or None (and a notice) when it cannot be checked."""
    if why is None and settings.kind == "local" and not any(s.item.context for s in sampled):
        why = ("its records carry no context, and the local verifier checks answers against "
               "their context (use an http or openai verifier)")
    if why is not None:
        report.notices.append(f"{relpath}: not sampled: {why}")
        return None
    plan = Plan.for_population(population, settings.max_flag_rate, settings.confidence,
                               settings.acceptance, override_n=settings.sample)
    if plan.n > len(sampled):  # never for the derived plan (its n is at most the binomial k)
        plan = Plan(plan.max_flag_rate, plan.confidence, plan.acceptance, len(sampled),
                    population)
    sampled = sampled[:plan.n]  # the bottom-n of the ranks: the exact plan's sample
    generators = [*declared, *(g for s in sampled for g in s.generators)]
    return Prepared(relpath, provenance_path, digest, population, plan, sampled, generators)


def public_seed_notice(settings: SpotSettings, report: SpotReport,
                       prepared: list[Prepared]) -> None:
    if settings.key is None and prepared:
        report.notices.append(
            f"the sample is drawn with the public seed '{settings.seed}' (chosen by: "
            f"{settings.seed_chosen_by}), which anyone can compute; set {KEY_ENV} (a CI "
            "secret) for a sample the data's author cannot predict")


async def verify(settings: SpotSettings, report: SpotReport, prepared: list[Prepared],
                 independence: Callable[[list[str], Sequence[Agent], str], str | None],
                 progress: Any = None) -> SpotReport:
    """Check independence for every file, then verify file by file (asynchronous)."""
    if report.skipped is not None:
        return report
    cache = TolerantCache(VerdictCache(settings.cache), report.notices)
    session = None
    if settings.kind != "local":
        assert settings.url is not None
        try:
            session = Session(HttpSettings(
                settings.url, settings.token_env, settings.allow_remote, settings.concurrency,
                settings.max_requests, settings.max_attempts, settings.timeouts))
        except HttpError as exc:  # a URL that is not allowed or not HTTP: configuration
            raise SpotCheckError(str(exc)) from None
    try:
        if session is not None:
            await session.__aenter__()
        verifier = build_verifier(settings, session)
        try:
            identities = await verifier.identify()
        except HttpError as exc:
            # Unreachable is not a verdict: every file is INCONCLUSIVE, never a pass.
            report.verifier_id = verifier.verifier_id
            for entry in prepared:
                report.files.append(_unreached(entry, f"cannot reach the verifier: {exc}"))
            return report
        report.verifier_id = verifier.verifier_id
        for entry in prepared:
            problem = independence(identities, entry.generators, entry.relpath)
            if problem:
                raise SpotCheckError(problem)
        if progress is not None:
            progress.total = sum(len(entry.sampled) for entry in prepared)
        cleared: set[str] = set()

        def refusal() -> str | None:
            """Whether a model a reply says it ran is the same source as a generator.

            Checked on every reply before its verdicts count or are cached: a verdict from the
            generator's own model must not pass this run, nor a later one through the cache.
            """
            for served in sorted(set(getattr(verifier, "served_models", ())) - cleared):
                for other in prepared:
                    problem = independence([served], other.generators, other.relpath)
                    if problem:
                        return f"{problem} (the model the server says it ran)"
                cleared.add(served)
            return None

        for entry in prepared:
            file_report = FileReport(entry.relpath, entry.provenance_path, entry.digest,
                                     entry.population, entry.plan)
            await _verify_file(verifier, cache, entry.sampled, file_report, settings, progress,
                               refusal)
            report.files.append(file_report)
    finally:
        if session is not None:
            report.requests, report.retries = session.requests_sent, session.retries
            await session.__aexit__(None, None, None)
    return report


class TolerantCache:
    """The verdict cache, whose failures are notes: a cache that cannot be read (a folder in
    its place, no permission) or written (a read-only checkout, a full disk) leaves the run
    going without it, said once."""

    def __init__(self, cache: VerdictCache, notices: list[str]) -> None:
        self.cache = cache
        self._notices = notices
        self._broken = False

    def get(self, verifier_id: str, item_id: str) -> Outcome | None:
        if self._broken:
            return None
        try:
            return self.cache.get(verifier_id, item_id)
        except (OSError, UnicodeError) as exc:
            self._fail("read", exc)
            return None

    def put(self, verifier_id: str, outcome: Outcome) -> None:
        if self._broken:
            return
        try:
            self.cache.put(verifier_id, outcome)
        except OSError as exc:
            self._fail("written", exc)

    def _fail(self, how: str, exc: Exception) -> None:
        self._broken = True
        where = self.cache.path if self.cache.path is not None else "the verdict cache"
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        self._notices.append(f"{where}: verdict cache could not be {how} ({reason}): "
                             "this run goes on without it")


async def _verify_file(verifier: Verifier, cache: TolerantCache, sampled: list[Sampled],
                       report: FileReport, settings: SpotSettings, progress: Any,
                       refusal: Callable[[], str | None] = lambda: None) -> None:
    plan = report.plan
    report.truncated = sum(1 for s in sampled if s.truncated)
    # Identical rows are judged once and counted as often as they were drawn.
    by_id: dict[str, list[Sampled]] = {}
    for s in sampled:
        by_id.setdefault(s.item.id, []).append(s)
    pending: list[Sampled] = []
    cache_id = _cache_identity(verifier)
    for rows in by_id.values():
        cached = cache.get(cache_id, _cache_key(rows[0]))
        if cached is None:
            pending.append(rows[0])
            continue
        for entry in rows:
            report.cache_hits += 1
            _count(report, entry, cached)
            if progress is not None:
                progress.update(1)
    stop = asyncio.Event()
    if plan.stop_early(len(report.flags)):
        stop.set()
    limit = asyncio.Semaphore(settings.concurrency if verifier.kind != "local" else 1)

    async def send(batch: list[Sampled]) -> None:
        try:
            outcomes = await verifier.verify([s.item for s in batch])
        except HttpError as exc:  # a budget spent, or an error before any reply
            outcomes = [Outcome(s.item.id, error=str(exc)) for s in batch]
        finally:
            limit.release()
        problem = refusal()
        if problem is not None:  # nothing from a non-independent model counts or is cached
            refused.append(problem)
            stop.set()
            return
        for outcome in outcomes:
            rows = by_id.pop(outcome.id, None)  # one outcome per record: a repeat is ignored
            if not rows:
                continue
            if outcome.error is None:
                cache.put(cache_id, replace(outcome, id=_cache_key(rows[0])))
            for entry in rows:
                _count(report, entry, outcome)
                if progress is not None:
                    progress.update(1)
        if plan.stop_early(len(report.flags)):
            stop.set()

    refused: list[str] = []
    tasks = []
    size = max(1, verifier.max_batch)
    for start in range(0, len(pending), size):
        await limit.acquire()
        if stop.is_set():
            limit.release()
            break
        tasks.append(asyncio.create_task(send(pending[start:start + size])))
    await asyncio.gather(*tasks)
    if refused:
        raise SpotCheckError(refused[0])
    report.missing = plan.n - report.verdicts
    report.result = plan.verdict(len(report.flags), report.verdicts)
    report.claim = plan.claim(len(report.flags), report.verdicts)
    report.upper_bound = plan.upper_bound(len(report.flags), report.verdicts)


def _cache_identity(verifier: Verifier) -> str:
    """The verifier id and whatever else decides its verdicts: for a judge, its prompt version."""
    if verifier.kind == "openai":
        from provenance.spot.verifiers import JUDGE_PROMPT_VERSION

        return f"{verifier.verifier_id} ({JUDGE_PROMPT_VERSION})"
    return verifier.verifier_id


def _cache_key(entry: Sampled) -> str:
    """A hash of exactly what the verifier judges. The record's own hash is not enough: a profile
    that maps other fields, marks the question unanswerable, or a field limit that shortens the
    text, sends the same record differently, and a verdict on one says nothing about the other."""
    item = entry.item
    sent = [item.question, item.answer, list(item.context), item.unanswerable]
    return hashlib.sha256(json.dumps(sent, ensure_ascii=False).encode("utf-8")).hexdigest()


def _unreached(entry: Prepared, error: str) -> FileReport:
    file_report = FileReport(entry.relpath, entry.provenance_path, entry.digest,
                             entry.population, entry.plan, errors=[error])
    file_report.missing = entry.plan.n
    file_report.result = entry.plan.verdict(0, 0)
    file_report.claim = entry.plan.claim(0, 0)
    return file_report


def _count(report: FileReport, entry: Sampled, outcome: Outcome) -> None:
    if outcome.error is not None:
        if len(report.errors) < MAX_ERRORS_SHOWN and outcome.error not in report.errors:
            report.errors.append(outcome.error)
        return
    report.verdicts += 1
    if outcome.flagged:
        report.flags.append(Flag(entry.location, entry.line, outcome))


def _declared(locator: Any, relpath: str, facts: datafile.DataFacts
              ) -> tuple[str | None, list[Agent]]:
    """The file's provenance file and its file-level generators."""
    from provenance.record import Record

    claims = locator.claims(relpath, facts.embedded)
    top = max(claims, key=lambda c: c.level) if claims else None
    if top is None or not isinstance(top.record, dict):
        return (top.source if top else None), []
    try:
        return top.source, list(Record.from_mapping(top.record).generators)
    except (KeyError, TypeError, ValueError):
        return top.source, []


def byte_progress(config: Config, relpaths: Sequence[str]) -> Any:
    """A progress bar of the bytes sampled, on stderr when it is a terminal; else None."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    total = 0
    for relpath in relpaths:
        try:
            total += (config.root / relpath).stat().st_size
        except OSError:
            continue
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc="sampling",
                file=sys.stderr, leave=False)


def print_progress_target() -> Any:
    """A progress bar on stderr when it is a terminal; None (quiet) otherwise."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=0, unit="record", desc="spot-check", file=sys.stderr, leave=False)
