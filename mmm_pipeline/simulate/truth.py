"""``ground_truth.json``: the parameters and the true split of every delivered conversion.

Contributions are counted from the simulated rows themselves (not from expectations),
so per week, geo, segment and outcome they add up exactly to what was delivered, value
included to the cent. Money is USD, the reporting currency.
"""

from __future__ import annotations

import numpy as np

from mmm_pipeline.simulate.business import (
    ADSTOCK_L_MAX,
    CHANNEL_NAMES,
    CHANNELS,
    SERIES,
    SOURCES,
    WOM,
    WOM_LOOKBACK_WEEKS,
)
from mmm_pipeline.simulate.config import SimulationConfig
from mmm_pipeline.simulate.events import Conversions
from mmm_pipeline.simulate.params import Business
from mmm_pipeline.simulate.timeline import Timeline

MODEL = {
    "adstock": f"geometric, weights alpha**l / sum(alpha**l) for l < {ADSTOCK_L_MAX} "
    "(pymc-marketing GeometricAdstock, normalize=True)",
    "saturation": "logistic (1 - exp(-lam * x)) / (1 + exp(-lam * x)) with "
    "x = adstocked weekly spend in USD / typical_weekly_spend_usd",
    "incremental": "beta * saturation: expected incremental conversions per week",
    "baseline": "base * (1 + trend)**years * yearly Fourier seasonality * "
    "exp(gamma_promotion * weekly mean promotion + gamma_holiday * weekly share of holidays)",
    "word_of_mouth": f"rho * mean of the previous {WOM_LOOKBACK_WEEKS} weeks' total conversions",
    "counts": "each source's weekly count is Poisson around its expectation",
}


def _money(cents: float) -> float:
    return round(float(cents) / 100.0, 2)


def contribution_cells(
    counts: np.ndarray, conv: Conversions, pipeline_k: int, pipeline_cents: np.ndarray
) -> np.ndarray:
    """Value in cents per (week, geo, series, source), from the delivered rows.

    Returns
    -------
    np.ndarray
        Int64 cents, shape of ``counts``: the delivered conversions' values summed, and the
        CRM series (``pipeline_k``) taken from ``pipeline_cents``.
    """
    cells = np.ravel_multi_index((conv.week, conv.geo, conv.series, conv.source), counts.shape)
    value = np.bincount(cells, weights=conv.value_cents, minlength=counts.size)
    value = np.rint(value).astype(np.int64).reshape(counts.shape)
    value[:, :, pipeline_k, :] = pipeline_cents
    return value


def _by_series(values: list) -> dict[str, dict]:
    """Nest one value per series as ``{segment: {outcome: value}}``.

    Returns
    -------
    dict of str to dict
        The values of ``SERIES``' order, nested by segment and outcome.
    """
    out: dict[str, dict] = {}
    for s, v in zip(SERIES, values, strict=True):
        out.setdefault(s.segment, {})[s.outcome] = v
    return out


def _contributions(
    counts: np.ndarray, value: np.ndarray, codes: list[str], timeline: Timeline
) -> list[dict]:
    weeks = timeline.week_iso()
    records = []
    for w, g, k, s in zip(*np.nonzero(counts), strict=True):
        records.append(
            {
                "week_start": weeks[w],
                "geo": codes[g],
                "segment": SERIES[k].segment,
                "outcome": SERIES[k].outcome,
                "channel": SOURCES[s],
                "conversions": int(counts[w, g, k, s]),
                "value": _money(value[w, g, k, s]),
            }
        )
    return records


def _parameters(business: Business) -> dict:
    out: dict = {}
    for c, channel in enumerate(CHANNELS):
        if not business.available[:, c].any():
            continue
        per_geo = {}
        for g, code in enumerate(business.geo_codes):
            if not business.available[g, c]:
                continue
            per_geo[code] = {
                "adstock_alpha": channel.adstock_alpha,
                "saturation_lam": channel.saturation_lam,
                "typical_weekly_spend_usd": round(float(business.typical[g, c]), 2),
                "launch_week": int(business.launch[g, c]),
                "beta": _by_series(
                    [round(float(business.beta[g, c, k]), 6) for k in range(len(SERIES))]
                ),
            }
        out[channel.name] = per_geo
    return out


def build_truth(
    config: SimulationConfig,
    business: Business,
    timeline: Timeline,
    counts: np.ndarray,
    value: np.ndarray,
    spend_usd: np.ndarray,
    extra: dict,
) -> dict:
    """Assemble the ground truth; ``extra`` carries incidents, experiments and deliveries.

    Returns
    -------
    dict
        The record written to ``ground_truth.json``: config, model, per geo, series and
        channel the true parameters, totals, true contributions per week and source, and
        weekly spend per geo and channel.
    """
    codes = business.geo_codes
    weeks = timeline.week_iso()
    paid = counts[..., :WOM].sum(axis=(0, 1, 3))
    totals_by_series = counts.sum(axis=(0, 1, 3))
    media_weekly = [
        {
            "week_start": weeks[w],
            "geo": codes[g],
            "channel": CHANNEL_NAMES[c],
            "spend": round(float(spend_usd[w, g, c]), 2),
        }
        for w in range(timeline.n_weeks)
        for g in range(len(codes))
        for c in range(len(CHANNELS))
        if business.available[g, c] and w >= business.launch[g, c]
    ]
    return {
        "config": config.model_dump(mode="json"),
        "reporting_currency": "USD",
        "model": MODEL,
        "weeks": {"first_week_start": weeks[0], "last_week_start": weeks[-1]},
        "geos": {
            g.code: {
                "size": g.size,
                "currency": g.currency,
                "fx_rate_to_usd": float(business.rates[i]),
                "paid_media_launch_week": int(
                    business.launch[i].min(initial=timeline.n_weeks, where=business.available[i])
                ),
                "baseline_trend_per_year": g.trend_per_year,
                "value_factor": g.value_factor,
            }
            for i, g in enumerate(business.geos)
        },
        "series": [
            {
                "segment": s.segment,
                "outcome": s.outcome,
                "delivered_as": s.delivered_as,
                "base_weekly": {
                    c: round(float(business.base[g, k]), 4) for g, c in enumerate(codes)
                },
                "word_of_mouth_rho": s.wom_rho,
                "gamma_promotion": s.gamma_promotion,
                "gamma_holiday": s.gamma_holiday,
                "seasonality_fourier": list(s.season),
                "mean_value_usd": s.value_mean_usd,
                "paid_share": round(float(paid[k] / max(totals_by_series[k], 1)), 4),
            }
            for k, s in enumerate(SERIES)
        ],
        "channels": _parameters(business),
        **extra,
        "totals": {
            "spend_usd": {
                code: {
                    CHANNEL_NAMES[c]: round(float(spend_usd[:, g, c].sum()), 2)
                    for c in range(len(CHANNELS))
                    if business.available[g, c]
                }
                for g, code in enumerate(codes)
            },
            "conversions": _by_series(
                [
                    {
                        "conversions": int(counts[:, :, k].sum()),
                        "value": _money(value[:, :, k].sum()),
                    }
                    for k in range(len(SERIES))
                ]
            ),
        },
        "contributions": _contributions(counts, value, codes, timeline),
        "media_weekly": media_weekly,
    }
