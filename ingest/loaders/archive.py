"""Guards for zip-based formats (.docx, .xlsx) before a parser expands them."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.document import LoadError

MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200
MAX_ENTRIES = 10_000  # real Office files hold tens of parts, hundreds with many images


def check_zip(path: Path, what: str) -> None:
    """Refuse files that are not zips, and zip bombs, with a message a person can act on."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):  # e.g. 'zip file version 6.4'
        raise LoadError(f"not a valid {what} file (corrupt, or another format renamed)") from None
    if len(infos) > MAX_ENTRIES:
        raise LoadError(f"refused: the {what} file holds {len(infos)} parts (more than {MAX_ENTRIES})")
    unpacked = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_RATIO and unpacked > 10_000_000:
        raise LoadError(f"refused: the {what} file expands to {unpacked // 1_000_000} MB")
