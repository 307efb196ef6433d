"""First-order Markov-chain removal effects (Anderl et al. 2016, "Mapping the customer journey").

Every journey is a walk ``start -> channel -> ... -> channel -> conversion | null``. The
transition probabilities are the observed transition counts, normalised per state. The
chain's conversion probability is the probability that a walk from ``start`` is
absorbed in ``conversion``; the removal effect of a channel is the share of that
probability lost when the channel is taken out of the chain, i.e. when every transition
into it goes to ``null`` instead::

    removal_effect(c) = 1 - P(conversion | c removed) / P(conversion)

The maths is general: journeys that did not convert end in ``null``. Repeated visits
to a channel (self-loops) and cycles are allowed; absorption probabilities come from
the linear system of the absorbing chain, not from enumerating paths.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

START = "(start)"
CONVERSION = "(conversion)"
NULL = "(null)"
SPECIAL_STATES = (START, CONVERSION, NULL)
TRANSITION_COLUMNS = ("from_state", "to_state", "transitions")


def transition_counts(paths: Sequence[Sequence[str]], converted: Sequence[bool]) -> pd.DataFrame:
    """Count the chain's transitions over journeys.

    Parameters
    ----------
    paths
        One sequence of channel names per journey, in time order. An empty journey
        contributes ``start -> conversion`` (or ``start -> null``).
    converted
        Whether each journey ended in a conversion (else it ends in ``null``).

    Returns
    -------
    pandas.DataFrame
        Columns ``from_state``, ``to_state``, ``transitions`` (count), one row per
        observed transition.

    Raises
    ------
    ValueError
        If ``paths`` and ``converted`` differ in length, or a path uses one of the reserved
        state names :data:`START`, :data:`CONVERSION` or :data:`NULL` as a channel.
    """
    if len(paths) != len(converted):
        raise ValueError(
            f"got {len(paths)} paths but {len(converted)} converted flags; pass one flag per path"
        )
    counts: Counter[tuple[str, str]] = Counter()
    for path, did_convert in zip(paths, converted, strict=True):
        clash = set(path) & set(SPECIAL_STATES)
        if clash:
            raise ValueError(
                f"path {list(path)} uses the reserved state name(s) {sorted(clash)}; "
                "rename the channel"
            )
        states = [START, *path, CONVERSION if did_convert else NULL]
        counts.update(pairwise(states))
    rows = [(a, b, n) for (a, b), n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=list(TRANSITION_COLUMNS))


def _chain(transitions: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Channels, transient-to-transient probabilities Q and to-absorbing probabilities R.

    Transient states are ``start`` (index 0) followed by the channels in sorted order;
    the columns of R are ``conversion`` and ``null``.

    Returns
    -------
    channels : list of str
        The channels of the chain, sorted.
    q : numpy.ndarray
        Shape (1 + channels, 1 + channels): the probability of moving from one transient
        state to another. A row is all zero for a state that is never left.
    r : numpy.ndarray
        Shape (1 + channels, 2): the probability of moving from a transient state to
        ``conversion`` (column 0) and to ``null`` (column 1).

    Raises
    ------
    ValueError
        If ``transitions`` lacks a column of :data:`TRANSITION_COLUMNS`, holds a negative
        count, a transition out of ``conversion`` or ``null``, or one into ``start``.
    """
    missing = set(TRANSITION_COLUMNS) - set(transitions.columns)
    if missing:
        raise ValueError(f"transitions lack column(s) {sorted(missing)}")
    if (transitions["transitions"] < 0).any():
        raise ValueError("transition counts must be >= 0")
    if transitions["from_state"].isin([CONVERSION, NULL]).any():
        raise ValueError(f"{CONVERSION} and {NULL} are absorbing: no transition may leave them")
    if (transitions["to_state"] == START).any():
        raise ValueError(f"no transition may enter {START}")
    states = set(transitions["from_state"]) | set(transitions["to_state"])
    channels = sorted(states - set(SPECIAL_STATES))
    transient = [START, *channels]
    index = {state: i for i, state in enumerate(transient)}
    absorbing = {CONVERSION: 0, NULL: 1}
    n = len(transient)
    counts = np.zeros((n, n + 2))
    for from_state, to_state, count in transitions[list(TRANSITION_COLUMNS)].itertuples(
        index=False
    ):
        column = index[to_state] if to_state in index else n + absorbing[to_state]
        counts[index[from_state], column] += count
    totals = counts.sum(axis=1, keepdims=True)
    # A state that is never left (only possible in hand-made counts) is absorbed nowhere:
    # its row stays zero, so it contributes no conversion probability.
    probabilities = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    return channels, probabilities[:, :n], probabilities[:, n:]


