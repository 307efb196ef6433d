"""Every series' attribution, read from the warehouse at once and computed after.

Loading each model in force and predicting with it takes seconds per series, so the
warehouse is read first (click credit, observed totals, survey counts, panels, the
ledger), the connection is closed, and only then are models loaded. DuckDB has one
writer per file; holding it through that work would lock out readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from duckdb import DuckDBPyConnection
from pymc_marketing.mmm import MMM

from mmm_pipeline.attribution.click_models import click_attribution
from mmm_pipeline.attribution.demand import demand_draws, model_frame
from mmm_pipeline.attribution.series_attribution import (
    ATTRIBUTION_WEEKLY_COLUMNS,
    demand_capture_channels,
    observed,
    series_attribution,
)
from mmm_pipeline.attribution.shift import ATTRIBUTION_SHIFT_COLUMNS
from mmm_pipeline.attribution.word_of_mouth import survey_counts
from mmm_pipeline.modeling.drift import drift_message
from mmm_pipeline.modeling.panel import ModelPanel, build_panel
from mmm_pipeline.modeling.runs import (
    default_models_dir,
    load_model,
    model_in_force,
    readiness_verdict,
    series_in_marts,
)
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.modeling.specification import load_model_config
from mmm_pipeline.publish import concat_rows, has_table


@dataclass(frozen=True)
class SeriesSources:
    """What one series' attribution reads from the warehouse."""

    series: Series
    observed: pd.DataFrame
    clicks: pd.DataFrame
    survey: pd.DataFrame
    run: dict | None
    panel: ModelPanel | None
    # The readiness stage's verdict: a ready series without a model in force needs a fit.
    ready: bool = False


@dataclass(frozen=True)
class AttributionSources:
    """What every series' attribution reads, and the demand-capture channels.

    ``models_dir`` is the folder the models in force are loaded from, and only from
    (None: ``<data_dir>/models``).
    """

    series: list[SeriesSources]
    pool_channels: list[str]
    models_dir: Path | None = None


def read_sources(
    conn: DuckDBPyConnection, lookback_days: int, models_dir: Path | None = None
) -> AttributionSources:
    """Read everything the attribution needs; models are loaded later, from their files.

    Parameters
    ----------
    conn
        A connection to the warehouse with the marts built; it reads the click paths,
        observed totals, survey answers, panels, ``mmm.model_runs`` and ``mmm.readiness``.
    lookback_days
        The touchpoint window of the click-based paths, in days (see ``click_attribution``).
    models_dir
        The folder model files must lie in (default ``<data_dir>/models``).

    Returns
    -------
    AttributionSources
        One :class:`SeriesSources` per segment x outcome in the marts (a panel only for a
        series with a model in force), the demand-capture channels and the models folder.
    """
    models_dir = models_dir if models_dir is not None else default_models_dir()
    clicks = click_attribution(conn, lookback_days)
    sources = []
    for series in series_in_marts(conn):
        segment, outcome = series
        run = model_in_force(conn, series, models_dir)
        sources.append(
            SeriesSources(
                series=series,
                observed=observed(conn, series),
                clicks=clicks[(clicks["segment"] == segment) & (clicks["outcome"] == outcome)],
                survey=survey_counts(conn, segment, outcome),
                run=run,
                panel=build_panel(conn, segment, outcome, exposure=load_model_config().exposure)
                if run is not None
                else None,
                ready=_is_ready(conn, series),
            )
        )
    return AttributionSources(
        series=sources, pool_channels=demand_capture_channels(conn), models_dir=models_dir
    )


def _is_ready(conn: DuckDBPyConnection, series: Series) -> bool:
    """The all-geo readiness verdict of ``series`` (False before the quality stage ran).

    Returns
    -------
    bool
        True when ``mmm.readiness`` exists and marks the series ready in all geos together.
    """
    return has_table(conn, "mmm.readiness") and readiness_verdict(conn, series)[0]


class AttributionTables(NamedTuple):
    """The two tables' rows, and every series whose actuals left its model's range."""

    weekly: pd.DataFrame
    shift: pd.DataFrame
    drift: list[str]


def attribution_tables(sources: AttributionSources, level: float) -> AttributionTables:
    """``mmm.attribution_weekly`` and ``mmm.attribution_shift`` rows for every series.

    Each model in force is loaded once, for its demand and for the drift check.

    Parameters
    ----------
    sources
        What :func:`read_sources` read.
    level
        Probability mass of the published intervals, e.g. 0.9.

    Returns
    -------
    AttributionTables
        ``weekly`` and ``shift`` rows of all series in the tables' column order (empty
        tables when there are none), and one drift message per series whose actuals left
        its model's range.
    """
    weekly, shift, drift = [], [], []
    for source in sources.series:
        run, panel = source.run, source.panel
        demand = None
        if run is not None and panel is not None:
            mmm = load_model(run, sources.models_dir)
            frame = model_frame(panel, mmm)
            message = drift_message(mmm, panel, frame, pd.Timestamp(run["last_week"]), level)
            drift += [message] if message else []

            def demand(samples: int, mmm: MMM = mmm, frame: pd.DataFrame = frame):
                return demand_draws(mmm, frame, samples)

        result = series_attribution(
            source.series,
            source.observed,
            source.clicks,
            source.survey,
            sources.pool_channels,
            level,
            demand=demand,
            run_id=run["run_id"] if run is not None else None,
        )
        weekly.append(result.weekly)
        shift.append(result.shift)
    return AttributionTables(
        concat_rows(weekly, ATTRIBUTION_WEEKLY_COLUMNS),
        concat_rows(shift, ATTRIBUTION_SHIFT_COLUMNS),
        drift,
    )


def coverage_gaps(sources: AttributionSources) -> list[str]:
    """Series, geos and channels in today's data that no model in force was fitted on.

    A refresh attributes with the model in force, which knows nothing of a geo or paid
    channel that appeared since, and a new segment or outcome has no model at all: both
    need a fit, not a refresh.

    Parameters
    ----------
    sources
        What :func:`read_sources` read.

    Returns
    -------
    list of str
        At most one message per series, saying what is missing and what to run: a ready
        series without a model in force, or the geos and channels its model lacks. Empty
        when every model in force covers today's data.
    """
    gaps = []
    for source in sources.series:
        if source.run is None and source.ready:
            gaps.append(
                f"{source.series.segment}/{source.series.outcome}: ready for an MMM but no "
                "model in force (a new segment or outcome in the data, or no fit accepted "
                f"yet): fit it (mmm_fit partition {source.series.key}); until then its "
                "attribution is click-based only"
            )
        if source.run is None or source.panel is None:
            continue
        fitted = {
            "geos": set(filter(None, str(source.run.get("geos") or "").split(","))),
            "channels": set(filter(None, str(source.run.get("channels") or "").split(","))),
        }
        new = {
            "geos": sorted(set(source.panel.geos) - fitted["geos"]),
            "channels": sorted(set(source.panel.channels) - fitted["channels"]),
        }
        found = [f"{kind} {', '.join(names)}" for kind, names in new.items() if names]
        if found:
            gaps.append(
                f"{source.series.segment}/{source.series.outcome}: {'; '.join(found)} in the "
                f"data but not in the model in force ({source.run['run_id']}): refit this "
                "series (mmm_fit or the quarterly_refit schedule); a refresh cannot attribute them"
            )
    return gaps
