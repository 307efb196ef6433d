"""What moves the outcome for each paid channel: the impressions it delivered, or its spend.

A platform sells impressions at auction, and the auction is dearer when every advertiser
buys at once (Q4). Read through spend, a quarter whose cost per impression rose 50% looks
like a quarter of 50% more media that did less; read through impressions, it is the media
it was. So where a channel delivers impressions, its exposure may be the impressions,
while ROI, response curves and budgets stay in spend (as Meridian does). Per channel:

* ``spend`` where impressions cover less than ``min_coverage`` of its money (TV,
  podcasts, or a platform export without them): there is nothing else to read;
* ``spend`` where its cost per impression is steady (the sd of the weekly log cost per
  impression around each geo's own mean is below ``min_cpm_variation``): the two say the
  same, and spend has no sampling noise;
* otherwise the weeks decide. A ridge regression of the outcome (each geo's level and
  trend, a yearly season, the controls, every channel's carried-over media, each scaled
  to its geo's largest week) predicts ``folds`` blocks of held-out weeks, once with
  every such channel read as impressions and once per channel with that one read as
  spend. Impressions are kept unless spend's held-out squared error is below
  ``max_error_ratio`` times theirs: where the weeks cannot tell, what was seen is the
  better account of what was bought.

Impressions enter the model in money at the channel's average cost per impression in
that geo over the panel (:func:`exposure_frame`): exactly the spend where the cost is
steady, and the same total over the panel either way, so priors scaled on spend hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

IMPRESSIONS = "impressions"
SPEND = "spend"
# Retention of the carry-over in the ridge comparison: between search and TV.
COMPARISON_RETENTION = 0.5
COMPARISON_WINDOW = 13
RIDGE_PENALTY = 1e-2
YEAR_WEEKS = 365.25 / 7
FOURIER_ORDER = 4


class ExposureConfig(BaseModel):
    """When a channel's impressions are its exposure (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # ``auto`` decides per channel from the data; ``spend`` reads spend everywhere.
    measure: Literal["auto", "spend"] = "auto"
    min_coverage: float = 0.95
    min_cpm_variation: float = 0.05
    folds: int = 5
    max_error_ratio: float = 0.9


@dataclass(frozen=True)
class ExposureChoice:
    """The measure a channel's media is read in, why, and the evidence."""

    measure: str
    basis: str
    # Sd of the weekly log cost per impression around each geo's mean (None: no impressions).
    cpm_variation: float | None = None
    # Held-out squared error with the channel read as spend over read as impressions.
    spend_error_ratio: float | None = None


def choose_exposure(
    target: pd.Series,
    spend: pd.DataFrame,
    impressions: pd.DataFrame,
    controls: pd.DataFrame,
    config: ExposureConfig,
) -> dict[str, ExposureChoice]:
    """Impressions or spend for every channel of ``spend``.

    All frames share one (date, geo) index over every week of every geo: ``target`` the
    outcome, ``spend`` and ``impressions`` one column per channel (impressions NaN where
    none were delivered), ``controls`` one column per control.

    Returns
    -------
    dict of str to ExposureChoice
        Per channel the measure, its basis and the evidence.
    """
    choices: dict[str, ExposureChoice] = {}
    contested: list[str] = []
    for channel in spend.columns:
        money = spend[channel].fillna(0.0)
        seen = impressions.get(channel, pd.Series(np.nan, index=spend.index)).fillna(0.0)
        covered = float(money[seen > 0].sum() / money.sum()) if money.sum() > 0 else 0.0
        if config.measure == SPEND:
            choices[channel] = ExposureChoice(SPEND, "spend set in model.yaml")
        elif covered < config.min_coverage:
            basis = "no impressions delivered" if covered == 0 else "impressions incomplete"
            choices[channel] = ExposureChoice(SPEND, f"{basis} ({covered:.0%} of spend)")
        else:
            variation = cpm_variation(money, seen)
            if variation < config.min_cpm_variation:
                choices[channel] = ExposureChoice(
                    SPEND, f"cost per impression steady (sd {variation:.0%})", variation
                )
            else:
                choices[channel] = ExposureChoice(IMPRESSIONS, "", variation)
                contested.append(channel)
    if not contested:
        return choices
    exposure = exposure_frame(spend, impressions, choices)
    read_as = {c: exposure[c] for c in spend.columns}
    base_error = _heldout_error(target, read_as, controls, config.folds)
    for channel in contested:
        swapped = read_as | {channel: spend[channel].fillna(0.0)}
        ratio = _heldout_error(target, swapped, controls, config.folds) / base_error
        choice = choices[channel]
        if ratio < config.max_error_ratio:
            measure, basis = SPEND, f"spend predicts held-out weeks better ({ratio:.3f})"
        else:
            measure, basis = (
                IMPRESSIONS,
                f"cost per impression varies (sd {choice.cpm_variation:.0%})",
            )
        choices[channel] = ExposureChoice(measure, basis, choice.cpm_variation, ratio)
    return choices


