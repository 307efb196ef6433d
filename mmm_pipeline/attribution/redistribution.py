"""Moving credit out of the demand-capture pool, to Word of Mouth and the demand makers.

Click-based credit gives every conversion to a channel that was clicked. Branded Search
and Direct (the *pool*) collect demand that other channels created, so their credit is
too big, and the channels that created it get too little. Per week and geo, and per
posterior draw:

1. Word of Mouth takes the part of each pool channel's credit that survey answers
   attribute to friends, family or colleagues (``wom_share``, estimated per converting
   channel in ``word_of_mouth.py``).
2. Each other channel whose incremental conversions (``demand``, from the MMM) exceed
   the credit clicks gave it has *unclaimed demand*: the difference. The pool left after
   step 1 pays it out, in proportion to each channel's unclaimed demand, never more than
   the pool holds. It is taken from the pool channels in proportion to what each holds.
3. What remains stays with the pool channels: their true baseline.

Moved conversions keep their money value: Word of Mouth gets the value of the
conversions it took from each pool channel, the other channels the pool's mean value
per conversion. Nothing is created or lost, so every draw, and their mean, adds up to
the observed conversions and value of each week and geo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CreditDraws:
    """Conversions and value per (sample, week, geo, channel) after moving credit."""

    conversions: np.ndarray
    value: np.ndarray


def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, 0 where the denominator is 0.

    Returns
    -------
    numpy.ndarray
        The element-wise quotient in the broadcast shape of both arrays, 0 wherever the
        denominator is not positive.
    """
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape))
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def redistribute(
    conversions: np.ndarray,
    value: np.ndarray,
    pool: np.ndarray,
    wom_share: np.ndarray,
    wom_channel: int | None,
    demand: np.ndarray | None = None,
) -> CreditDraws:
    """Move credit from the pool to Word of Mouth and to channels with unclaimed demand.

    Parameters
    ----------
    conversions, value
        Click-based credit per (week, geo, channel).
    pool
        Boolean per channel: the demand-capture channels that hold the pool.
    wom_share
        Per (sample, geo, channel): the share of a pool channel's credit that is Word of
        Mouth (ignored for channels outside the pool).
    wom_channel
        Index of ``word_of_mouth`` along the channel axis; None when there is no survey.
    demand
        Per (sample, week, geo, channel): the MMM's incremental conversions, 0 for
        channels the model does not have; None for the click-based models (step 2 is
        skipped).

    Returns
    -------
    CreditDraws
        Per (sample, week, geo, channel); every sample conserves conversions and value
        per week and geo.
    """
    samples = wom_share.shape[0]
    pool = np.asarray(pool, dtype=bool)
    conv = np.broadcast_to(conversions, (samples, *conversions.shape)).astype(float)
    unit_value = _safe_ratio(value, conversions)[None]
    val = conv * unit_value

    if wom_channel is not None:
        to_wom = conv * np.where(pool, np.clip(wom_share, 0.0, 1.0), 0.0)[:, None, :, :]
        conv = conv - to_wom
        val = val - to_wom * unit_value
        conv[..., wom_channel] += to_wom.sum(axis=-1)
        val[..., wom_channel] += (to_wom * unit_value).sum(axis=-1)

    if demand is not None:
        claimants = ~pool
        if wom_channel is not None:
            claimants[wom_channel] = False
        unclaimed = np.where(claimants, np.clip(demand - conv, 0.0, None), 0.0)
        pooled = np.where(pool, conv, 0.0)
        available = pooled.sum(axis=-1, keepdims=True)
        wanted = unclaimed.sum(axis=-1, keepdims=True)
        paid_out = np.minimum(wanted, available)
        moved = unclaimed * _safe_ratio(paid_out, wanted)
        taken = pooled * _safe_ratio(paid_out, available)
        value_taken = (taken * unit_value).sum(axis=-1, keepdims=True)
        conv = conv + moved - taken
        val = val - taken * unit_value + moved * _safe_ratio(value_taken, paid_out)

    return CreditDraws(conversions=conv, value=val)
