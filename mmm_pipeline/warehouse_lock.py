"""One process in the warehouse at a time, the others wait their turn.

DuckDB lets a single process open a database file for writing, and while it does no
other process may open it at all (not even read-only): the second gets "Could not set
lock on file" and fails. Fits of different series run in parallel, in separate
processes (one Dagster run per ``mmm_series`` partition), and the UI, ``mmm query`` and
the landing-zone sensor's runs come and go beside them. Retrying on that error would be
guesswork; instead every connection of ours, and the dbt build, first takes this
inter-process lock on a file beside the warehouse, and holds it only as long as its
connection is open. Fits hold it for seconds (read inputs, later publish), never while
sampling, so parallel fits overlap where the time goes.

A warehouse that is not a local file (MotherDuck's ``md:`` paths, ``:memory:``) has
no file to lock and needs none: its service arbitrates writers.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

# A dbt build of a large warehouse takes minutes; waiting longer than this means a
# process is stuck holding it, and saying so beats hanging forever.
DEFAULT_TIMEOUT_SECONDS = 6 * 3600.0
# After this long without the lock, say once what we are waiting for.
ANNOUNCE_AFTER_SECONDS = 2.0


class WarehouseBusy(RuntimeError):
    """Another process held the warehouse for longer than we were willing to wait."""


def is_local_file(database: str | Path) -> bool:
    """True for a path on disk (not ``:memory:`` or a ``md:``/``motherduck:`` URL).

    Parameters
    ----------
    database
        A warehouse path or DuckDB database name.

    Returns
    -------
    bool
        Whether the warehouse is a local file, which has a lock file beside it.
    """
    text = str(database)
    return not (text == ":memory:" or text.startswith(("md:", "motherduck:")))


def lock_path(database: str | Path) -> Path:
    """The lock file of a warehouse: ``<file>.lock`` in the same folder.

    Parameters
    ----------
    database
        The warehouse file.

    Returns
    -------
    pathlib.Path
        The path with ``.lock`` appended to the file name, e.g. ``warehouse.duckdb.lock``;
        the file itself is not made here.
    """
    path = Path(database)
    return path.with_name(path.name + ".lock")


@contextmanager
def warehouse_turn(
    database: str | Path, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> Iterator[None]:
    """Hold the warehouse's inter-process lock for the duration of the block.

    Re-entrant within one thread (the lock object is shared per path), so a helper that
    opens the warehouse inside another's turn does not deadlock on itself.

    Parameters
    ----------
    database
        The warehouse; one that is not a local file is not locked.
    timeout
        Seconds to wait for the lock before giving up.

    Yields
    ------
    None
        The lock is held inside the block and released however it ends.

    Raises
    ------
    WarehouseBusy
        When the lock was not free within ``timeout`` seconds; the message names the
        lock file so a stuck holder can be found (``fuser <file>``).
    """
    if not is_local_file(database):
        yield
        return
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, is_singleton=True)
    try:
        lock.acquire(timeout=ANNOUNCE_AFTER_SECONDS)
    except Timeout:
        print(
            f"waiting for the warehouse {database}: another process is using it (lock {path})",
            file=sys.stderr,
            flush=True,
        )
        try:
            lock.acquire(timeout=max(timeout - ANNOUNCE_AFTER_SECONDS, 0.0))
        except Timeout as exc:
            raise WarehouseBusy(
                f"the warehouse {database} stayed in use by another process for "
                f"{timeout:.0f} s (lock file {path}); find the holder with `fuser {path}`"
            ) from exc
    try:
        yield
    finally:
        lock.release()


@contextmanager
def open_warehouse(
    database: str | Path, read_only: bool = False, config: dict | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection opened in the warehouse's turn and closed however the block ends.

    The turn is taken as :func:`warehouse_turn` takes it, with its default timeout, so a
    warehouse held too long by another process ends in :class:`WarehouseBusy`.

    Parameters
    ----------
    database
        The warehouse file, or a database name that is no local file (``md:<database>``).
    read_only
        Open without write access; the turn is taken all the same.
    config
        DuckDB's connection configuration, e.g. ``enable_external_access``.

    Yields
    ------
    duckdb.DuckDBPyConnection
        The open connection; it is closed before the lock is released.
    """
    with (
        warehouse_turn(database),
        duckdb.connect(str(database), read_only=read_only, config=config or {}) as conn,
    ):
        yield conn