def reads_impressions(choices: dict[str, ExposureChoice]) -> bool:
    """Whether any channel's exposure is its impressions.

    Returns
    -------
    bool
        True where at least one choice is :data:`IMPRESSIONS`.
    """
    return any(choice.measure == IMPRESSIONS for choice in choices.values())


def cpm_variation(spend: pd.Series, impressions: pd.Series) -> float:
    """Spend-weighted sd of the weekly log cost per impression around each geo's mean.

    Returns
    -------
    float
        0.05 is a cost that moves about 5% from week to week.
    """
    both = (spend > 0) & (impressions > 0)
    log_cpm = np.log(spend[both] / impressions[both])
    weights = spend[both]
    geo = log_cpm.index.get_level_values(-1)
    centred = log_cpm - log_cpm.groupby(geo).transform("mean")
    return float(np.sqrt(np.average(centred**2, weights=weights)))


def exposure_frame(
    spend: pd.DataFrame, impressions: pd.DataFrame, choices: dict[str, ExposureChoice]
) -> pd.DataFrame:
    """Each channel's weekly exposure in money: spend, or impressions at the average CPM.

    The average cost per impression is the channel's spend over its impressions in each
    geo, over the weeks that have both. A week with spend but no impressions (a gap in
    the export, within the ``min_coverage`` allowed) keeps its spend, which is what it
    bought at the average cost, so a channel's exposure adds up to its spend in every geo.

    Returns
    -------
    pandas.DataFrame
        ``spend``'s index and columns, zeros where nothing was spent.
    """
    out = spend.fillna(0.0).copy()
    for channel, choice in choices.items():
        if choice.measure != IMPRESSIONS:
            continue
        seen = impressions[channel].fillna(0.0)
        geo = seen.index.get_level_values(-1)
        money = spend[channel].fillna(0.0)
        both = money.where(seen > 0, 0.0)
        cost = both.groupby(geo).transform("sum") / seen.groupby(geo).transform("sum")
        out[channel] = (seen * cost).where(seen > 0, money).to_numpy()
    return out


def _heldout_error(
    target: pd.Series, media: dict[str, pd.Series], controls: pd.DataFrame, folds: int
) -> float:
    """Squared error of a ridge regression on ``folds`` contiguous blocks of held-out weeks.

    Returns
    -------
    float
        Summed over the blocks, each predicted by a fit on the other weeks.
    """
    design, y, week = _design(target, media, controls)
    blocks = np.array_split(np.unique(week), folds)
    error = 0.0
    for block in blocks:
        test = np.isin(week, block)
        x_train, y_train = design[~test], y[~test]
        gram = x_train.T @ x_train + RIDGE_PENALTY * np.eye(design.shape[1])
        coef = np.linalg.solve(gram, x_train.T @ y_train)
        error += float(((design[test] @ coef - y[test]) ** 2).sum())
    return error


def _design(
    target: pd.Series, media: dict[str, pd.Series], controls: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The comparison's regression, on the scale of each geo's largest week.

    Returns
    -------
    tuple of numpy.ndarray
        The design (geo levels and trends, the yearly season, the controls, each
        channel's carried-over media), the target, and each row's week number.
    """
    dates = target.index.get_level_values(0)
    geo = target.index.get_level_values(-1)
    week = pd.factorize(dates, sort=True)[0]
    geos = pd.factorize(geo, sort=True)[0]

    def per_geo_max(values: pd.Series) -> np.ndarray:
        peak = values.abs().groupby(geo).transform("max").replace(0.0, 1.0)
        return (values / peak).to_numpy()

    columns = [np.eye(geos.max() + 1)[geos]]
    span = max(week.max(), 1)
    columns.append(np.eye(geos.max() + 1)[geos] * (week / span)[:, None])
    for k in range(1, FOURIER_ORDER + 1):
        angle = 2 * np.pi * k * week / YEAR_WEEKS
        columns += [np.sin(angle)[:, None], np.cos(angle)[:, None]]
    for name in controls.columns:
        columns.append(per_geo_max(controls[name].fillna(0.0))[:, None])
    weights = COMPARISON_RETENTION ** np.arange(COMPARISON_WINDOW)
    weights = weights / weights.sum()
    for series in media.values():
        wide = series.unstack(-1).fillna(0.0)
        carried = wide.apply(lambda col: np.convolve(col, weights)[: len(col)])
        stacked = carried.stack().reindex(series.index).fillna(0.0)
        columns.append(per_geo_max(stacked)[:, None])
    return np.hstack(columns), per_geo_max(target), week