def _conversion_probability(q: np.ndarray, r: np.ndarray, removed: int | None = None) -> float:
    """P(absorbed in conversion | start), optionally with transient state ``removed`` cut.

    Returns
    -------
    float
        The absorption probability in ``conversion``, between 0 and 1; with ``removed``
        cut, every transition into that state goes to ``null`` instead.

    Raises
    ------
    ValueError
        If ``I - Q`` is singular: some states form a closed loop that never reaches
        ``conversion`` or ``null``.
    """
    if removed is not None:
        q = q.copy()
        r = r.copy()
        r[:, 1] += q[:, removed]
        q[:, removed] = 0.0
    try:
        absorbed = np.linalg.solve(np.eye(len(q)) - q, r[:, 0])
    except np.linalg.LinAlgError as error:
        raise ValueError(
            "the chain has a closed loop that never reaches conversion or null; "
            "every path must end in one of them"
        ) from error
    return float(absorbed[0])


def conversion_probability(transitions: pd.DataFrame, removed: str | None = None) -> float:
    """The chain's probability that a journey from ``start`` ends in a conversion.

    Parameters
    ----------
    transitions
        Transition counts as returned by :func:`transition_counts`.
    removed
        A channel to take out of the chain first (its inflow goes to ``null``).

    Returns
    -------
    float
        The absorption probability in ``conversion``.

    Raises
    ------
    ValueError
        If ``removed`` is not a channel of the chain; also when ``transitions`` is
        malformed or has a closed loop that never reaches ``conversion`` or ``null``.
    """
    channels, q, r = _chain(transitions)
    if removed is None:
        return _conversion_probability(q, r)
    if removed not in channels:
        raise ValueError(f"channel {removed!r} is not in the chain; channels: {channels}")
    return _conversion_probability(q, r, 1 + channels.index(removed))


def removal_effects_from_transitions(transitions: pd.DataFrame) -> pd.Series:
    """The removal effect of every channel of a chain given by its transition counts.

    Parameters
    ----------
    transitions
        Columns ``from_state``, ``to_state``, ``transitions``; states other than
        :data:`START`, :data:`CONVERSION` and :data:`NULL` are channels.

    Returns
    -------
    pandas.Series
        Removal effect in [0, 1] per channel (index, sorted). All zero when the chain
        never converts.
    """
    channels, q, r = _chain(transitions)
    base = _conversion_probability(q, r)
    effects = [
        1.0 - _conversion_probability(q, r, 1 + i) / base if base > 0 else 0.0
        for i in range(len(channels))
    ]
    return pd.Series(effects, index=pd.Index(channels, name="channel"), name="removal_effect")


def removal_effects(paths: Sequence[Sequence[str]], converted: Sequence[bool]) -> pd.Series:
    """The removal effect of every channel over a set of journeys.

    Parameters
    ----------
    paths
        One sequence of channel names per journey, in time order.
    converted
        Whether each journey ended in a conversion.

    Returns
    -------
    pandas.Series
        Removal effect in [0, 1] per channel (index, sorted).
    """
    return removal_effects_from_transitions(transition_counts(paths, converted))
