"""The ground truth a benchmark scores against: ``ground_truth.json``'s pieces.

Contributions are per series, week, geo and channel, in the unit the series is judged
in (counts of conversions or opportunities, money for sales), with ``baseline`` for
everything media did not cause, so that the channels of a week and geo add up to what
was delivered. Time horizons are computed from the true kernels (and, downstream, the
funnel's lag), not from any model's parametrisation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heldout import kernels
from heldout.business import BASELINE, MediaResponse
from heldout.spec import FamilySpec, SeriesSpec

HORIZON_NOTE = (
    "weeks_to_half_effect / weeks_to_90pct_effect: under a constant spend that starts in "
    "week 0 and never stops, the first week (0-based) whose weekly effect reaches 50% / 90% "
    "of the steady-state weekly effect, from the true kernel with a linear response; "
    "downstream series add the funnel lag. *_at_median_spend: the same for adstock-first "
    "families at each geo's median non-zero weekly spend (saturation makes it sooner)."
)


def series_entry(spec: SeriesSpec) -> dict:
    """How a series is delivered and in what unit its truth is counted."""
    downstream = None
    if spec.funnel is not None:
        segment, outcome = spec.funnel.upstream
        downstream = {"segment": segment, "outcome": outcome}
    return {
        "segment": spec.segment,
        "outcome": spec.outcome,
        "unit": spec.unit,
        "source": spec.source,
        "downstream_of": downstream,
        "value_unit": "money" if spec.funnel is not None or spec.unit == "money" else None,
    }


def contribution_rows(
    spec: SeriesSpec,
    amount: np.ndarray,
    weeks: pd.DatetimeIndex,
    geos: tuple[str, ...],
    channels: tuple[str, ...],
) -> list[dict]:
    """Rows of the truth per week, geo and source from ``amount`` (weeks, geos, 1 + channels)."""
    names = (BASELINE, *channels)
    week, geo, source = np.meshgrid(
        np.arange(len(weeks)), np.arange(len(geos)), np.arange(len(names)), indexing="ij"
    )
    frame = pd.DataFrame(
        {
            "segment": spec.segment,
            "outcome": spec.outcome,
            "week_start": np.asarray(weeks.strftime("%Y-%m-%d"))[week.ravel()],
            "geo": np.array(geos, dtype=object)[geo.ravel()],
            "channel": np.array(names, dtype=object)[source.ravel()],
            "conversions": amount.ravel().astype(float),
        }
    )
    if spec.unit == "money":
        frame["conversions"] = frame["conversions"].round(2)
    return frame.to_dict("records")


def shares(amount: np.ndarray, channels: tuple[str, ...]) -> dict[str, float]:
    """Each source's share of the series over the delivered weeks and all geos."""
    totals = amount.sum(axis=(0, 1))
    return {n: float(t / totals.sum()) for n, t in zip((BASELINE, *channels), totals, strict=True)}


def _cumulative_at_spend(kernel: np.ndarray, spend: float, half: float, shape: float) -> np.ndarray:
    steady = kernels.hill(np.array([spend]), half, shape)[0]
    return kernels.hill(spend * np.cumsum(kernel), half, shape) / steady


def _first(reached: np.ndarray, share: float) -> int:
    return int(np.argmax(reached >= share - 1e-12))


def _downstream(reached: np.ndarray, lag_pmf: np.ndarray) -> np.ndarray:
    """Share of the steady effect reached per week once a lag is added after the effect."""
    steps = np.diff(reached, prepend=0.0)
    return np.cumsum(np.convolve(steps, lag_pmf))


