"""``simulate``: the whole business from plan to landing zone and ground truth.

Each step draws from its own random stream, so switching touchpoints or incidents off
changes nothing else, and one config always gives byte-identical files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

import mmm_pipeline.simulate.experiments as tests
from mmm_pipeline.simulate.config import SimulationConfig
from mmm_pipeline.simulate.controls import build_controls, controls_table
from mmm_pipeline.simulate.deliveries import SOURCE_FOLDERS, write_deliveries
from mmm_pipeline.simulate.demand import draw_counts, expected_baseline
from mmm_pipeline.simulate.events import build_conversions, pipeline_values
from mmm_pipeline.simulate.export_events import (
    conversion_deliveries,
    outcome_delivery,
    single_deliveries,
    survey_deliveries,
    touchpoint_deliveries,
)
from mmm_pipeline.simulate.export_spend import spend_deliveries
from mmm_pipeline.simulate.incidents import incident_truth, plan_incidents
from mmm_pipeline.simulate.journeys import build_survey, build_touchpoints
from mmm_pipeline.simulate.media import (
    ad_spend_frame,
    build_grid,
    cpm_multiplier,
    daily_local_cents,
    planned_weekly_spend,
    weekly_usd,
)
from mmm_pipeline.simulate.params import build_business
from mmm_pipeline.simulate.response import expected_incremental
from mmm_pipeline.simulate.timeline import build_timeline
from mmm_pipeline.simulate.tracking import CAPTURE_CDF, build_form_table, draw_forms, draw_kinds
from mmm_pipeline.simulate.truth import build_truth, contribution_cells

STREAMS = (
    "business",
    "controls",
    "media",
    "pacing",
    "metrics",
    "demand",
    "experiments",
    "conversions",
    "pipeline",
    "tracking",
    "touchpoints",
    "survey",
    "deliveries",
)
TRUTH_FILE = "ground_truth.json"
_OUR_FILES = re.compile(r"^\d{8}-\d{4}_.+\.(csv|parquet)$")
LEAD_WEEKS_BEFORE_TEST = 3


def _streams(seed: int) -> dict[str, np.random.Generator]:
    return dict(zip(STREAMS, np.random.default_rng(seed).spawn(len(STREAMS)), strict=True))


class LandingZoneNotEmpty(ValueError):
    """The output folder already holds deliveries of another simulation."""


def _refuse_to_mix(out_dir: Path, config: SimulationConfig) -> None:
    """Stop before writing into a landing zone that holds another simulation's deliveries.

    Deliveries are never deleted, so two simulations in one folder would mix; the same
    config may be written again, since it produces byte-identical files.

    Raises
    ------
    LandingZoneNotEmpty
        When ``ground_truth.json`` records another config, or simulated deliveries lie in a
        source folder without it.
    """
    truth_path = out_dir / TRUTH_FILE
    wanted = config.model_dump(mode="json")
    if truth_path.is_file():
        found = json.loads(truth_path.read_text()).get("config")
        if found == wanted:
            return
        raise LandingZoneNotEmpty(
            f"{out_dir} already holds a simulated landing zone made with {found}; "
            f"deliveries are never deleted, so simulate {wanted} into an empty folder"
        )
    ours = [
        path
        for folder in SOURCE_FOLDERS
        if (out_dir / folder).is_dir()
        for path in (out_dir / folder).iterdir()
        if path.is_file() and _OUR_FILES.match(path.name)
    ]
    if ours:
        raise LandingZoneNotEmpty(
            f"{out_dir} already holds simulated deliveries (e.g. {ours[0]}) without "
            f"{TRUTH_FILE}; simulate into an empty folder"
        )


def simulate(out_dir: Path, config: SimulationConfig) -> dict:
    """Simulate the business, write the landing zone into ``out_dir`` and return the truth.

    Parameters
    ----------
    out_dir
        Landing zone to write: one folder per source and ``ground_truth.json``. Files a
        different simulation wrote there stop the run (LandingZoneNotEmpty); other
        files are left alone, and nothing is ever deleted.
    config
        What to simulate; the same config gives byte-identical files.

    Returns
    -------
    dict
        The ground truth, as written to ``out_dir / "ground_truth.json"``.
    """
    if out_dir.is_dir():
        _refuse_to_mix(out_dir, config)
    rng = _streams(config.seed)
    timeline = build_timeline(config)
    business = build_business(config, rng["business"])
    controls = build_controls(timeline, len(business.geos), rng["controls"])
    placed = tests.schedule(business, timeline.n_weeks, config.lift_tests)
    keep_on = [
        (e.geo_idx, e.channel_idx, max(0, e.first - LEAD_WEEKS_BEFORE_TEST), e.end) for e in placed
    ]
    planned, missing = planned_weekly_spend(business, timeline, rng["media"], keep_on)
    grid = build_grid(business, timeline, rng["pacing"])
    planned_usd = weekly_usd(grid, daily_local_cents(grid, planned, business), business)
    actual_cents = daily_local_cents(grid, tests.apply(planned, placed), business)
    actual_usd = weekly_usd(grid, actual_cents, business)

    # With a seasonal CPM, conversions follow the impressions: spend over the week's cost.
    cpm = cpm_multiplier(timeline, config.cpm_season)
    baseline = expected_baseline(business, timeline, controls)
    incremental = expected_incremental(actual_usd / cpm[:, None, None], business)
    counts = draw_counts(baseline, incremental, rng["demand"])
    test_rows, test_truth = tests.read_out(
        placed, planned_usd, actual_usd, baseline, business, timeline, rng["experiments"], cpm
    )
    conv = build_conversions(counts, business, timeline, rng["conversions"])
    pipeline_k, pipeline_cents = pipeline_values(counts, business, rng["pipeline"])

    forms = build_form_table(business.geos)
    form = draw_forms(
        draw_kinds(conv.source, CAPTURE_CDF, rng["tracking"]), conv.geo, forms, rng["tracking"]
    )
    incidents = plan_incidents(business.geo_codes, timeline.n_weeks, config.incidents)
    for incident in incidents:
        form[incident.covers(conv.geo, conv.week)] = 0

    out_dir.mkdir(parents=True, exist_ok=True)
    for folder in SOURCE_FOLDERS:
        (out_dir / folder).mkdir(exist_ok=True)
    # Each source is written before the next is built, so memory holds one source's rows.
    frame = ad_spend_frame(grid, actual_cents, missing, business, timeline, rng["metrics"], cpm)
    spend_files, restatement = spend_deliveries(frame, business, timeline, rng["deliveries"])
    written = write_deliveries(out_dir, spend_files)
    conv_files, reexport = conversion_deliveries(
        conv, form, forms, business, timeline, rng["deliveries"]
    )
    written += write_deliveries(out_dir, conv_files)
    if config.touchpoints:
        start = int(timeline.week_start_seconds[0])
        visits = build_touchpoints(conv, forms, incidents, start, rng["touchpoints"])
        written += write_deliveries(
            out_dir, touchpoint_deliveries(visits, forms, business, timeline)
        )
        del visits
    survey = build_survey(conv, business.present_sources, rng["survey"])
    written += write_deliveries(out_dir, survey_deliveries(survey, conv, timeline))
    pipeline = outcome_delivery(
        counts[:, :, pipeline_k].sum(axis=-1), pipeline_cents.sum(axis=-1), business, timeline
    )
    calendar = controls_table(timeline, controls, business.geo_codes)
    written += write_deliveries(
        out_dir, [pipeline, *single_deliveries(test_rows, calendar, timeline)]
    )

    value = contribution_cells(counts, conv, pipeline_k, pipeline_cents)
    extra = {
        "incidents": incident_truth(incidents, timeline),
        "experiments": test_truth,
        "restatement": restatement,
        "conversion_reexport": reexport,
        "deliveries": [f"{p.parent.name}/{p.name}" for p in sorted(written, key=lambda p: p.name)],
    }
    truth = build_truth(config, business, timeline, counts, value, actual_usd, extra)
    (out_dir / TRUTH_FILE).write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth
