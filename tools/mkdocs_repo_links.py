"""MkDocs hook: relative links from a page to repository files outside docs/ go to GitHub.

Pages link to the code they describe the way GitHub and an editor follow them
(``../provenance/rules.py``), and the link checker in tests/test_docs.py resolves them on disk.
The built site has no such files, so this hook points those links at the repository on GitHub
(``repo_url`` in mkdocs.yml). A link whose target does not exist is left alone, for
``mkdocs build --strict`` to report. Fenced code blocks are not touched.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

LINK = re.compile(r"(\]\()([^)\s#]+)(#[^)\s]*)?(\))")
FENCE = re.compile(r"^\s*(```|~~~)")
BRANCH = "main"


def rewrite(markdown: str, page_dir: Path, docs_dir: Path, repo_root: Path, repo_url: str) -> str:
    """The page's Markdown, its relative links that leave ``docs_dir`` sent to ``repo_url``."""
    out, fenced = [], False
    for line in markdown.splitlines(keepends=True):
        if FENCE.match(line):
            fenced = not fenced
        if not fenced:
            line = LINK.sub(lambda m: _link(m, page_dir, docs_dir, repo_root, repo_url), line)
        out.append(line)
    return "".join(out)


def _link(match: re.Match[str], page_dir: Path, docs_dir: Path, repo_root: Path,
          repo_url: str) -> str:
    target = match.group(2)
    if ":" in target or target.startswith("/"):
        return match.group(0)  # a URL, or an absolute path: not ours to change
    resolved = (page_dir / target).resolve()
    if resolved.is_relative_to(docs_dir) or not resolved.is_relative_to(repo_root) \
            or not resolved.exists():
        return match.group(0)
    kind = "tree" if resolved.is_dir() else "blob"
    url = f"{repo_url.rstrip('/')}/{kind}/{BRANCH}/{resolved.relative_to(repo_root).as_posix()}"
    return f"{match.group(1)}{url}{match.group(3) or ''}{match.group(4)}"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    docs_dir = Path(config["docs_dir"]).resolve()
    repo_root = Path(config["config_file_path"]).resolve().parent
    page_dir = (docs_dir / page.file.src_uri).parent
    return rewrite(markdown, page_dir, docs_dir, repo_root, config["repo_url"])
