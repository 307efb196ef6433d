"""Writing the landing zone: one file per delivery, named and timed like real exports.

File names start with the delivery time (``20240402-0700_...``) and modification times
are set to it, so both sort in delivery order and "last delivery wins" is well defined
for the loader.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mmm_pipeline.landing.sources import SOURCES

# The contract's source folders, from the one place that declares them.
SOURCE_FOLDERS = tuple(SOURCES)


@dataclass(frozen=True)
class Delivery:
    """One file: where it goes, how to build its rows and when it arrived.

    ``build`` makes the table only when the file is written, so a run at large scale
    holds one month or quarter of formatted rows at a time, not the whole history.
    """

    folder: str
    stem: str
    delivered_at: datetime
    build: Callable[[], pa.Table]
    parquet: bool = False

    @property
    def file_name(self) -> str:
        """``<delivery time>_<stem>.<csv|parquet>``: sorts in delivery order."""
        suffix = "parquet" if self.parquet else "csv"
        return f"{self.delivered_at:%Y%m%d-%H%M}_{self.stem}.{suffix}"


def at_day(day: np.datetime64, hour: int = 6, minute: int = 0) -> datetime:
    """Return a delivery time on a given day (UTC).

    Returns
    -------
    datetime
        Midnight UTC of ``day`` plus ``hour`` and ``minute``.
    """
    base = datetime.fromisoformat(str(np.datetime64(day, "D"))).replace(tzinfo=UTC)
    return base + timedelta(hours=hour, minutes=minute)


def quarter_codes(days: np.ndarray) -> np.ndarray:
    """Calendar quarter of each day as ``year * 4 + quarter - 1``.

    Returns
    -------
    np.ndarray
        One integer per day; consecutive quarters have consecutive codes.
    """
    months = days.astype("datetime64[M]").astype(np.int64)
    return (months // 12 + 1970) * 4 + (months % 12) // 3


def quarter_label(code: int) -> str:
    """``2024Q1`` for a quarter code.

    Returns
    -------
    str
        The year, ``Q`` and the quarter's number.
    """
    return f"{code // 4}Q{code % 4 + 1}"


def quarter_end(code: int) -> np.datetime64:
    """Last day of a quarter code.

    Returns
    -------
    np.datetime64
        The quarter's last day, at day resolution.
    """
    first_month = np.datetime64(f"{code // 4}-{3 * (code % 4) + 1:02d}", "M")
    return (first_month + np.timedelta64(3, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")


def month_codes(days: np.ndarray) -> np.ndarray:
    """Months since 1970 of each day.

    Returns
    -------
    np.ndarray
        One integer per day; consecutive months have consecutive codes.
    """
    return days.astype("datetime64[M]").astype(np.int64)


def runs(codes: np.ndarray) -> list[tuple[int, slice]]:
    """Split rows in time order into their periods: ``(code, rows)`` per ascending code.

    Returns
    -------
    list of tuple of (int, slice)
        Each period's code with the slice of its rows.

    Raises
    ------
    ValueError
        When ``codes`` ever decrease, so the rows are not in time order.
    """
    if len(codes) > 1 and np.any(np.diff(codes) < 0):
        raise ValueError("rows must be in time order to split them into periods")
    values, starts = np.unique(codes, return_index=True)
    ends = [*starts[1:], len(codes)]
    return [
        (int(v), slice(int(lo), int(hi))) for v, lo, hi in zip(values, starts, ends, strict=True)
    ]


def write_deliveries(out_dir: Path, deliveries: Iterable[Delivery]) -> list[Path]:
    """Write every delivery and stamp its modification time with its delivery time.

    Returns
    -------
    list of Path
        The files written, in the order of ``deliveries``.
    """
    written = []
    for delivery in deliveries:
        path = out_dir / delivery.folder / delivery.file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        if delivery.parquet:
            pq.write_table(delivery.build(), path, compression="zstd")
        else:
            pacsv.write_csv(delivery.build(), path)
        stamp = delivery.delivered_at.timestamp()
        os.utime(path, (stamp, stamp))
        written.append(path)
    return written
