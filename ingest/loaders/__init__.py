"""One loader per file format, all called the same way: `load(path) -> LoadedDocument`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.document import LoadedDocument
from ingest.loaders import docx_file, html_file, pdf_file, sheet_file, text_file

Loader = Callable[[Path], LoadedDocument]

LOADERS: dict[str, Loader] = {
    ".md": text_file.load_markdown,
    ".markdown": text_file.load_markdown,
    ".txt": text_file.load_plain,
    ".text": text_file.load_plain,
    ".docx": docx_file.load,
    ".pdf": pdf_file.load,
    ".xlsx": sheet_file.load_xlsx,
    ".xlsm": sheet_file.load_xlsx,
    ".csv": sheet_file.load_csv,
    ".html": html_file.load,
    ".htm": html_file.load,
}

SUPPORTED_SUFFIXES = frozenset(LOADERS)


def loader_for(path: Path) -> Loader | None:
    return LOADERS.get(path.suffix.lower())
