"""Sampler benchmark: effective samples per second of one MMM fit, ours against the defaults.

On one panel (by default self_serve/signup of a simulated 3-geo, 130-week business) it
fits, each in its own process so compile caches and peak memory are measured cleanly:

- ``default``: pymc-marketing's defaults. Same structure as ours (geometric adstock with
  our ``l_max``, logistic saturation, our Fourier order, the controls, a ``LinearTrend``
  with its default priors, the lift tests), but pymc-marketing's default priors and
  scaling (one max over all geos) and ``pm.sample``'s default settings (1000 tune,
  1000 draws, target_accept 0.8, ``cores`` = 2 on this machine and so 2 chains).
  The sampler is pinned to PyMC's NUTS: pymc 6.3 would pick nutpie by itself now that
  it is installed.
- ``pymc`` and ``nutpie``: the model production fits (``model_build.build_model``:
  model.yaml, the lift tests, the share prior and the return prior) with a profile of
  ``mmm_pipeline.modeling.panel_fit.PROFILES`` (``--profile``, default full), with that sampler.

All fits are on the training weeks (the last 8 held out, as ``fit_panel`` does), with the
lift tests and the original-scale contribution deterministics registered. For each it
reports wall time of ``mmm.fit`` (compile + sampling + deterministics), PyMC's or
nutpie's own sampling time, bulk ESS (minimum and median over every element of every free
RV), ESS per second of wall time, divergences, max R-hat and the peak resident memory of
the process tree (sampled every 0.1 s).

Compile caches matter: Numba compiles the model on first use and caches it under
PyTensor's ``base_compiledir``. Run 1 of each variant therefore uses a fresh, empty
compile directory (cold), and later runs reuse it (warm). Your ``~/.pytensor`` is not
touched.

    .venv/bin/python benchmarks/fit.py --help
    .venv/bin/python benchmarks/fit.py                       # simulate, then 3 variants x 2 runs
    .venv/bin/python benchmarks/fit.py --warehouse W.duckdb --variants pymc nutpie --runs 1

Needs 15-30 minutes on 2 cores. Results are printed as a markdown table and written to
``benchmarks/results/fit.json``. It is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("default", "pymc", "nutpie")
HOLDOUT_WEEKS = 8


def _worker(args: argparse.Namespace) -> dict:
    """Fit one variant in this process and return its measurements."""
    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    import arviz as az
    import numpy as np
    from library_defaults import DEFAULT_SAMPLING, default_mmm
    from recovery import load_inputs

    from mmm_pipeline.modeling.model_build import build_model
    from mmm_pipeline.modeling.panel import DATE, GEO, TARGET
    from mmm_pipeline.modeling.panel_fit import PROFILES, sampler_geometry
    from mmm_pipeline.modeling.specification import load_model_config

    segment, outcome = args.series.split("/")
    panel, lift = load_inputs(args.warehouse, segment, outcome)
    frame = panel.frame.sort_values([DATE, GEO])
    cutoff = np.sort(frame[DATE].unique())[-HOLDOUT_WEEKS]
    train = frame[frame[DATE] < cutoff]
    X, y = train.drop(columns=[TARGET]), train[TARGET]
    config = load_model_config()
    if args.worker == "default":
        mmm = default_mmm(panel, config)
        sample_kwargs = dict(DEFAULT_SAMPLING)
        mmm.build_model(X, y)
        usable = lift[lift["channel"].isin(panel.channels) & lift["geo"].isin(panel.geos)]
        if not usable.empty:  # the library's own steady-state lift-test term
            mmm.add_lift_test_measurements(
                usable[["channel", "geo", "x", "delta_x", "delta_y", "sigma"]]
            )
        mmm.add_original_scale_contribution_variable(var=["channel_contribution", "y"])
    else:  # the model production fits, built where production builds it
        mmm = build_model(panel, train, lift, config).mmm
        profile = PROFILES[args.profile]
        sample_kwargs = {
            "chains": profile.chains,
            "cores": min(profile.chains, 2),
            "draws": profile.draws,
            "tune": profile.tune,
            "target_accept": profile.target_accept,
            "nuts_sampler": args.worker,
        }
    started = time.perf_counter()
    idata = mmm.fit(X, y, random_seed=args.seed, progressbar=False, **sample_kwargs)
    wall = time.perf_counter() - started
    free = [v.name for v in mmm.model.free_RVs]
    ess = az.ess(idata, var_names=free, method="bulk").to_dataset()
    ess_values = np.concatenate([ess[v].to_numpy().ravel() for v in ess.data_vars])
    rhat = az.rhat(idata, var_names=free).to_dataset()
    posterior = idata.posterior
    return {
        "variant": args.worker,
        "sampler": str(posterior.attrs.get("inference_library", "?")),
        "chains": int(posterior.sizes["chain"]),
        "draws": int(posterior.sizes["draw"]),
        "fit_wall_s": wall,
        "sampling_s": float(posterior.attrs.get("sampling_time", float("nan"))),
        "min_ess_bulk": float(np.nanmin(ess_values)),
        "median_ess_bulk": float(np.nanmedian(ess_values)),
        "max_rhat": float(max(float(rhat[v].max()) for v in rhat.data_vars)),
        "divergences": int(idata.sample_stats["diverging"].sum()),
        **sampler_geometry(idata),
        "free_parameters": int(ess_values.size),
    }


def _run_worker(args: argparse.Namespace, variant: str, compiledir: Path) -> dict:
    """Run one fit in a child process, tracking the peak RSS of its process tree."""
    command = [sys.executable, __file__, "--worker", variant]
    command += ["--warehouse", str(args.warehouse), "--series", args.series]
    command += ["--profile", args.profile, "--seed", str(args.seed)]
    env = os.environ | {
        "PYTENSOR_FLAGS": f"base_compiledir={compiledir}",
        "PYTHONHASHSEED": "0",
        "PYTHONPATH": str(REPO_ROOT),
    }
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)  # noqa: S603
    parent, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    output = process.stdout.read()
    if process.returncode != 0:
        raise RuntimeError(f"{variant}: the fit process failed ({process.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    result["process_wall_s"] = time.perf_counter() - started
    result["peak_rss_mb"] = peak / 2**20
    return result


def _simulate(workdir: Path, seed: int) -> Path:
    """A 3-geo, 130-week business built to marts, as in benchmarks/recovery.py."""
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from recovery import SCENARIOS, build_warehouse

    return build_warehouse(workdir, SCENARIOS["three-geo"], seed) / "warehouse.duckdb"


def _table(results: list[dict]) -> str:
    lines = [
        "| variant | sampler | run | chains x draws | fit wall s | sampling s | min ESS | "
        "median ESS | min ESS/s (wall) | median ESS/s (wall) | max R-hat | divergences | "
        "tree depth | steps/draw | step size | peak RSS MB |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['variant']} | {r['sampler']} | {r['run']} | {r['chains']} x {r['draws']} | "
            f"{r['fit_wall_s']:.0f} | {r['sampling_s']:.0f} | {r['min_ess_bulk']:.0f} | "
            f"{r['median_ess_bulk']:.0f} | {r['min_ess_bulk'] / r['fit_wall_s']:.2f} | "
            f"{r['median_ess_bulk'] / r['fit_wall_s']:.1f} | {r['max_rhat']:.3f} | "
            f"{r['divergences']} | {r['mean_tree_depth']:.1f} | {r['mean_leapfrog_steps']:.0f} | "
            f"{r['step_size']:.3f} | {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every variant ``--runs`` times (first cold, then warm) and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--warehouse", type=Path, help="DuckDB with the marts (default: simulate)")
    parser.add_argument("--sim-seed", type=int, default=1, help="seed when simulating")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mmm-recovery"
    )
    parser.add_argument("--series", default="self_serve/signup", help="segment/outcome")
    parser.add_argument("--profile", default="full", help="profile for our variants")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--runs", type=int, default=2, help="runs per variant; run 1 is cold")
    parser.add_argument("--seed", type=int, default=1, help="sampler random seed")
    parser.add_argument("--json", type=Path, default=REPO_ROOT / "benchmarks/results/fit.json")
    parser.add_argument("--worker", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(args)))
        return 0
    args.warehouse = args.warehouse or _simulate(args.workdir, args.sim_seed)
    results = []
    for variant in args.variants:
        with tempfile.TemporaryDirectory(prefix=f"fitbench-{variant}-") as compiledir:
            for run in range(1, args.runs + 1):
                result = _run_worker(args, variant, Path(compiledir))
                result["run"] = "cold" if run == 1 else f"warm {run - 1}"
                results.append(result)
                print(_table([result]).splitlines()[-1], flush=True)
    print("\n" + _table(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
