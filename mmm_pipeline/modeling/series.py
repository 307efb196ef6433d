"""One model per segment x outcome: the series, named as Dagster partition keys.

Series are discovered from the data (``mmm.readiness`` lists every segment x outcome
the marts hold), never hard-coded; each becomes a key of the dynamic partitions
``mmm_series`` so a fit can be run, retried and inspected per series in the UI.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from mmm_pipeline.safe_paths import inside

SEPARATOR = "."
SERIES_PARTITIONS_NAME = "mmm_series"
# Names become partition keys and folder names. Staging lower-cases and trims them
# (self_serve, sales_led, all; signup, order, pipeline); anything else is refused here
# rather than escaping the data folder or breaking the ``segment.outcome`` key.
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
NAME_RULE = "1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit"


def name_problem(segment: str, outcome: str) -> str | None:
    """Why a segment x outcome cannot name a model, or None when both names are safe.

    Returns
    -------
    str or None
        The unsafe name(s), the naming rule and where to rename them; None when both
        match :data:`SAFE_NAME`.
    """
    bad = [
        f"{what} {value!r}"
        for what, value in (("segment", segment), ("outcome", outcome))
        if not SAFE_NAME.fullmatch(value)
    ]
    if not bad:
        return None
    return (
        f"{' and '.join(bad)} cannot name a model (names must be {NAME_RULE}; they become "
        "folder names and partition keys); rename it in the conversions/outcomes deliveries"
    )


class Series(NamedTuple):
    """A segment x outcome that gets its own model."""

    segment: str
    outcome: str

    @property
    def problem(self) -> str | None:
        """Why this series cannot be registered or fitted by its names, or None."""
        return name_problem(self.segment, self.outcome)

    @property
    def key(self) -> str:
        """The partition key, ``segment.outcome``.

        Raises
        ------
        ValueError
            If a name is unsafe (:attr:`problem`).
        """
        if problem := self.problem:
            raise ValueError(problem)
        return f"{self.segment}{SEPARATOR}{self.outcome}"

    @classmethod
    def from_key(cls, key: str) -> Series:
        """Parse a partition key back into its segment and outcome.

        Returns
        -------
        Series
            The series the key names.

        Raises
        ------
        ValueError
            If ``key`` is not ``segment.outcome`` with both parts non-empty and one
            separator, or a name is unsafe.
        """
        segment, separator, outcome = key.partition(SEPARATOR)
        if not separator or not segment or not outcome or SEPARATOR in outcome:
            raise ValueError(f"{key!r} is not a series key of the form segment{SEPARATOR}outcome")
        series = cls(segment, outcome)
        if problem := series.problem:
            raise ValueError(f"series key {key!r}: {problem}")
        return series

    def folder(self, base: Path) -> Path:
        """``base/<segment>/<outcome>``, for this series' model files and plots.

        Returns
        -------
        pathlib.Path
            That folder, resolved; it need not exist.

        Raises
        ------
        ValueError
            When a name is unsafe, or the folder would resolve outside ``base``.
        """
        if problem := self.problem:
            raise ValueError(problem)
        return inside(base, self.segment, self.outcome)
