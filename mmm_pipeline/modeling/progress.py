"""Say what a long fit is doing, so a user watching a run knows it is alive and where.

A fit is a few minutes of silence otherwise: sampling alone is most of it. The phases
(reading, sampling, checking, saving, publishing) are announced as they start, and
while sampling a heartbeat says how long it has run every ``interval`` seconds. The
messages go to whatever ``say`` is: the Dagster step log (the UI's run view and the
console of ``mmm run``) or ``print`` in a benchmark.

pymc passes nutpie its own progress callback, so per-draw counts are not ours to read;
the chains' progress bar shows in a terminal when a fit runs outside Dagster.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Say = Callable[[str], None]
HEARTBEAT_SECONDS = 30.0


def quiet(_: str) -> None:
    """Say nothing (the default where nobody is watching)."""


@contextmanager
def heartbeat(say: Say, label: str, interval: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """Announce ``label``, then its elapsed time every ``interval`` s until the block ends."""
    started = time.perf_counter()
    say(f"{label} ...")
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            say(f"{label}: {time.perf_counter() - started:.0f} s so far")

    thread = threading.Thread(target=beat, name=f"heartbeat {label}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        say(f"{label}: done in {time.perf_counter() - started:.0f} s")
