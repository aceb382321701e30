"""PDF text through pypdf; scanned or locked files fail with a reason."""

from __future__ import annotations

import logging
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import LimitReachedError, PdfReadError

from ingest.document import LoadedDocument, LoadError
from ingest.loaders.text_file import classify_lines, title_from_first_line

logging.getLogger("pypdf").setLevel(logging.ERROR)

MAX_PAGES = 2000
# Titles PDF tools write when the author gave none.
PLACEHOLDER_TITLES = frozenset({"untitled", "(anonymous)", "anonymous", "document", "title"})


def load(path: Path) -> LoadedDocument:
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("the PDF is encrypted with a password")
        if len(reader.pages) > MAX_PAGES:
            raise LoadError(f"the PDF has more than {MAX_PAGES} pages")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except LoadError:
        raise
    except LimitReachedError:  # pypdf's own guard against decompression bombs
        raise LoadError("refused: a compressed part of the PDF expands past pypdf's size limit") from None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError, AttributeError):
        raise LoadError("corrupt or unreadable PDF") from None
    except Exception as exc:  # pypdf raises many kinds on hostile files
        if "crypt" in str(exc).lower() or "AES" in str(exc):
            raise LoadError("the PDF is encrypted and cannot be read") from None
        raise LoadError("corrupt or unreadable PDF") from None
    lines = [line for page in pages for line in page.splitlines()]
    blocks = classify_lines(lines)
    if not blocks:
        raise LoadError("the PDF has no extractable text (scanned pages need OCR first)")
    first_line = title_from_first_line(blocks)
    title = str(meta_title).strip()
    if title.lower() in PLACEHOLDER_TITLES:
        title = ""
    return LoadedDocument(blocks=blocks, title=title or first_line)
