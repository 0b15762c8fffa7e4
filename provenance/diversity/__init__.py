"""Source diversity: how varied a QA file's questions are and how widely they cover their sources.

The paper's remedy "diversity of sources over volume" made measurable: duplicate and near-duplicate
questions, distinct-2, the question-type mix, and how questions spread over their contexts and where
in a context their answers sit. Everything is gathered in bounded memory during the record pass
(``accumulator``), merged exactly across parallel parts and across the files of a folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.config import Config
    from provenance.diversity.checking import DiversityChecks


def diversity_checks(config: Config) -> DiversityChecks | None:
    """The checks QP044/QP045 need, or None while no threshold is set (they are off by default,
    and their record pass is not paid for)."""
    if not config.diversity_enabled:
        return None
    from provenance.diversity.checking import DiversityChecks

    return DiversityChecks(config)
