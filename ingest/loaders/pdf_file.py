"""PDF text through pypdf; scanned or locked files fail with a reason."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import LimitReachedError, PdfReadError

from ingest.document import STEP_MARKER, LoadedDocument, LoadError
from ingest.loaders.text_file import BULLET as _BULLET
from ingest.loaders.text_file import classify_lines, title_from_first_line

logging.getLogger("pypdf").setLevel(logging.ERROR)

MAX_PAGES = 2000
# Titles PDF tools write when the author gave none.
PLACEHOLDER_TITLES = frozenset({"untitled", "(anonymous)", "anonymous", "document", "title"})
_HEADING_START = re.compile(r"^(#|【|第[一二三四五六七八九十\d]+[章节部分篇]|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）])")


_ENDS_SENTENCE = re.compile(r"[。！？!?；;：:」』”\")）)]$")
_CONTINUES = re.compile(r"^[，,。.：:；;、）)」』”！？!?]")
# A line at least this share of the page's usual full line width was wrapped by the
# page, not ended by the author.
FULL_LINE_SHARE = 0.8


def join_wrapped(lines: list[str]) -> list[str]:
    """Undo the page's line wrapping: "处理人" / "：店长" is one sentence. A line joins the
    next when the next starts with closing punctuation, or when it runs (nearly) the
    full width of the page without ending a sentence and the next line does not start
    a step or a heading of its own."""
    stripped = [line.strip() for line in lines]
    lengths = sorted(len(x) for x in stripped if x)
    if not lengths:
        return []
    full = lengths[int(0.9 * (len(lengths) - 1))]
    out: list[str] = []
    last = ""  # the previous line as the page printed it (out[-1] may be several joined)
    for line in stripped:
        if not line:
            continue
        if out:
            previous = out[-1]
            wrapped = (len(last) >= FULL_LINE_SHARE * full and full >= 20
                       and not _ENDS_SENTENCE.search(last) and not STEP_MARKER.match(line)
                       and not _BULLET.match(line) and not _HEADING_START.match(line))
            if _CONTINUES.match(line) or wrapped:
                space = " " if previous[-1:].isascii() and line[:1].isascii() and previous[-1:].isalnum() else ""
                out[-1] = previous + space + line
                last = line
                continue
        out.append(line)
        last = line
    return out


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
        raise LoadError("refused: the PDF goes past one of pypdf's safety limits (a compressed part too large when expanded, or too much to parse)") from None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError, AttributeError):
        raise LoadError("corrupt or unreadable PDF") from None
    except Exception as exc:  # pypdf raises many kinds on hostile files
        if "crypt" in str(exc).lower() or "AES" in str(exc):
            raise LoadError("the PDF is encrypted and cannot be read") from None
        raise LoadError("corrupt or unreadable PDF") from None
    lines = join_wrapped([line for page in pages for line in page.splitlines()])
    blocks = classify_lines(lines)
    if not blocks:
        raise LoadError("the PDF has no extractable text (scanned pages need OCR first)")
    first_line = title_from_first_line(blocks)
    title = str(meta_title).strip()
    if title.lower() in PLACEHOLDER_TITLES:
        title = ""
    return LoadedDocument(blocks=blocks, title=title or first_line)
