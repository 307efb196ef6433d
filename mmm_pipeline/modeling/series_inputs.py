"""What a fit of one series reads from the warehouse, read at once before sampling starts.

Reading everything first (readiness, the panel, the funnel prior, lift tests, the
experiments, the value of a conversion) lets the warehouse be closed while the sampler
runs for minutes, so other fits and the dbt build are not kept waiting.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from duckdb import DuckDBPyConnection

from mmm_pipeline.marts import experiments, value_and_conversions_by_geo
from mmm_pipeline.modeling.funnel import Funnel
from mmm_pipeline.modeling.funnel_prior import read_funnel_prior
from mmm_pipeline.modeling.lift_tests import ALL_SEGMENTS, Calibration, load_calibration
from mmm_pipeline.modeling.panel import ModelPanel, build_panel
from mmm_pipeline.modeling.runs import readiness_verdict
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.modeling.specification import load_model_config


class NotReady(Exception):
    """The readiness verdict says this series must not be fitted (yet)."""


@dataclass(frozen=True)
class SeriesInputs:
    """Everything a fit reads from the warehouse, read at once before sampling starts."""

    panel: ModelPanel
    calibration: Calibration
    experiments: pd.DataFrame
    value_per_conversion: pd.Series | None
    # How this series follows the upstream one its prior came from (funnel.py), if any,
    # and that upstream series' run in force.
    funnel: Funnel | None = None
    upstream_run: dict | None = None


def read_inputs(conn: DuckDBPyConnection, series: Series, level: float) -> SeriesInputs:
    """Read a series' inputs, refusing a series that the readiness stage did not pass.

    A downstream series (pipeline) takes its prior from its upstream series' model in
    force, carried through the funnel (funnel.py), at the interval ``level`` that
    model's published intervals have.

    Returns
    -------
    SeriesInputs
        The panel (with its funnel prior, if any), the lift-test calibration, the
        series' experiments, its value per conversion, and the funnel and upstream run.

    Raises
    ------
    NotReady
        When ``mmm.readiness`` has no passing ``ALL``-geo verdict for the series.
    """
    ready, reasons = readiness_verdict(conn, series)
    if not ready:
        raise NotReady(f"{series.segment} x {series.outcome} is not ready for an MMM: {reasons}")
    panel = build_panel(conn, series.segment, series.outcome, exposure=load_model_config().exposure)
    panel, funnel, upstream_run = read_funnel_prior(conn, panel, level, load_model_config().funnel)
    return SeriesInputs(
        panel=panel,
        funnel=funnel,
        upstream_run=upstream_run,
        calibration=load_calibration(conn, series.segment, series.outcome, panel),
        experiments=_experiments(conn, series),
        value_per_conversion=_value_per_conversion(conn, series),
    )


def _value_per_conversion(conn: DuckDBPyConnection, series: Series) -> pd.Series | None:
    """Mean value of one conversion per geo, or None for an outcome that carries no value.

    Returns
    -------
    pandas.Series or None
        Indexed by geo: total value over total conversions, for the geos with
        conversions; None when the series' total value is not positive.
    """
    frame = value_and_conversions_by_geo(conn, series.segment, series.outcome)
    if frame["value"].fillna(0).sum() <= 0:
        return None
    frame = frame[frame["conversions"] > 0]
    return (frame["value"] / frame["conversions"]).set_axis(frame["geo"])


def _experiments(conn: DuckDBPyConnection, series: Series) -> pd.DataFrame:
    return experiments(conn, series.outcome, [series.segment, ALL_SEGMENTS])
