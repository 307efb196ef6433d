"""The published tables of one accepted model: ROI per channel, experiments, parameters.

Every figure comes with its interval (posterior mean and equal-tailed interval at the
configured level). Geo ``ALL`` rows are computed per draw before summarising, so their
intervals are intervals of the total, not sums of intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.calibration import LIFT_ESTIMATE
from mmm_pipeline.modeling.exposure import ExposureChoice
from mmm_pipeline.modeling.horizons import HORIZON_COLUMNS, channel_horizons
from mmm_pipeline.modeling.panel import DATE, GEO
from mmm_pipeline.modeling.posterior import (
    SAMPLE,
    ChannelDraws,
    interval,
    parameter_draws,
)
from mmm_pipeline.modeling.share_prior import RECALL, RECALL_LEVEL, SURVEY_CHANNEL

ALL = "ALL"
# Saturation is reported as the weekly spend at which a channel delivers this share of
# the most it could ever deliver (logistic curve: lam * x = ln((1 + s) / (1 - s))).
SATURATION_SHARE = 0.8
# |z| above this and model and experiment disagree (two-sided 95%).
AGREEMENT_Z = 1.96

CHANNEL_ROI_COLUMNS = {
    "run_id": "VARCHAR",
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "geo": "VARCHAR",
    "channel": "VARCHAR",
    "spend": "DOUBLE",
    "contribution": "DOUBLE",
    "contribution_low": "DOUBLE",
    "contribution_high": "DOUBLE",
    "roi": "DOUBLE",
    "roi_low": "DOUBLE",
    "roi_high": "DOUBLE",
    "marginal_roi": "DOUBLE",
    "marginal_roi_low": "DOUBLE",
    "marginal_roi_high": "DOUBLE",
    "roi_unit": "VARCHAR",
    "contribution_value": "DOUBLE",
    "contribution_value_low": "DOUBLE",
    "contribution_value_high": "DOUBLE",
    "cost_per_conversion": "DOUBLE",
    "cost_per_conversion_low": "DOUBLE",
    "cost_per_conversion_high": "DOUBLE",
    "recent_weekly_spend": "DOUBLE",
    "first_week": "DATE",
    "last_week": "DATE",
}
EXPERIMENT_AGREEMENT_COLUMNS = {
    "experiment_id": "VARCHAR",
    "channel": "VARCHAR",
    "measured_lift": "DOUBLE",
    "model_lift": "DOUBLE",
    "model_lift_low": "DOUBLE",
    "model_lift_high": "DOUBLE",
    "z_score": "DOUBLE",
    "agrees": "BOOLEAN",
    "measured_sigma": "DOUBLE",
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "run_id": "VARCHAR",
    "geos": "VARCHAR",
    "message": "VARCHAR",
}
CHANNEL_PARAMETER_COLUMNS = {
    "run_id": "VARCHAR",
    "segment": "VARCHAR",
    "outcome": "VARCHAR",
    "geo": "VARCHAR",
    "channel": "VARCHAR",
    "adstock_alpha": "DOUBLE",
    "adstock_alpha_low": "DOUBLE",
    "adstock_alpha_high": "DOUBLE",
    **HORIZON_COLUMNS,
    "saturation_spend": "DOUBLE",
    "saturation_spend_low": "DOUBLE",
    "saturation_spend_high": "DOUBLE",
    "recent_weekly_spend": "DOUBLE",
    # A surveyed channel's recall (share_prior.py): its share of the survey's answers
    # over its share of the outcome, and what set it (TESTED, ASSUMED or POOLED).
    "survey_recall": "DOUBLE",
    "survey_recall_low": "DOUBLE",
    "survey_recall_high": "DOUBLE",
    "survey_recall_basis": "VARCHAR",
    # What the model reads as the channel's media (exposure.py): ``impressions`` or
    # ``spend``, why, the sd of its weekly log cost per impression, and the held-out
    # squared error with it read as spend over read as impressions, where compared.
    "exposure": "VARCHAR",
    "exposure_basis": "VARCHAR",
    "cpm_variation": "DOUBLE",
    "exposure_spend_error_ratio": "DOUBLE",
}
# What a surveyed channel's recall rests on: a lift test of the channel in the fit, the
# level the user assumed in model.yaml, or the pooled level (which lift tests on other
# surveyed channels inform, else only its prior).
TESTED = "lift test"
ASSUMED = "assumed level"
POOLED = "pooled level"
RECALL_LEVEL_COLUMNS = {
    RECALL_LEVEL: "DOUBLE",
    RECALL_LEVEL + "_low": "DOUBLE",
    RECALL_LEVEL + "_high": "DOUBLE",
    RECALL_LEVEL + "_basis": "VARCHAR",
}
# What the series' common recall level rests on.
LEVEL_FROM_TESTS = "lift tests"
LEVEL_FROM_PRIOR = "prior only"


def _with_all(draws: xr.DataArray) -> xr.DataArray:
    """Append geo ``ALL``: the per-draw sum over geos.

    Returns
    -------
    xarray.DataArray
        ``draws`` with one more geo, ``ALL``, last.
    """
    total = draws.sum(GEO).expand_dims({GEO: [ALL]})
    return xr.concat([draws, total], dim=GEO)


def _summaries(
    prefix: str, draws: np.ndarray, level: float, center: str = "mean"
) -> dict[str, float]:
    centre, low, high = interval(draws, level, center)
    return {prefix: centre, f"{prefix}_low": low, f"{prefix}_high": high}


def channel_roi(
    draws: ChannelDraws, value_per_conversion: pd.Series | None, level: float
) -> pd.DataFrame:
    """ROI, marginal ROI and cost per conversion per geo (and ``ALL``) and channel.

    ``value_per_conversion`` (per geo) turns conversions into value for outcomes that
    carry value; ROI is then value per unit of spend. For count-only outcomes (value
    ``None``) ROI is incremental conversions per unit of spend (``roi_unit``).

    Returns
    -------
    pandas.DataFrame
        One row per geo (and ``ALL``) and channel with spend there: spend, contribution,
        ROI, marginal ROI, cost per conversion and (for valued outcomes) contribution
        value, each with its interval, the recent weekly spend and the first and last
        week; the columns of :data:`CHANNEL_ROI_COLUMNS` but the run's labels.
    """
    conversions = draws.contribution.sum(DATE)
    if value_per_conversion is not None:
        vpc = xr.DataArray(
            value_per_conversion.reindex(conversions[GEO].values).fillna(0.0).to_numpy(),
            dims=[GEO],
            coords={GEO: conversions[GEO].values},
        )
        returns = conversions * vpc
        marginal_returns = draws.marginal * vpc
        unit = "value_per_spend"
    else:
        returns, marginal_returns, unit = conversions, draws.marginal, "conversions_per_spend"
    recent_spend = draws.recent_weekly_spend
    # Marginal return of ALL: extra return over extra spend, both summed over geos.
    marginal_all = (marginal_returns * recent_spend).sum(GEO) / recent_spend.sum(GEO)
    marginal = xr.concat([marginal_returns, marginal_all.expand_dims({GEO: [ALL]})], dim=GEO)
    conversions, returns = _with_all(conversions), _with_all(returns)
    spend = _with_all(draws.spend)
    recent = _with_all(recent_spend)
    weeks = draws.contribution[DATE].values
    rows = []
    for geo in conversions[GEO].values:
        for channel in conversions["channel"].values:
            cell = {GEO: geo, "channel": channel}
            spent = float(spend.sel(cell))
            if spent <= 0:  # never bought in this geo: nothing to report
                continue
            converted = conversions.sel(cell).transpose(SAMPLE).values
            returned = returns.sel(cell).transpose(SAMPLE).values
            roi = returned / spent
            with np.errstate(divide="ignore", invalid="ignore"):
                cost = np.where(converted > 0, spent / converted, np.nan)
            row = {
                "geo": geo,
                "channel": channel,
                "spend": spent,
                "roi_unit": unit,
                "recent_weekly_spend": float(recent.sel(cell)),
                "first_week": pd.Timestamp(weeks[0]).date(),
                "last_week": pd.Timestamp(weeks[-1]).date(),
            }
            row |= _summaries("contribution", converted, level)
            row |= _summaries("roi", roi, level, "median")
            row |= _summaries(
                "marginal_roi", marginal.sel(cell).transpose(SAMPLE).values, level, "median"
            )
            row |= _summaries("cost_per_conversion", cost, level, "median")
            row |= (
                _summaries("contribution_value", returned, level)
                if value_per_conversion is not None
                else dict.fromkeys(
                    ("contribution_value", "contribution_value_low", "contribution_value_high")
                )
            )
            rows.append(row)
    return pd.DataFrame(rows)


def survey_recall(
    mmm: MMM, tested: set[str], assumed: bool, level: float
) -> tuple[pd.DataFrame, dict]:
    """Each surveyed channel's recall with its interval and basis, and the common level.

    ``tested`` are the channels with a lift test in the fit's likelihood; ``assumed``
    whether model.yaml stated the level.

    Returns
    -------
    tuple of (pandas.DataFrame, dict)
        One row per surveyed channel (``survey_recall``, its interval and
        ``survey_recall_basis``), indexed by channel, empty for a fit without a survey;
        and the level's summary for ``mmm.model_runs`` (``survey_recall_level``, its
        interval and ``survey_recall_level_basis``), None values without a survey.
    """
    posterior = mmm.idata.posterior
    if RECALL not in posterior:
        return pd.DataFrame(), dict.fromkeys(RECALL_LEVEL_COLUMNS)
    recall = posterior[RECALL].stack({SAMPLE: ("chain", "draw")})
    surveyed = [str(c) for c in recall[SURVEY_CHANNEL].values]
    rows = []
    for channel in surveyed:
        basis = TESTED if channel in tested else ASSUMED if assumed else POOLED
        row = _summaries(RECALL, recall.sel({SURVEY_CHANNEL: channel}).values, level, "median")
        rows.append({"channel": channel, **row, "survey_recall_basis": basis})
    surveyed_tests = tested.intersection(surveyed)
    common = posterior[RECALL_LEVEL].values.ravel()
    run = _summaries(RECALL_LEVEL, common, level, "median")
    run[RECALL_LEVEL + "_basis"] = (
        ASSUMED if assumed else LEVEL_FROM_TESTS if surveyed_tests else LEVEL_FROM_PRIOR
    )
    return pd.DataFrame(rows).set_index("channel"), run


def exposure_rows(exposure: dict[str, ExposureChoice]) -> pd.DataFrame:
    """The exposure columns of :data:`CHANNEL_PARAMETER_COLUMNS`, indexed by channel.

    Returns
    -------
    pandas.DataFrame
        One row per channel of ``exposure`` (a panel's choices, exposure.py).
    """
    rows = {
        channel: {
            "exposure": choice.measure,
            "exposure_basis": choice.basis,
            "cpm_variation": choice.cpm_variation,
            "exposure_spend_error_ratio": choice.spend_error_ratio,
        }
        for channel, choice in exposure.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def channel_parameters(
    mmm: MMM,
    draws: ChannelDraws,
    level: float,
    horizons_from: tuple[MMM, np.ndarray] | None = None,
    per_channel: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Carry-over (form, peak, half-life, time to effect) and saturation spend, per geo.

    The carry-over figures come from the fitted kernel (horizons.py) and are a
    channel's, shared by its geos; for a downstream series, ``horizons_from`` is its
    upstream model and the funnel's lag weights, and the horizons are that model's
    kernel followed by the lag. Geo ``ALL``: retention averaged over geos weighted by
    spend, and the sum of the geos' saturation spends (the weekly budget at which every
    geo is near its ceiling). ``per_channel``, indexed by channel, adds what is the
    channel's and not a geo's to its rows in every geo: a surveyed channel's recall
    (:func:`survey_recall`) and its exposure (:func:`exposure_rows`).

    Returns
    -------
    pandas.DataFrame
        One row per geo (and ``ALL``) and channel with spend there: the retention
        ``adstock_alpha`` (for forms that have one), the horizons, the saturation spend,
        each with its interval, and the recent weekly spend; the columns of
        :data:`CHANNEL_PARAMETER_COLUMNS` but the run's labels.
    """
    like = draws.recent_weekly_spend
    lam = parameter_draws(mmm, "saturation_lam", like)
    scale = mmm.idata.constant_data["channel_scale"]
    saturation_spend = np.log((1 + SATURATION_SHARE) / (1 - SATURATION_SHARE)) / lam * scale
    bought = draws.spend > 0
    weights = draws.spend / draws.spend.sum(GEO).where(draws.spend.sum(GEO) > 0)
    alpha = None
    if "adstock_alpha" in mmm.idata.posterior:
        alpha = parameter_draws(mmm, "adstock_alpha", like)
        total = (alpha * weights).sum(GEO).expand_dims({GEO: [ALL]})
        alpha = xr.concat([alpha, total], dim=GEO)
    kernel, lag = horizons_from if horizons_from is not None else (mmm, None)
    horizons = channel_horizons(kernel, draws.spend, level, lag).set_index("channel")
    saturation_spend = _with_all(saturation_spend.where(bought, 0.0))
    bought = xr.concat([bought, bought.any(GEO).expand_dims({GEO: [ALL]})], dim=GEO)
    recent = _with_all(like)
    rows = []
    for geo in bought[GEO].values:
        for channel in bought["channel"].values:
            cell = {GEO: geo, "channel": channel}
            if not bool(bought.sel(cell)):
                continue
            row = {"geo": geo, "channel": channel, "recent_weekly_spend": float(recent.sel(cell))}
            if alpha is not None:
                row |= _summaries("adstock_alpha", alpha.sel(cell).values, level)
            if str(channel) in horizons.index:
                row |= horizons.loc[str(channel)].to_dict()
            row |= _summaries(
                "saturation_spend", saturation_spend.sel(cell).values, level, "median"
            )
            if per_channel is not None and str(channel) in per_channel.index:
                row |= per_channel.loc[str(channel)].to_dict()
            rows.append(row)
    return pd.DataFrame(rows)


def experiment_agreement(
    mmm: MMM,
    lift: pd.DataFrame,
    experiments: pd.DataFrame,
    skipped: dict[str, str],
    level: float,
) -> pd.DataFrame:
    """Each lift test's measured lift against the lift the model implies, over its window.

    ``lift`` holds the per-week calibration rows in the order they entered the model
    (one or more per test); the model's estimate for each row is per week, so the
    window's lift is the estimate times the window's weeks, summed over the test's geos.
    A test that could not enter the model has no model lift and says why.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`EXPERIMENT_AGREEMENT_COLUMNS`, one row per experiment: the
        measured and the model's lift with its interval, their z-score and whether
        ``|z|`` is within :data:`AGREEMENT_Z`, and a message; ``segment``, ``outcome``
        and ``run_id`` are left empty for the caller.
    """
    windows = experiments.set_index("experiment_id")
    rows = []
    estimates = None
    if not lift.empty and LIFT_ESTIMATE in mmm.idata.posterior:
        estimates = mmm.idata.posterior[LIFT_ESTIMATE].stack({SAMPLE: ("chain", "draw")}).values
    positions = lift.reset_index(drop=True)
    for experiment_id, test in windows.iterrows():
        measured = float(test["lift"])
        sigma = float(test["lift_sigma"])
        row = {
            "experiment_id": experiment_id,
            "channel": test["channel"],
            "measured_lift": measured,
            "measured_sigma": sigma,
        }
        parts = positions.index[positions["experiment_id"] == experiment_id]
        if estimates is None or len(parts) == 0:
            why = skipped.get(experiment_id, f"{test['channel']} is not in the model")
            row["message"] = f"{experiment_id} could not be compared: {why}"
            rows.append(row)
            continue
        weeks = float(test["window_days"]) / 7.0
        implied = estimates[parts].sum(axis=0) * weeks
        mean, low, high = interval(implied, level)
        z = (measured - mean) / np.sqrt(sigma**2 + implied.var())
        row |= {
            "model_lift": mean,
            "model_lift_low": low,
            "model_lift_high": high,
            "z_score": float(z),
            "agrees": bool(abs(z) <= AGREEMENT_Z),
            "geos": ",".join(sorted(positions.loc[parts, "geo"].unique())),
        }
        row["message"] = (
            f"{experiment_id}: the test measured {measured:,.1f} ± {sigma:,.1f}; the model "
            f"implies {mean:,.1f} [{low:,.1f}, {high:,.1f}] for the same spend change"
            + ("" if row["agrees"] else f" (z = {z:+.1f}: they DISAGREE)")
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=[*EXPERIMENT_AGREEMENT_COLUMNS])
