"""One model per segment x outcome: the series, named as Dagster partition keys.

Series are discovered from the data (``mmm.readiness`` lists every segment x outcome
the marts hold), never hard-coded; each becomes a key of the dynamic partitions
``mmm_series`` so a fit can be run, retried and inspected per series in the UI.
"""

from __future__ import annotations

from typing import NamedTuple

SEPARATOR = "."
SERIES_PARTITIONS_NAME = "mmm_series"


class Series(NamedTuple):
    """A segment x outcome that gets its own model."""

    segment: str
    outcome: str

    @property
    def key(self) -> str:
        """The partition key, ``segment.outcome``."""
        if SEPARATOR in self.segment:
            raise ValueError(f"segment {self.segment!r} contains {SEPARATOR!r}; rename it")
        return f"{self.segment}{SEPARATOR}{self.outcome}"

    @classmethod
    def from_key(cls, key: str) -> Series:
        """Parse a partition key back into its segment and outcome."""
        segment, separator, outcome = key.partition(SEPARATOR)
        if not separator or not segment or not outcome or SEPARATOR in outcome:
            raise ValueError(f"{key!r} is not a series key of the form segment{SEPARATOR}outcome")
        return cls(segment, outcome)
