"""Recovery benchmark: how close the fitted MMM comes to the simulator's true contributions.

For each scenario and seed this simulates a landing zone with ``mmm simulate``, builds the
warehouse marts with ``mmm run``, fits one model per segment x outcome with
``fit_panel`` (the pipeline's own code: panel, lift tests, specification, profile), and
compares each paid channel's total contribution over all geos and the fitted weeks
(the holdout weeks excluded) with the true count of conversions that channel caused
(``contributions`` in ``ground_truth.json``), over the same weeks.

Per channel it reports the relative error of the posterior mean and whether the
equal-tailed 90% interval covers the truth; per scenario the median and worst relative
error and the coverage. It is a benchmark, not a test: a full run takes hours.

    .venv/bin/python benchmarks/recovery.py --help
    # quick: three geos x 130 weeks, seeds 1-3, main series, fast profile
    .venv/bin/python benchmarks/recovery.py --scenario three-geo --seeds 1 2 3 --profile fast
    # the acceptance test's shape: 3 geos x 130 weeks, 6 channels (one launched
    # mid-history), 2 lift tests
    .venv/bin/python benchmarks/recovery.py --scenario held-out-shape --seeds 1 2 3
    # the same data, plain pymc-marketing with its defaults (library_defaults.py)
    .venv/bin/python benchmarks/recovery.py --scenario held-out-shape --model defaults
    # a held-out family's one segment: demo requests, then pipeline through the funnel
    .venv/bin/python benchmarks/recovery.py --scenario heldout-b2b --segment sales_led
    # the public generator's presets (PyMC Labs' mmm-param-recovery), next to the defaults
    .venv/bin/python benchmarks/recovery.py --scenario public-small --seeds 11 12 --model both
    # everything (full profile, every scenario and series): hours on 2 cores
    .venv/bin/python benchmarks/recovery.py --all-series

Simulations and warehouses are kept under ``--workdir`` and reused when present.
Results are printed as markdown and written to ``--json`` (default
``benchmarks/results/recovery.json``). Set ``PYTHONHASHSEED=0`` for runs that repeat
exactly (docs/notes/pymc-marketing-1.3.md, gotchas).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
MMM = REPO_ROOT / ".venv" / "bin" / "mmm"
DAGSTER = REPO_ROOT / ".venv" / "bin" / "dagster"
MAIN_SERIES = ("self_serve", "signup")
ALL_SERIES = (
    ("self_serve", "signup"),
    ("self_serve", "order"),
    ("sales_led", "signup"),
    ("sales_led", "pipeline"),
)
INTERVAL = 0.90
HOLDOUT_WEEKS = 8  # as fit_panel holds out


@dataclass(frozen=True)
class Scenario:
    """One simulated business size: how many geos over how many weeks.

    ``channels`` and ``lift_tests`` (``mmm simulate --channels/--lift-tests``) shrink the
    business to the shape a model will be judged on; ``None`` keeps the simulator's.
    """

    name: str
    geos: int
    weeks: int
    channels: int | None = None
    lift_tests: int | None = None
    # A family of the independent generator (benchmarks/heldout) instead of `mmm simulate`.
    family: str | None = None
    # A preset of the public generator (../shared/benchmark-data/param-recovery): its
    # landing zone as delivered, one folder per seed.
    preset: str | None = None
    # Impressions bought at a seasonal cost move the conversions (`mmm simulate --cpm-season`).
    cpm_season: bool = False

    def simulate_options(self) -> list[str]:
        """The ``mmm simulate`` flags of this scenario, seed and folder aside."""
        options = ["--weeks", str(self.weeks), "--geos", str(self.geos)]
        if self.channels is not None:
            options += ["--channels", str(self.channels)]
        if self.lift_tests is not None:
            options += ["--lift-tests", str(self.lift_tests)]
        if self.cpm_season:
            options.append("--cpm-season")
        return options


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("one-geo", 1, 104),
        Scenario("three-geo", 3, 130),
        Scenario("three-geo-cpm", 3, 130, cpm_season=True),
        Scenario("eight-geo", 8, 156),
        # The speed requirement's shape: the fast profile fits it in under 2 minutes.
        Scenario("four-geo", 4, 150),
        # The held-out acceptance data: six paid channels, one launched mid-history
        # (TikTok, week 50), and two lift tests.
        Scenario("held-out-shape", 3, 130, channels=6, lift_tests=2),
        # Businesses written by another hand from other formulas (benchmarks/heldout):
        # Hill saturation, delayed kernels, over-dispersed and multiplicative noise.
        Scenario("heldout-b2c", 3, 130, family="b2c"),
        Scenario("heldout-b2c-cpm", 3, 130, family="b2c-cpm"),
        Scenario("heldout-b2c-cpm-spend", 3, 130, family="b2c-cpm-spend"),
        Scenario("heldout-b2b", 3, 156, family="b2b"),
        Scenario("heldout-b2b-lead", 3, 156, family="b2b-lead"),
        Scenario("heldout-aggregate-1geo", 1, 104, family="aggregate-1geo"),
        Scenario("heldout-aggregate-2geo", 2, 131, family="aggregate-2geo"),
        Scenario("heldout-aggregate-8geo", 8, 156, family="aggregate-8geo"),
        # PyMC Labs' mmm-param-recovery presets, the data of their pymc-marketing vs
        # Meridian comparison: money outcomes, amount controls, no clicks or survey.
        # Seeds 11 and 12 are delivered.
        Scenario("public-small", 1, 104, preset="small_business"),
        Scenario("public-growing", 2, 131, preset="growing_business"),
        Scenario("public-medium", 8, 156, preset="medium_business"),
    )
}
PUBLIC_PRESETS = REPO_ROOT.parent / "shared" / "benchmark-data" / "param-recovery"


def _copy_preset(preset: str, seed: int, landing: Path) -> None:
    """Copy a public preset's landing zone and write its truth as ``ground_truth.json``.

    The preset's truth is per week-ending Sunday, geo and channel; ours is per Monday
    week start (the marts' ``date_trunc('week', ...)``), segment, outcome and channel.

    Raises
    ------
    FileNotFoundError
        If the preset was not delivered with that seed.
    """
    source = PUBLIC_PRESETS / f"{preset}-seed{seed}"
    if not source.is_dir():
        delivered = sorted(p.name for p in PUBLIC_PRESETS.glob(f"{preset}-seed*"))
        raise FileNotFoundError(f"{source} not found; delivered: {', '.join(delivered)}")
    shutil.copytree(source / "landing", landing, dirs_exist_ok=True)
    truth = json.loads((source / "truth.json").read_text())
    weekly = pd.DataFrame(truth["weekly"])
    week_start = pd.to_datetime(weekly["date"]).dt.to_period("W-SUN").dt.start_time
    contributions = pd.DataFrame(
        {
            "segment": truth["segment"],
            "outcome": truth["outcome"],
            "week_start": week_start.dt.strftime("%Y-%m-%d"),
            "geo": weekly["geo"],
            "channel": weekly["channel"],
            "conversions": weekly["contribution"],
        }
    )
    ground_truth = {
        "source": f"mmm-param-recovery {preset}, seed {seed}",
        "series": [{"segment": truth["segment"], "outcome": truth["outcome"]}],
        "contributions": contributions.to_dict("records"),
    }
    (landing / "ground_truth.json").write_text(json.dumps(ground_truth))


def _use_true_lifts(landing: Path) -> None:
    """Replace each lift test's measured lift by the simulator's true lift (same sigma).

    A diagnostic: it separates the model's own error from the noise of its experiments,
    which it is built to believe.
    """
    truth = json.loads((landing / "ground_truth.json").read_text())
    true_lift = {e["experiment_id"]: e["true_lift"] for e in truth["experiments"]}
    for path in sorted((landing / "experiments").glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["lift"] = [
            f"{true_lift[i]:.1f}" if i in true_lift else lift
            for i, lift in zip(frame["experiment_id"], frame["lift"], strict=True)
        ]
        frame.to_csv(path, index=False)


def build_warehouse(workdir: Path, scenario: Scenario, seed: int, true_lifts: bool = False) -> Path:
    """Simulate a landing zone and build its marts; reuse them if already built.

    With ``true_lifts`` every lift test reports the true lift (``_use_true_lifts``).
    """
    folder = workdir / f"{scenario.name}-seed{seed}{'-truelift' if true_lifts else ''}"
    landing, warehouse = folder / "landing", folder / "warehouse.duckdb"
    if warehouse.is_file() and (landing / "ground_truth.json").is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "MMM_LANDING_DIR": str(landing),
        "MMM_WAREHOUSE": str(warehouse),
        "DAGSTER_HOME": str(folder / "dagster_home"),
    }
    (folder / "dagster_home").mkdir(exist_ok=True)
    if scenario.preset is not None:
        _copy_preset(scenario.preset, seed, landing)
    elif scenario.family is not None:
        from heldout import generate

        generate(scenario.family, seed, landing)
    else:
        simulate = [str(MMM), "simulate", "--out", str(landing), *scenario.simulate_options()]
        simulate += ["--seed", str(seed)]
        subprocess.run(simulate, check=True, env=env, capture_output=True)  # noqa: S603
    if true_lifts:
        _use_true_lifts(landing)
    # Only the data job: `mmm run` would also fit every series, which this script does
    # itself with the profile it is asked for.
    run = [str(DAGSTER), "job", "execute", "-m", "mmm_pipeline.definitions", "-j", "mmm_data"]
    with (folder / "run.log").open("w") as log:
        subprocess.run(  # noqa: S603 (fixed argv)
            run, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, check=False
        )
    if not warehouse.is_file():
        raise RuntimeError(f"{folder / 'run.log'}: the mmm_data job built no warehouse")
    return folder


def load_inputs(warehouse: Path, segment: str, outcome: str):
    """The model panel and the lift-test measurements of one segment x outcome."""
    from mmm_pipeline.modeling.lift_tests import load_calibration
    from mmm_pipeline.modeling.panel import build_panel
    from mmm_pipeline.modeling.specification import load_model_config

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        panel = build_panel(conn, segment, outcome, exposure=load_model_config().exposure)
        return panel, load_calibration(conn, segment, outcome, panel).measurements


def true_contributions(
    truth: dict, segment: str, outcome: str, dates: pd.DatetimeIndex
) -> pd.Series:
    """True conversions per source channel, summed over geos and the given weeks."""
    rows = pd.DataFrame(
        [r for r in truth["contributions"] if r["segment"] == segment and r["outcome"] == outcome]
    )
    rows["week_start"] = pd.to_datetime(rows["week_start"])
    rows = rows[rows["week_start"].isin(dates)]
    return rows.groupby("channel")["conversions"].sum()


def posterior_totals(outcome) -> pd.DataFrame:
    """Per channel: the posterior mean and 90% interval of its all-geo fitted-weeks total."""
    posterior = outcome.mmm.idata.posterior["channel_contribution_original_scale"]
    total = posterior.sum(("date", "geo")).stack(sample=("chain", "draw"))
    draws = total.transpose("channel", "sample").to_numpy()
    tail = (1 - INTERVAL) / 2
    return pd.DataFrame(
        {
            "channel": [str(c) for c in total["channel"].to_numpy()],
            "contribution": draws.mean(axis=1),
            "contribution_low": np.quantile(draws, tail, axis=1),
            "contribution_high": np.quantile(draws, 1 - tail, axis=1),
        }
    )


def fitted_weeks(outcome) -> pd.DatetimeIndex:
    """The weeks a fit was trained on (its posterior's dates)."""
    return pd.DatetimeIndex(outcome.mmm.idata.posterior["date"].to_numpy())


def score(outcome, truth: dict, segment: str, outcome_name: str) -> pd.DataFrame:
    """Per channel: truth, posterior mean and 90% interval of the all-geo total, error."""
    true = true_contributions(truth, segment, outcome_name, fitted_weeks(outcome))
    rows = []
    for row in posterior_totals(outcome).itertuples(index=False):
        actual = float(true.get(row.channel, 0.0))
        low, high, estimate = row.contribution_low, row.contribution_high, row.contribution
        rows.append(
            {
                "channel": row.channel,
                "truth": actual,
                "estimate": float(estimate),
                "low": float(low),
                "high": float(high),
                "rel_error": abs(estimate - actual) / actual if actual > 0 else np.nan,
                "covered": bool(low <= actual <= high),
            }
        )
    return pd.DataFrame(rows)


def with_peak_lags(channels: pd.DataFrame, outcome, truth: dict) -> pd.DataFrame:
    """``channels`` with the fitted kernel's peak lag (90% interval) and the true one.

    The true peak is the held-out generator's (``ground_truth.json``'s channel list);
    NaN where the truth does not state one.
    """
    from mmm_pipeline.modeling.horizons import channel_horizons

    fitted = channel_horizons(outcome.mmm, None, 0.9).set_index("channel")
    listed = truth.get("channels")
    listed = listed if isinstance(listed, list) else []
    true = {c["channel"]: c.get("peak_lag_weeks") for c in listed}
    out = channels.copy()
    for column, name in (("peak_lag", ""), ("peak_lag_low", "_low"), ("peak_lag_high", "_high")):
        out[column] = out["channel"].map(fitted[f"peak_lag_weeks{name}"]).astype(float)
    out["true_peak_lag"] = out["channel"].map(true).astype(float)
    return out


def _with_funnel(warehouse: Path, panel, upstream_fits: dict):
    """The panel with its funnel prior from this run's upstream fit (modeling/funnel.py).

    The link is the one the data stage found (``mmm.funnel_links``); the pipeline takes
    the prior from the upstream model in force, here the upstream fit of the same
    benchmark run stands in for it.
    """
    from mmm_pipeline.modeling.funnel import with_funnel_prior
    from mmm_pipeline.modeling.funnel_prior import read_funnel, read_links
    from mmm_pipeline.modeling.specification import load_model_config

    config = load_model_config().funnel
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        upstream = read_links(conn).get((panel.segment, panel.outcome))
        if upstream is None or (panel.segment, upstream) not in upstream_fits:
            return panel, None
        funnel = read_funnel(conn, panel.segment, panel.outcome, upstream, config)
    if funnel is None:
        return panel, None
    fit = upstream_fits[(panel.segment, upstream)]
    weeks = fitted_weeks(fit)
    prior = with_funnel_prior(
        panel, funnel, posterior_totals(fit), (weeks.min(), weeks.max()), INTERVAL, config
    )
    return prior, funnel


def run_one(
    folder: Path,
    segment: str,
    outcome_name: str,
    profile_name: str,
    seed: int,
    upstream_fits: dict | None = None,
) -> dict:
    """Fit one segment x outcome of one simulated business and score it.

    ``upstream_fits`` holds this run's fits by (segment, outcome); a downstream series
    takes its funnel prior from its upstream one there, and its own fit is added.
    """
    from mmm_pipeline.modeling.panel_fit import PROFILES, fit_panel, sampler_geometry

    upstream_fits = {} if upstream_fits is None else upstream_fits
    panel, lift = load_inputs(folder / "warehouse.duckdb", segment, outcome_name)
    panel, funnel = _with_funnel(folder / "warehouse.duckdb", panel, upstream_fits)
    truth = json.loads((folder / "landing" / "ground_truth.json").read_text())
    started = time.perf_counter()
    outcome = fit_panel(panel, lift, PROFILES[profile_name], seed=seed)
    seconds = time.perf_counter() - started
    upstream_fits[(segment, outcome_name)] = outcome
    channels = with_peak_lags(score(outcome, truth, segment, outcome_name), outcome, truth)
    return {
        "funnel": None if funnel is None else funnel.__dict__,
        "folder": folder.name,
        "series": f"{segment}/{outcome_name}",
        "profile": profile_name,
        "fit_seconds": round(seconds, 1),
        "max_rhat": outcome.max_rhat,
        "min_ess": outcome.min_ess,
        "divergences": outcome.divergences,
        **sampler_geometry(outcome.mmm.idata),
        "holdout_mape": outcome.holdout_mape,
        "gate_reasons": outcome.reasons,
        "lift_tests": len(lift),
        "median_rel_error": float(channels["rel_error"].median()),
        "max_rel_error": float(channels["rel_error"].max()),
        "coverage": f"{int(channels['covered'].sum())}/{len(channels)}",
        "channels": channels.to_dict("records"),
    }


def run_defaults(folder: Path, segment: str, outcome_name: str, seed: int) -> dict:
    """Fit pymc-marketing's defaults (``library_defaults``) on the same weeks and score them.

    No lift tests: the plain library, as a user would fit a panel prepared by hand.
    """
    import arviz as az
    from library_defaults import DEFAULT_SAMPLING, default_mmm

    from mmm_pipeline.modeling.panel import DATE, TARGET
    from mmm_pipeline.modeling.panel_fit import sampler_geometry
    from mmm_pipeline.modeling.specification import load_model_config

    panel, _lift_tests_unused = load_inputs(folder / "warehouse.duckdb", segment, outcome_name)
    truth = json.loads((folder / "landing" / "ground_truth.json").read_text())
    frame = panel.frame.sort_values([DATE, "geo"])
    cutoff = np.sort(frame[DATE].unique())[-HOLDOUT_WEEKS]
    train = frame[frame[DATE] < cutoff]
    mmm = default_mmm(panel, load_model_config())
    mmm.build_model(train.drop(columns=[TARGET]), train[TARGET])
    mmm.add_original_scale_contribution_variable(var=["channel_contribution"])
    started = time.perf_counter()
    idata = mmm.fit(
        train.drop(columns=[TARGET]),
        train[TARGET],
        random_seed=seed,
        progressbar=False,
        **DEFAULT_SAMPLING,
    )
    seconds = time.perf_counter() - started
    free = [v.name for v in mmm.model.free_RVs]
    summary = az.summary(idata, var_names=free, kind="diagnostics")
    channels = score(SimpleNamespace(mmm=mmm), truth, segment, outcome_name)
    return {
        "folder": folder.name,
        "series": f"{segment}/{outcome_name}",
        "profile": "library defaults",
        "fit_seconds": round(seconds, 1),
        "max_rhat": float(summary["r_hat"].max()),
        "min_ess": float(summary["ess_bulk"].min()),
        "divergences": int(idata.sample_stats["diverging"].sum()),
        **sampler_geometry(idata),
        "holdout_mape": None,
        "gate_reasons": [],
        "lift_tests": 0,
        "median_rel_error": float(channels["rel_error"].median()),
        "max_rel_error": float(channels["rel_error"].max()),
        "coverage": f"{int(channels['covered'].sum())}/{len(channels)}",
        "channels": channels.to_dict("records"),
    }


def _markdown_channels(result: dict) -> str:
    lines = [
        f"\n{result['folder']} {result['series']} ({result['profile']}, "
        f"{result['fit_seconds']} s, R-hat {result['max_rhat']:.3f}, "
        f"ESS {result['min_ess']:.0f}, {result['divergences']} divergences, "
        f"{result['lift_tests']} lift rows)\n",
        "| channel | truth | estimate | 90% interval | rel. error | covered | peak lag (truth) |",
        "|---|---:|---:|---|---:|:---:|---|",
    ]
    for c in result["channels"]:
        peak = (
            f"{c['peak_lag']:.0f} ({c['peak_lag_low']:.0f}-{c['peak_lag_high']:.0f})"
            if c.get("peak_lag") == c.get("peak_lag")
            else ""
        )
        if c.get("true_peak_lag") == c.get("true_peak_lag") and c.get("true_peak_lag") is not None:
            peak += f" ({c['true_peak_lag']:.0f})"
        lines.append(
            f"| {c['channel']} | {c['truth']:.0f} | {c['estimate']:.0f} | "
            f"{c['low']:.0f}-{c['high']:.0f} | {c['rel_error']:.0%} | "
            f"{'yes' if c['covered'] else 'no'} | {peak} |"
        )
    return "\n".join(lines)


def _markdown_summary(results: list[dict]) -> str:
    lines = [
        "| run | series | model | fit s | median rel. error | worst rel. error | "
        "90% coverage | R-hat | tree depth | steps/draw | gates |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        gates = "pass" if not r["gate_reasons"] else "; ".join(r["gate_reasons"])
        lines.append(
            f"| {r['folder']} | {r['series']} | {r['profile']} | {r['fit_seconds']} | "
            f"{r['median_rel_error']:.0%} | {r['max_rel_error']:.0%} | {r['coverage']} | "
            f"{r['max_rhat']:.3f} | {r['mean_tree_depth']:.1f} | "
            f"{r['mean_leapfrog_steps']:.0f} | {gates} |"
        )
    return "\n".join(lines)


def _series_of(folder: Path, scenario: Scenario, default: tuple) -> tuple:
    """The series to fit: every series a held-out family delivers, else ``default``."""
    if scenario.family is None and scenario.preset is None:
        return default
    truth = json.loads((folder / "landing" / "ground_truth.json").read_text())
    return tuple((s["segment"], s["outcome"]) for s in truth["series"])


def main(argv: list[str] | None = None) -> int:
    """Run the chosen scenarios and print the markdown tables."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="scenario to run (repeatable; default: all)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[1], help="simulation seeds")
    parser.add_argument("--profile", default="full", help="sampling profile (default full)")
    parser.add_argument(
        "--all-series", action="store_true", help="every segment x outcome, not only the main one"
    )
    parser.add_argument(
        "--segment", help="only this segment's series (a held-out family's, e.g. sales_led)"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "mmm-recovery",
        help="simulations and warehouses (reused when present)",
    )
    parser.add_argument(
        "--true-lift-tests",
        action="store_true",
        help="diagnostic: every lift test reports the simulator's true lift",
    )
    parser.add_argument(
        "--model",
        choices=["ours", "defaults", "both"],
        default="ours",
        help="ours (fit_panel, --profile), pymc-marketing's defaults (library_defaults.py), "
        "or both on the same data",
    )
    parser.add_argument("--json", type=Path, default=REPO_ROOT / "benchmarks/results/recovery.json")
    args = parser.parse_args(argv)
    scenarios = [SCENARIOS[n] for n in (args.scenario or SCENARIOS)]
    series = ALL_SERIES if args.all_series else (MAIN_SERIES,)
    results = []
    for scenario in scenarios:
        for seed in args.seeds:
            folder = build_warehouse(args.workdir, scenario, seed, args.true_lift_tests)
            models = ["ours", "defaults"] if args.model == "both" else [args.model]
            fits: dict = {}
            for segment, outcome_name in _series_of(folder, scenario, series):
                if args.segment and segment != args.segment:
                    continue
                for model in models:
                    if model == "defaults":
                        result = run_defaults(folder, segment, outcome_name, seed)
                    else:
                        result = run_one(folder, segment, outcome_name, args.profile, seed, fits)
                    result["scenario"] = scenario.name
                    results.append(result)
                    print(_markdown_channels(result), flush=True)
    print("\n" + _markdown_summary(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=float))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    sys.exit(main())
