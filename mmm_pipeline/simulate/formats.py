"""Column builders that turn simulator arrays into the strings exports contain.

Built with Arrow compute so millions of rows format in C, never in a Python loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NAIVE, ZULU, PLUS_TWO = 0, 1, 2
_SUFFIXES = pa.array(["", "Z", "+02:00"])


def timestamps(at: np.ndarray, style: np.ndarray | int = NAIVE) -> pa.Array:
    """ISO 8601 strings of Unix seconds: naive UTC, ``Z``, or local time with ``+02:00``.

    Every style names the same instant; only the spelling differs, as between a
    warehouse export, a JavaScript tracker and a European back office.

    Returns
    -------
    pa.Array
        One ``YYYY-MM-DDTHH:MM:SS`` string per value with its style's suffix.
    """
    style = np.broadcast_to(np.asarray(style, dtype=np.int64), at.shape)
    local = at + np.where(style == PLUS_TWO, 7200, 0)
    # Arrow's cast is ~10x faster than strftime; it only differs in the date-time separator.
    spaced = pc.cast(pa.array(local.astype("datetime64[s]")), pa.string())
    text = pc.replace_substring(spaced, " ", "T", max_replacements=1)
    return pc.binary_join_element_wise(text, _SUFFIXES.take(pa.array(style)), "")


def dates(days: np.ndarray) -> pa.Array:
    """ISO dates of ``datetime64[D]`` values.

    Returns
    -------
    pa.Array
        ``YYYY-MM-DD`` strings.
    """
    return pa.array(np.datetime_as_string(days, unit="D"))


def prefixed(prefix: str | pa.Array, numbers: np.ndarray) -> pa.Array:
    """Ids such as ``ORD-10000001``: a prefix (one, or one per row) and a number.

    Returns
    -------
    pa.Array
        The prefix joined to each number, as strings.
    """
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(numbers), pa.string()), "")


def lookup(values: Sequence[str], index: np.ndarray, empty_as_null: bool = True) -> pa.Array:
    """Strings by index into a small list; empty strings become nulls (not captured).

    Returns
    -------
    pa.Array
        ``values[i]`` for each index ``i``, as strings.
    """
    table = pa.array([None if empty_as_null and v == "" else v for v in values], pa.string())
    return table.take(pa.array(np.asarray(index, dtype=np.int64)))


def money(cents: np.ndarray) -> pa.Array:
    """Money with two decimals from integer cents, exact when summed back to cents.

    Returns
    -------
    pa.Array
        The amounts as doubles, in currency units.
    """
    return pa.array(np.asarray(cents, dtype=np.int64) / 100.0)


def counts(values: np.ndarray) -> pa.Array:
    """Integer counts with NaN as empty (a column the export leaves blank).

    Returns
    -------
    pa.Array
        Int64 values, null where the input was NaN.
    """
    values = np.asarray(values, dtype=float)
    mask = np.isnan(values)
    return pa.array(np.where(mask, 0, values).astype(np.int64), mask=mask)