def channel_entries(
    family: FamilySpec,
    media: MediaResponse,
    plan: np.ndarray,
    history: slice,
    betas: dict[tuple[str, str], np.ndarray],
) -> list[dict]:
    """Per channel its kernel, Hill curve and, per series, horizons and coefficients."""
    entries = []
    geos = tuple(g.name for g in family.geos)
    for c, spec in enumerate(family.channels):
        kernel = media.kernels[spec.name]
        linear = np.cumsum(kernel)
        medians = []
        for g in range(len(geos)):
            seen = plan[history, g, c]
            medians.append(float(np.median(seen[seen > 0])) if (seen > 0).any() else 0.0)
        at_spend = [
            _cumulative_at_spend(kernel, m, media.half[g, c], media.shape[c]) if m > 0 else linear
            for g, m in enumerate(medians)
        ]
        per_series = []
        for series in family.series:
            reached_linear, reached_geo = linear, at_spend
            lag = None
            if series.funnel is not None:
                f = series.funnel
                lag = kernels.rounded_gamma_pmf(f.lag_mean, f.lag_sd, f.max_lag_weeks + 1)
                reached_linear = _downstream(linear, lag)
                reached_geo = [_downstream(r, lag) for r in at_spend]
                beta = betas[f.upstream][:, c]
            else:
                beta = betas[series.key][:, c]
            entry = {
                "segment": series.segment,
                "outcome": series.outcome,
                "peak_lag_weeks": int(np.argmax(np.diff(reached_linear, prepend=0.0))),
                "weeks_to_half_effect": _first(reached_linear, 0.5),
                "weeks_to_90pct_effect": _first(reached_linear, 0.9),
                "coefficient": dict(zip(geos, beta.tolist(), strict=True)),
                "coefficient_unit": "upstream conversions per week at full saturation"
                if lag is not None
                else f"{series.unit} per week at full saturation",
            }
            if lag is not None:
                entry["funnel_lag_weeks_mean"] = series.funnel.lag_mean
            if family.order == "adstock_first":
                entry["weeks_to_half_effect_at_median_spend"] = {
                    geo: _first(r, 0.5) for geo, r in zip(geos, reached_geo, strict=True)
                }
                entry["weeks_to_90pct_effect_at_median_spend"] = {
                    geo: _first(r, 0.9) for geo, r in zip(geos, reached_geo, strict=True)
                }
            per_series.append(entry)
        entries.append(
            {
                "channel": spec.name,
                "kernel": media.kernel_kinds[spec.name],
                "params": media.kernel_params[spec.name],
                "weights": kernel.round(6).tolist(),
                **kernels.horizons(kernel),
                "order": family.order,
                "saturation": {
                    "form": "hill",
                    "shape": float(media.shape[c]),
                    "half_saturation_ratio_to_median": float(media.half_ratio[c]),
                    "half_saturation": dict(zip(geos, media.half[:, c].tolist(), strict=True)),
                    "half_saturation_applies_to": "carried-over weekly spend"
                    if family.order == "adstock_first"
                    else "weekly spend",
                },
                "median_weekly_spend": dict(zip(geos, medians, strict=True)),
                "spend_pattern": spec.pattern,
                "series": per_series,
            }
        )
    return entries


def funnel_entry(spec: SeriesSpec, outbound: dict[str, float]) -> dict:
    """The funnel behind a downstream series, in the form the brief asks for."""
    f = spec.funnel
    segment, outcome = f.upstream
    return {
        "segment": spec.segment,
        "outcome": spec.outcome,
        "upstream": {"segment": segment, "outcome": outcome},
        "conversion_rate": f.rate,
        "lag_weeks": {
            "distribution": "gamma, rounded to whole weeks",
            "mean": f.lag_mean,
            "sd": f.lag_sd,
            "max": f.max_lag_weeks,
        },
        "value_per_unit": {
            "distribution": "lognormal",
            "mean": f.amount_mean,
            "sigma": f.amount_sigma,
        },
        "value_per_upstream_conversion": f.rate * f.amount_mean,
        "outbound_per_week": outbound,
        "outbound_note": "expected outbound opportunities per week at the first delivered "
        "week, before the geo's trend, seasonality and controls scale it",
        "outbound_value_mean": 1.25 * f.amount_mean,
        "truth_quantity": "conversions (opportunities created), credited to the channel "
        "that caused the demo request; outbound and baseline demo requests under baseline",
    }
