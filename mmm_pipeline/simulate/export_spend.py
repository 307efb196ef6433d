"""``ad_spend/`` deliveries: one file per platform per quarter, and a late restatement.

Meta restates its last weeks (invalid traffic credited back), so the quarterly files
carry slightly inflated spend for those days and a restatement file delivered last
carries the true figures under the same keys.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from mmm_pipeline.simulate.campaigns import PLATFORMS, platform_label
from mmm_pipeline.simulate.deliveries import (
    Delivery,
    at_day,
    quarter_codes,
    quarter_end,
    quarter_label,
)
from mmm_pipeline.simulate.formats import counts, dates, money
from mmm_pipeline.simulate.params import Business
from mmm_pipeline.simulate.timeline import Timeline

RESTATED_PLATFORM = "meta"


def restated_weeks(n_weeks: int) -> int:
    """How many trailing weeks the restatement covers: about eight, less for short runs.

    Returns
    -------
    int
        A quarter of the history's weeks, kept between 2 and 8.
    """
    return min(8, max(2, n_weeks // 4))


def _table(
    frame: pd.DataFrame, labels: np.ndarray, currency: np.ndarray, days: np.ndarray
) -> pa.Table:
    return pa.table(
        {
            "date": dates(days[frame["day"].to_numpy()]),
            "geo": pa.array(frame["geo"].to_numpy(dtype=object), pa.string()),
            "platform": pa.array(labels, pa.string()),
            "campaign": pa.array(frame["campaign"].to_numpy(dtype=object), pa.string()),
            "currency": pa.array([c or None for c in currency], pa.string()),
            "spend": money(frame["spend_cents"].to_numpy()),
            "impressions": counts(frame["impressions"].to_numpy()),
            "clicks": counts(frame["clicks"].to_numpy()),
            "engagements": counts(frame["engagements"].to_numpy()),
        }
    )


def spend_deliveries(
    frame: pd.DataFrame, business: Business, timeline: Timeline, rng: np.random.Generator
) -> tuple[list[Delivery], dict]:
    """Split exported rows into quarterly platform files plus the restatement.

    ``frame`` holds the true spend (``spend_cents``); returns the deliveries and the
    restatement's ground-truth record.

    Returns
    -------
    tuple of (list of Delivery, dict)
        One file per quarter and platform, then Meta's restatement if it covers any row, and
        the truth record: rows restated, their dates and the total correction in USD.
    """
    frame = frame.copy()
    codes = business.geo_codes
    frame["geo"] = [codes[g] for g in frame["geo_idx"]]
    quarter = quarter_codes(timeline.days[frame["day"].to_numpy()])
    first_quarter, n_quarters = int(quarter.min()), int(quarter.max() - quarter.min() + 1)
    labels = np.array(
        [
            platform_label(p, int(q) - first_quarter, n_quarters)
            for p, q in zip(frame["platform_key"], quarter, strict=True)
        ],
        dtype=object,
    )
    currency = np.array(
        [
            PLATFORMS[p].us_currency if code == "US" else business.geos[g].currency
            for p, g, code in zip(
                frame["platform_key"], frame["geo_idx"], frame["geo"], strict=True
            )
        ],
        dtype=object,
    )
    first_restated = timeline.n_days - 7 * restated_weeks(timeline.n_weeks)
    restated = (frame["platform_key"] == RESTATED_PLATFORM).to_numpy() & (
        frame["day"].to_numpy() >= first_restated
    )
    true_cents = frame["spend_cents"].to_numpy()
    inflation = rng.uniform(1.01, 1.07, len(frame))
    original = frame.assign(
        spend_cents=np.where(restated, np.rint(true_cents * inflation), true_cents).astype(np.int64)
    )
    deliveries = []
    platform_keys = list(PLATFORMS)
    end_day = timeline.days[-1]
    for q in np.unique(quarter):
        due = min(quarter_end(int(q)), end_day) + np.timedelta64(2, "D")
        for p_index, key in enumerate(platform_keys):
            rows = (quarter == q) & (frame["platform_key"] == key).to_numpy()
            if not rows.any():
                continue
            deliveries.append(
                Delivery(
                    "ad_spend",
                    f"{key}_spend_{quarter_label(int(q))}",
                    at_day(due, hour=7) + timedelta(minutes=10 * p_index),
                    partial(_table, original[rows], labels[rows], currency[rows], timeline.days),
                )
            )
    truth = {"platform": RESTATED_PLATFORM, "rows": int(restated.sum())}
    if restated.any():
        first, last = timeline.days[first_restated], end_day
        deliveries.append(
            Delivery(
                "ad_spend",
                f"{RESTATED_PLATFORM}_spend_restatement_{first}_{last}",
                at_day(end_day + np.timedelta64(9, "D"), hour=7),
                partial(
                    _table, frame[restated], labels[restated], currency[restated], timeline.days
                ),
            )
        )
        overstated = (original["spend_cents"] - frame["spend_cents"]).to_numpy()[restated]
        rates = business.rates[frame["geo_idx"].to_numpy()[restated]]
        truth |= {
            "first_date": str(first),
            "last_date": str(last),
            "restated_minus_original_usd": round(float(-(overstated * rates).sum() / 100), 2),
        }
    return deliveries, truth
