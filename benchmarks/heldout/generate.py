"""``generate(family, seed, out)``: one business drawn, its landing zone and its truth written.

The order of work is the order of causes: spend plans, the lift tests that change them,
the media response, the baseline, each series' outcomes, the funnel, then what tracking
and the survey show. Each step draws from its own random stream, spawned from the seed,
so changing one step's draws never shifts another's.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from heldout import baseline, cost, events, experiments, landing, truth
from heldout.business import draw_counts, draw_media_response, draw_series
from heldout.families import family as family_spec
from heldout.funnel import run_funnel
from heldout.spec import FamilySpec
from heldout.spend import weekly_plan
from heldout.timeline import Timeline

STREAMS = (
    "spend",
    "media",
    "baseline",
    "series",
    "draws",
    "funnel",
    "tests",
    "tracking",
    "landing",
)
CUSTOMERS_PER_SERIES = 10_000_000


def _streams(name: str, seed: int) -> dict[str, np.random.Generator]:
    """Independent generators per step, fixed by the family name and the seed."""
    children = np.random.SeedSequence([seed, zlib.crc32(name.encode())]).spawn(len(STREAMS))
    return {s: np.random.default_rng(c) for s, c in zip(STREAMS, children, strict=True)}


def _json_default(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _controls_frame(
    spec: FamilySpec, controls: baseline.Controls, timeline: Timeline
) -> pd.DataFrame:
    """Delivered weeks of every control; national ones once, under geo ALL."""
    dates = timeline.history_weeks.strftime("%Y-%m-%d")
    frames = []
    for name, values in controls.values.items():
        shown = values[timeline.history]
        geos = ["ALL"] if controls.national[name] else [g.name for g in spec.geos]
        for g, geo in enumerate(geos):
            frames.append(
                pd.DataFrame({"date": dates, "geo": geo, "name": name, "value": shown[:, g]})
            )
    return pd.concat(frames, ignore_index=True)


def _outcome_frame(spec, counts: np.ndarray, value: np.ndarray, timeline, geos) -> pd.DataFrame:
    """A pre-aggregated export per Monday and geo: conversions and value summed over causes."""
    weeks = timeline.history_weeks.strftime("%Y-%m-%d")
    week, geo = np.meshgrid(np.arange(len(weeks)), np.arange(len(geos)), indexing="ij")
    return pd.DataFrame(
        {
            "date": np.asarray(weeks)[week.ravel()],
            "geo": np.array(geos, dtype=object)[geo.ravel()],
            "segment": spec.segment,
            "outcome": spec.outcome,
            "conversions": counts.sum(axis=2).ravel(),
            "value": value.sum(axis=2).ravel(),
        }
    )


def generate(family: str, seed: int, out: Path) -> dict:
    """Draw one business of ``family`` with ``seed``; write its landing zone and truth to ``out``.

    Returns the ground truth, also written to ``out/ground_truth.json``.
    """
    spec = family_spec(family)
    rng = _streams(spec.draws_as or spec.name, seed)
    out = Path(out)
    timeline = Timeline(spec.start, spec.burn_in, spec.weeks)
    history, n_geos = timeline.history, len(spec.geos)
    geos = tuple(g.name for g in spec.geos)
    channels = tuple(c.name for c in spec.channels)

    drawn = [weekly_plan(c, spec.geos, timeline, rng["spend"]) for c in spec.channels]
    plan = np.stack([p for p, _ in drawn], axis=2)
    actual, windows = experiments.apply_tests(plan, spec, timeline)
    cpm = cost.cpm_multiplier(timeline, spec.cpm_season)
    moved_by = cpm if spec.exposure == "impressions" else np.ones_like(cpm)
    media = draw_media_response(spec, plan, history, moved_by, rng["media"])
    planned_response, response = media.response(plan), media.response(actual)

    trend, trend_params = baseline.trend(timeline, n_geos, rng["baseline"])
    season, season_params = baseline.seasonality(timeline, spec.holiday, rng["baseline"])
    controls = baseline.controls(spec.controls, timeline, n_geos, rng["baseline"])
    base_shape = trend * season[:, None] * controls.multiplier

    models = {
        s.key: draw_series(s, spec, base_shape, planned_response, history, rng["series"])
        for s in spec.series
        if s.funnel is None
    }
    amounts: dict[tuple[str, str], np.ndarray] = {}
    values: dict[tuple[str, str], np.ndarray] = {}
    outbound: dict[tuple[str, str], dict[str, float]] = {}
    for s in spec.series:
        if s.funnel is None:
            rates = models[s.key].rates(response)
            amounts[s.key] = draw_counts(rates, rng["draws"]) if s.unit == "count" else rates
            values[s.key] = np.zeros_like(rates) if s.unit == "count" else rates
    for s in spec.series:
        if s.funnel is not None:
            scale = np.array([g.scale for g in spec.geos])
            rate = s.funnel.outbound_per_week * scale[None, :] * base_shape
            drawn_funnel = run_funnel(s.funnel, amounts[s.funnel.upstream], rate, rng["funnel"])
            amounts[s.key], values[s.key] = drawn_funnel.counts, drawn_funnel.value
            outbound[s.key] = dict(
                zip(geos, (s.funnel.outbound_per_week * scale).tolist(), strict=True)
            )

    tests = [
        experiments.evaluate(
            t, w, models[(t.segment, t.outcome)], media, actual, plan, timeline, rng["tests"]
        )
        for t, w in zip(spec.lift_tests, windows, strict=True)
    ]

    spend_frames: dict[str, list[pd.DataFrame]] = {}
    for c, channel in enumerate(spec.channels):
        frame = landing.spend_rows(
            channel,
            actual[history, :, c],
            cpm[history],
            timeline.history_weeks,
            geos,
            rng["landing"],
        )
        spend_frames.setdefault(channel.platform, []).append(frame)
    landing.write_spend(spend_frames, out)
    recall = {c: float(rng["tracking"].uniform(0.5, 0.8)) for c in channels}
    conversions, answers = [], []
    for i, s in enumerate(spec.series):
        if s.source == "conversions":
            frame = events.conversion_events(
                amounts[s.key][history],
                s,
                timeline.history_weeks,
                geos,
                spec.channels,
                (i + 1) * CUSTOMERS_PER_SERIES,
                rng["tracking"],
            )
            conversions.append(frame)
            if s.survey_rate > 0:
                answers.append(
                    events.survey_responses(frame, s, spec.channels, recall, rng["tracking"])
                )
        else:
            delivered = _outcome_frame(
                s, amounts[s.key][history], values[s.key][history], timeline, geos
            )
            landing.write_outcomes(delivered, out, f"{s.segment}_{s.outcome}")
    if conversions:
        landing.write_conversions(conversions, out)
    if answers:
        landing.write_survey(answers, out)
    landing.write_controls(_controls_frame(spec, controls, timeline), out)
    if tests:
        landing.write_experiments(tests, out)

    result = {
        "family": spec.name,
        "description": spec.description,
        "seed": seed,
        "generator": "benchmarks/heldout",
        "geos": list(geos),
        "weeks": list(timeline.history_weeks.strftime("%Y-%m-%d")),
        "burn_in_weeks": spec.burn_in,
        "order": spec.order,
        "currency": landing.CURRENCY,
        "series": [truth.series_entry(s) for s in spec.series],
        "media_share": {
            f"{s.segment}/{s.outcome}": truth.shares(amounts[s.key][history], channels)
            for s in spec.series
        },
        "exposure": {
            "moved_by": spec.exposure,
            "cpm_multiplier": dict(
                zip(timeline.history_weeks.strftime("%Y-%m-%d"), cpm[history].tolist(), strict=True)
            ),
        },
        "channels": truth.channel_entries(
            spec, media, media.exposure(plan), history, {k: m.beta for k, m in models.items()}
        ),
        "experiments": tests,
        "funnel": [truth.funnel_entry(s, outbound[s.key]) for s in spec.series if s.funnel],
        "tracking": {
            "capture": {c.name: c.capture for c in spec.channels},
            "through_branded": {c.name: c.through_branded for c in spec.channels},
            "survey_recall": recall,
            "survey_rate": {f"{s.segment}/{s.outcome}": s.survey_rate for s in spec.series},
        },
        "baseline": {
            "trend": trend_params,
            "seasonality": season_params,
            "controls": controls.effects,
            "media_share_target": {
                f"{k[0]}/{k[1]}": m.media_share_target for k, m in models.items()
            },
            "channel_share_target": {
                f"{k[0]}/{k[1]}": m.channel_share_target for k, m in models.items()
            },
        },
        "spend_plans": dict(zip(channels, [p for _, p in drawn], strict=True)),
        "horizon_definition": truth.HORIZON_NOTE,
        "contributions": [
            row
            for s in spec.series
            for row in truth.contribution_rows(
                s, amounts[s.key][history], timeline.history_weeks, geos, channels
            )
        ],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "ground_truth.json").write_text(json.dumps(result, indent=1, default=_json_default))
    return result
