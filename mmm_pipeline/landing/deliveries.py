"""Finding the deliveries in a source folder and telling new ones from re-sends.

A delivery is one file. Its identity is the SHA-256 of its bytes, so the same bytes
delivered again (under any name) are recognised and skipped, while a changed re-export
is a new delivery. Files are only ever opened for reading.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

ACCEPTED_SUFFIXES = (".csv", ".parquet")
_HASH_CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Delivery:
    """One file in a source folder of the landing zone."""

    source: str
    path: Path
    content_hash: str
    size_bytes: int
    modified_at: float

    @property
    def name(self) -> str:
        """The name users see in messages: ``<source>/<file>``."""
        return f"{self.source}/{self.path.name}"

    @property
    def suffix(self) -> str:
        """Lower-case file suffix, which decides the reader."""
        return self.path.suffix.lower()


def file_sha256(path: Path) -> str:
    """Hash a file in chunks so a multi-GB delivery never sits in memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


Fingerprint = tuple[str, int, float]  # file name, size in bytes, modification time


def discover_deliveries(
    landing_dir: Path, source: str, known_hashes: dict[Fingerprint, str] | None = None
) -> list[Delivery]:
    """List the files of one source folder in delivery order.

    Delivery order is modification time, then name: the order in which files arrived,
    which decides "last delivery wins" among files of the same run. Hidden files and
    folders are not deliveries (editors and sync tools leave them behind). A file whose
    name, size and modification time match a delivery already in the ledger keeps that
    delivery's hash instead of being read again: deliveries are immutable, and a large
    landing zone would otherwise be re-read in full on every run.
    """
    known_hashes = known_hashes or {}
    folder = landing_dir / source
    if not folder.is_dir():
        return []
    files = [path for path in folder.iterdir() if path.is_file() and not path.name.startswith(".")]
    deliveries = []
    for path in files:
        stat = path.stat()
        deliveries.append(
            Delivery(
                source=source,
                path=path,
                content_hash=known_hashes.get((path.name, stat.st_size, stat.st_mtime))
                or file_sha256(path),
                size_bytes=stat.st_size,
                modified_at=stat.st_mtime,
            )
        )
    return sorted(deliveries, key=lambda d: (d.modified_at, d.path.name))
