"""Gitignore-style globs used by the configuration and by manifests."""

from __future__ import annotations

import pytest

from provenance.fs.globs import GlobError, GlobSet


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.jsonl", "train.jsonl", True),
        ("*.jsonl", "a/b/train.jsonl", True),
        ("*.jsonl", "train.jsonl.provenance.yaml", False),
        ("data/*.json", "data/qa.json", True),
        ("data/*.json", "data/sub/qa.json", False),
        ("data/*.json", "x/data/qa.json", False),
        ("/data/*.json", "data/qa.json", True),
        ("data/**/*.json", "data/qa.json", True),
        ("data/**/*.json", "data/a/b/qa.json", True),
        ("**/data/**/*.json", "x/y/data/qa.json", True),
        ("**/data/**/*.json", "mydata/qa.json", False),
        ("scratch/", "scratch/a/b.jsonl", True),
        ("scratch/", "other/scratch/b.jsonl", True),  # gitignore: a trailing slash does not anchor
        ("legacy/**", "legacy/a.jsonl", True),
        ("train-?.jsonl", "train-1.jsonl", True),
        ("train-?.jsonl", "train-10.jsonl", False),
        ("train-[0-9].jsonl", "train-7.jsonl", True),
        ("train-[!0-9].jsonl", "train-x.jsonl", True),
        ("train-[!0-9].jsonl", "train-7.jsonl", False),
        ("a[!x]b", "a/b", False),
        ("[]]x", "]x", True),
        ("[]", "[]", True),
        ("a[b", "a[b", True),
        ("qa (v2).jsonl", "qa (v2).jsonl", True),
        ("qa.v2+.jsonl", "qaxv2.jsonl", False),
    ],
)
def test_matching(pattern: str, path: str, matches: bool) -> None:
    assert GlobSet([pattern]).matches(path) is matches


def test_empty_set_matches_nothing() -> None:
    globs = GlobSet([])
    assert not globs
    assert not globs.matches("a.jsonl")


@pytest.mark.parametrize("pattern", ["[z-a].jsonl", "data/[9-0]*"])
def test_bad_pattern_raises_glob_error(pattern: str) -> None:
    with pytest.raises(GlobError, match=r"bad glob pattern .*: bad character range"):
        GlobSet([pattern])


def test_a_backtracking_pattern_matches_in_linear_time() -> None:
    """Issue 14: a 39-byte manifest glob against a 40-character name hung a regex engine; a name
    of 4,000 characters would take a backtracking matcher longer than anyone waits."""
    pattern = "*a*a*a*a*a*a*a*a*a*a*a*b"
    assert not GlobSet([pattern]).matches("a" * 40)
    assert not GlobSet([pattern]).matches("a" * 4000)
    assert GlobSet([pattern]).matches("a" * 4000 + "b")
    assert not GlobSet([f"**/{pattern}"]).matches("x/" * 1000 + "a" * 2000)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**/x", "ax", False),
        ("**/x", "a/x", True),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("a/**/b", "a/xb", False),
        ("a/**", "a/", True),
        ("*", "a/b", True),
        ("a*", "b/a", True),
        ("/a*", "b/a", False),
        ("x/*", "x/a/b", True),  # x/a matches: everything in it does (as .gitignore)
        ("x/*.json", "x/a/b.json", False),
        (r"\*.jsonl", "*.jsonl", True),  # an escaped star is a star
        (r"\*.jsonl", "a.jsonl", False),
        (r"\!important.csv", "!important.csv", True),
        ("line\nbreak", "line\nbreak", True),
        ("?", "\n", True),
    ],
)
def test_edge_matching(pattern: str, path: str, matches: bool) -> None:
    assert GlobSet([pattern]).matches(path) is matches


def test_a_later_negated_pattern_takes_back_what_earlier_ones_matched() -> None:
    globs = GlobSet(["data/**", "!data/scratch/**", "data/scratch/keep.jsonl"])
    assert globs.matches("data/a.jsonl")
    assert not globs.matches("data/scratch/tmp.jsonl")
    assert globs.matches("data/scratch/keep.jsonl")  # the last pattern that matches decides
    assert not GlobSet(["!data/**"]).matches("data/a.jsonl")  # nothing to take back
