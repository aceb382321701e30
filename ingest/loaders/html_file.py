"""HTML pages (exported wiki pages, saved intranet articles)."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup, Tag

from ingest.document import Block, LoadedDocument, LoadError
from ingest.loaders.text_file import classify_lines, read_text

_BLOCK_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "table", "pre", "blockquote", "dt", "dd"]
_CONTAINERS = {"table", "li", "p", "pre", "blockquote"}


def load(path: Path) -> LoadedDocument:
    soup = BeautifulSoup(read_text(path), "lxml")
    for tag in soup(["script", "style", "noscript", "template", "nav"]):
        tag.decompose()
    blocks: list[Block] = []
    for element in soup.find_all(_BLOCK_TAGS):
        if any(parent.name in _CONTAINERS for parent in element.parents):
            continue
        blocks.extend(_element_blocks(element))
    if not blocks:
        body = soup.body or soup
        blocks = classify_lines(body.get_text("\n").splitlines())
    if not blocks:
        raise LoadError("the page has no text")
    title_tag = soup.find("title")
    title = title_tag.get_text(strip=True) if title_tag else ""
    title = title or next((b.text for b in blocks if b.kind == "heading"), "")
    return LoadedDocument(blocks=blocks, title=title or None)


def _element_blocks(element: Tag) -> list[Block]:
    name = element.name
    if name == "table":
        rows = [
            [cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])]
            for tr in element.find_all("tr")
        ]
        rows = [r for r in rows if any(r)]
        return [Block("table", rows=rows)] if rows else []
    text = element.get_text(" ", strip=True)
    if not text:
        return []
    if name[0] == "h" and name[1:].isdigit():
        return [Block("heading", text, level=int(name[1:]))]
    if name == "li":
        parent = element.parent
        if parent is not None and parent.name == "ol":
            index = [li for li in parent.find_all("li", recursive=False)].index(element) + 1
            return [Block("list_item", f"{index}. {text}", level=1)]
        return [Block("list_item", "• " + text, level=1)]
    return classify_lines(element.get_text("\n", strip=True).splitlines())
