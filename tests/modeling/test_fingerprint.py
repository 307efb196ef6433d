"""Reruns that change nothing: a fit is skipped exactly when nothing it reads changed."""

from __future__ import annotations

from dataclasses import replace

import dagster as dg
import pandas as pd

from mmm_pipeline.modeling.fingerprint import fit_fingerprint, latest_run, part_digests
from mmm_pipeline.modeling.series import Series
from mmm_pipeline.modeling.series_inputs import read_inputs
from tests.fitted_model import materialized

SETTINGS = {"profile": "fast", "seed": 1}


def _fingerprint(inputs, settings: dict) -> str:
    return fit_fingerprint(part_digests(inputs, settings))


def test_the_fingerprint_moves_with_every_input_and_setting(fitted: dict) -> None:
    conn = fitted["conn"]
    inputs = read_inputs(conn, Series("self_serve", "signup"), 0.9)
    same = _fingerprint(read_inputs(conn, Series("self_serve", "signup"), 0.9), SETTINGS)
    assert _fingerprint(inputs, SETTINGS) == same
    frame = inputs.panel.frame.copy()
    frame.loc[frame.index[-1], "meta"] += 0.01
    nudged_spend = replace(inputs, panel=replace(inputs.panel, frame=frame))
    lift = inputs.calibration.measurements.copy()
    lift.loc[0, "delta_y"] *= 1.01
    nudged_lift = replace(inputs, calibration=replace(inputs.calibration, measurements=lift))
    shares = replace(inputs, panel=replace(inputs.panel, prior_shares={"meta": 0.5}))
    changed = [
        _fingerprint(nudged_spend, SETTINGS),
        _fingerprint(nudged_lift, SETTINGS),
        _fingerprint(shares, SETTINGS),
        _fingerprint(inputs, SETTINGS | {"seed": 2}),
    ]
    assert same not in changed and len(set(changed)) == len(changed)


def test_a_rerun_on_unchanged_inputs_fits_and_publishes_nothing(fitted: dict) -> None:
    rerun = fitted["rerun"]
    assert rerun.success and materialized(rerun) == set()
    (observation,) = [
        event.event_specific_data.asset_observation
        for event in rerun.all_events
        if event.event_type == dg.DagsterEventType.ASSET_OBSERVATION
    ]
    runs = fitted["conn"].execute("select * from mmm.model_runs order by fitted_at").df()
    assert len(runs) == 4  # the accepted fit and the three rejected attempts, no more
    assert observation.metadata["reused_run_id"].value == runs["run_id"].iloc[-1]
    latest = latest_run(fitted["conn"], Series("self_serve", "signup"))
    assert latest is not None and latest["run_id"] == runs["run_id"].iloc[-1]


def test_every_fit_says_why_it_was_fitted(fitted: dict) -> None:
    runs = fitted["conn"].execute("select * from mmm.model_runs order by fitted_at").df()
    assert runs["fit_reason"].iloc[0] == "first fit of this series"
    # The impossible profile is a changed setting; its attempts share one fingerprint.
    assert runs["fit_reason"].iloc[1].startswith("settings changed since fit")
    assert runs["input_fingerprint"].iloc[1:].nunique() == 1
    assert runs["input_fingerprint"].iloc[0] != runs["input_fingerprint"].iloc[1]
    assert pd.notna(runs["input_fingerprint"]).all()
