"""Finding the deliveries in a source folder and telling new ones from re-sends.

A delivery is one file. Its identity is the SHA-256 of its bytes, so the same bytes
delivered again (under any name) are recognised and skipped, while a changed re-export
is a new delivery. Files are only ever opened for reading.

Only regular files inside the landing zone are deliveries. A symbolic link (or a source
folder that is one) could point anywhere the pipeline may read (``~/.aws/credentials``),
and its first line would end up in a rejection reason and the logs; it is refused from
its ``lstat`` alone, never opened or followed, and reported like any rejected file.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

ACCEPTED_SUFFIXES = (".csv", ".parquet")
_HASH_CHUNK_BYTES = 8 * 1024 * 1024
# Ledger identity of a refused entry: never its bytes, which are not read.
REFUSED_HASH_PREFIX = "refused:"
IS_A_LINK = "is a symbolic link; deliveries must be regular files inside the landing zone"
FOLDER_IS_A_LINK = (
    "the source folder is a symbolic link; deliveries must be regular files inside the "
    "landing zone (point MMM_LANDING_DIR at the real folder instead)"
)
# DuckDB's file readers expand these as a glob pattern even in a bound parameter: a
# delivery named ``*.csv`` would read every CSV beside it.
GLOB_CHARACTERS = "*?[]{}"
OUTSIDE_THE_LANDING_ZONE = (
    "resolves to a path outside the landing zone; deliveries must be regular files inside "
    "the landing zone"
)


@dataclass(frozen=True)
class Delivery:
    """One file in a source folder of the landing zone."""

    source: str
    path: Path
    content_hash: str
    size_bytes: int
    modified_at: float
    # Why this entry must not be opened, decided from its lstat; None for a delivery.
    refused: str | None = None
    # The refused entry is the source folder itself, not a file in it.
    whole_folder: bool = False

    @property
    def name(self) -> str:
        """The name users see in messages: ``<source>/<file>`` (``<source>/``: the folder)."""
        return f"{self.source}/" if self.whole_folder else f"{self.source}/{self.path.name}"

    @property
    def suffix(self) -> str:
        """Lower-case file suffix, which decides the reader."""
        return self.path.suffix.lower()


def file_sha256(path: Path) -> str:
    """Hash a file in chunks so a multi-GB delivery never sits in memory.

    Returns
    -------
    str
        The hex SHA-256 of the file's bytes.
    """
    digest = hashlib.sha256()
    # O_NOFOLLOW: a file swapped for a link after it was listed fails instead of being read.
    with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


Fingerprint = tuple[str, int, float]  # file name, size in bytes, modification time


class Entry(NamedTuple):
    """A non-hidden entry of a source folder, from its lstat; ``refused`` says why not to read."""

    path: Path
    status: os.stat_result
    refused: str | None
    whole_folder: bool = False


def source_entries(landing_dir: Path, source: str) -> list[Entry]:
    """List a source folder's files and links without opening or following any of them.

    Regular files are returned for reading; symbolic links, anything whose resolved path
    leaves the resolved landing zone, and names DuckDB would read as a glob pattern come
    back refused. A source folder that is a link is one refused entry: nothing behind it
    is listed. Hidden files (editors and sync tools leave them behind), sub-folders,
    pipes and devices are not deliveries.

    Returns
    -------
    list of Entry
        The folder's regular files and links in directory order, refused ones with their
        reason; empty when the folder does not exist.
    """
    folder = landing_dir / source
    if folder.is_symlink():
        return [Entry(folder, folder.lstat(), FOLDER_IS_A_LINK, whole_folder=True)]
    if not folder.is_dir():
        return []
    root = landing_dir.resolve()
    entries = []
    for path in folder.iterdir():
        if path.name.startswith("."):
            continue
        status = path.lstat()
        if stat.S_ISLNK(status.st_mode):
            entries.append(Entry(path, status, IS_A_LINK))
        elif stat.S_ISREG(status.st_mode):
            outside = not path.resolve().is_relative_to(root)
            refused = OUTSIDE_THE_LANDING_ZONE if outside else glob_problem(path)
            entries.append(Entry(path, status, refused))
    return entries


def glob_problem(path: Path) -> str | None:
    """Why DuckDB would read ``path`` as a pattern over other files, or None.

    Returns
    -------
    str or None
        A sentence naming the characters and what to do, for the file name first, then its
        folder; None when neither has any.
    """
    if found := sorted(set(path.name) & set(GLOB_CHARACTERS)):
        return (
            f"the file name contains {' '.join(found)}, which the reader would expand as a "
            f"pattern over other files; rename it without any of {' '.join(GLOB_CHARACTERS)}"
        )
    if found := sorted(set(str(path.parent)) & set(GLOB_CHARACTERS)):
        return (
            f"the folder {path.parent} contains {' '.join(found)}, which the reader would "
            "expand as a pattern; move the landing zone to a path without them"
        )
    return None


def _refused_identity(entry: Entry) -> str:
    """A stable ledger identity for a refused entry, so it is reported once, not each run.

    Built from its name, link target, lstat size and time and the reason, never from the
    bytes behind it. Being name-based, the same bytes delivered again under a clean name
    are read, not skipped as already seen.

    Returns
    -------
    str
        ``REFUSED_HASH_PREFIX`` followed by the SHA-256 of those parts.
    """
    target = os.readlink(entry.path) if stat.S_ISLNK(entry.status.st_mode) else ""
    status = entry.status
    parts = [entry.path.name, target, str(status.st_size), str(status.st_mtime_ns)]
    text = "\0".join([*parts, entry.refused or ""])
    return REFUSED_HASH_PREFIX + hashlib.sha256(text.encode()).hexdigest()


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

    Returns
    -------
    list of Delivery
        Every entry of the folder, refused ones included, oldest first.
    """
    known_hashes = known_hashes or {}
    deliveries = []
    for entry in source_entries(landing_dir, source):
        status = entry.status
        if entry.refused:
            content_hash = _refused_identity(entry)
        else:
            known = known_hashes.get((entry.path.name, status.st_size, status.st_mtime))
            refused_before = known is not None and known.startswith(REFUSED_HASH_PREFIX)
            content_hash = known if known and not refused_before else file_sha256(entry.path)
        deliveries.append(
            Delivery(
                source=source,
                path=entry.path,
                content_hash=content_hash,
                size_bytes=status.st_size,
                modified_at=status.st_mtime,
                refused=entry.refused,
                whole_folder=entry.whole_folder,
            )
        )
    return sorted(deliveries, key=lambda d: (d.modified_at, d.path.name))
