"""MkDocs hooks: links to repository files outside docs/ go to GitHub; unlisted pages get listed.

Pages link to the code they describe the way GitHub and an editor follow them
(``../provenance/rules.py``), and the link checker in tests/test_docs.py resolves them on disk.
The built site has no such files, so this hook points those links at the repository on GitHub
(``repo_url`` in mkdocs.yml). A link whose target does not exist is left alone, for
``mkdocs build --strict`` to report. Fenced code blocks are not touched.

A page dropped into docs/ without an entry in mkdocs.yml's ``nav`` is still built; ``on_nav``
lists it under a last section, "More", so that it can be found until someone gives it its place.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

LINK = re.compile(r"(\]\()([^)\s#]+)(#[^)\s]*)?(\))")
FENCE = re.compile(r"^\s*(```|~~~)")
BRANCH = "main"
UNLISTED_SECTION = "More"


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


def on_nav(nav: Any, config: Any, files: Any) -> Any:
    from mkdocs.structure.nav import Section

    listed = {id(page) for page in nav.pages}
    unlisted = sorted((file.page for file in files.documentation_pages()
                       if file.page is not None and id(file.page) not in listed
                       and file.inclusion.is_in_nav()), key=lambda page: page.file.src_uri)
    if not unlisted:
        return nav
    section = Section(UNLISTED_SECTION, unlisted)
    for page in unlisted:
        page.parent = section
    nav.items.append(section)
    nav.pages.extend(unlisted)
    for before, after in zip(nav.pages, nav.pages[1:]):
        before.next_page, after.previous_page = after, before
    return nav
