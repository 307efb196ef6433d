"""Whether anything new arrived in the landing zone, and whether it has finished arriving.

The sensor asks this every 30 seconds, so it must be cheap: it reads file names, sizes
and modification times, never contents (the run that follows hashes what is new). A
delivery lands as a burst of files (a quarterly export per platform, a month of
conversions), and a run started halfway through a burst would be followed by another:
the landing zone has to be quiet for ``quiet_seconds`` before a run is requested, and
the whole burst then starts exactly one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from mmm_pipeline.landing.deliveries import source_entries
from mmm_pipeline.landing.sources import SOURCES


@dataclass(frozen=True)
class LandingState:
    """What the landing zone holds, as a digest of every file's name, size and time."""

    digest: str
    files: int
    newest_modified_at: float


@dataclass(frozen=True)
class ArrivalDecision:
    """Whether to request a run now, under which key, and why (for the sensor's log)."""

    run: bool
    cursor: str | None
    reason: str


def landing_state(landing_dir: Path) -> LandingState:
    """Stat every delivery in the source folders, as the loader will list them.

    The listing is the loader's own (:func:`source_entries`), so both agree on what is a
    delivery. Refused entries (symbolic links, a linked source folder, glob names) count
    by their own ``lstat``, never followed: a link that appears starts the run that
    reports it as rejected, and what it points to can never start or stop one.

    Returns
    -------
    LandingState
        A digest of every entry's source, name, size and modification time, the number of
        entries, and the newest modification time in seconds (0 when there are none).
    """
    entries = []
    for source in sorted(SOURCES):
        for entry in source_entries(landing_dir, source):
            name = "" if entry.whole_folder else entry.path.name
            entries.append((source, name, entry.status.st_size, entry.status.st_mtime_ns))
    entries.sort()
    digest = hashlib.sha256(repr(entries).encode()).hexdigest()[:32]
    newest = max((entry[3] for entry in entries), default=0) / 1e9
    return LandingState(digest=digest, files=len(entries), newest_modified_at=newest)


def decide(
    state: LandingState, cursor: str | None, now: float, quiet_seconds: float
) -> ArrivalDecision:
    """Request a run when the landing zone changed since ``cursor`` and has gone quiet.

    Returns
    -------
    ArrivalDecision
        A run with the new digest as cursor once a change has been quiet for
        ``quiet_seconds``; otherwise no run, the cursor unchanged, and the reason.
    """
    if state.files == 0:
        return ArrivalDecision(False, cursor, "the landing zone is empty")
    if state.digest == cursor:
        return ArrivalDecision(False, cursor, "nothing new since the last run request")
    waited = now - state.newest_modified_at
    if waited < quiet_seconds:
        return ArrivalDecision(
            False,
            cursor,
            f"deliveries still arriving (last one {waited:.0f} s ago; waiting for "
            f"{quiet_seconds:.0f} s of quiet)",
        )
    return ArrivalDecision(True, state.digest, f"{state.files} deliveries, new or changed")
