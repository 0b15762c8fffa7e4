"""What every command knows about the repository it runs in, built once and shared.

``check``, ``stamp``, ``spot-check``, ``import``, ``export`` and ``graph`` all need the same few
things: the configuration, the repository's file listing, where each file's provenance lives, the
model registry and the independence judge of a path. They get them here rather than from the
checker, so checking stays one job and each service is built at most once per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from provenance.config import Config, ConfigError
from provenance.discovery import Selection, select, walk
from provenance.reading.locate import Locator

if TYPE_CHECKING:
    from provenance.checks.verification import VerificationPolicy
    from provenance.identity.independence import Judge
    from provenance.identity.registry import Registry
    from provenance.trust.levels import TrustContext


class Session:
    def __init__(self, config: Config, *, files: list[str] | None = None) -> None:
        """``files``: the repository's listing, when the caller has already walked it."""
        self.config = config
        self.root = config.root
        self.locator = Locator(config.root)
        self._files = files
        self._registry: Registry | None = None
        self._judges: dict[str, Judge] = {}
        self._trust: TrustContext | None = None
        self._verification: VerificationPolicy | None = None

    def select(self, paths: Iterable[str] | None) -> Selection:
        """The data files (and orphaned sidecars) that ``paths`` stand for; None: all of them."""
        return select(self.config, self.locator, paths)

    def all_files(self) -> list[str]:
        """Every file under the root, walked once per run."""
        if self._files is None:
            self._files = list(walk(self.config.root))
        return self._files

    def registry(self) -> Registry:
        """Built-in models, the configuration's ``models:``, and the repository's model cards."""
        if self._registry is None:
            from provenance.identity.model_cards import load_cards
            from provenance.identity.registry import Registry, entries_from_config

            cards = load_cards(self.config.root,
                               (p for p in self.all_files() if p.endswith("README.md")))
            try:
                configured = entries_from_config(list(self.config.models),
                                                 self.config.source or "configuration")
                # Two entries claiming one alias (two model cards, or a card and the
                # configuration) cannot both be right: a configuration problem, not a crash.
                self._registry = Registry.builtin().extended([*configured, *cards])
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        return self._registry

    def judge_for(self, relpath: str) -> Judge:
        """The independence judge under the policy the configuration sets for ``relpath``."""
        from provenance.identity.independence import Judge, Policy

        policy = self.config.policy(relpath)
        if policy not in self._judges:
            self._judges[policy] = Judge(self.registry(), Policy(policy))
        return self._judges[policy]

    def policy_relation(self, relpath: str, a: str, b: str) -> str | None:
        """Why the policy for ``relpath`` counts models ``a`` and ``b`` as one source (the same
        model, a derivative, under ``family`` the same family), or None."""
        from provenance.record import Agent

        verdict = self.judge_for(relpath).judge(Agent("model", a), Agent("model", b))
        return verdict.why if verdict.loop else None

    def verification_policy(self) -> VerificationPolicy:
        """What a recorded verification must meet to count (QP030 and the `recorded` level)."""
        if self._verification is None:
            from provenance.checks.verification import VerificationPolicy

            self._verification = VerificationPolicy.from_config(self.config)
        return self._verification

    def trust_context(self) -> TrustContext:
        """The attestations the configuration lists and the identities it allows."""
        if self._trust is None:
            from provenance.trust.levels import TrustContext

            self._trust = TrustContext.from_config(self.config.root, self.config.attestations,
                                                   self.all_files)
        return self._trust

    def cache_notes(self) -> list[str]:
        """A cache folder in the work tree is never read; the run says so once."""
        from provenance.fs.cache_dir import worktree_cache_note

        note = worktree_cache_note(self.config.root)
        return [note] if note else []

    @property
    def trust_notices(self) -> list[str]:
        return list(self._trust.notices) if self._trust is not None else []
