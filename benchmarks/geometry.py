"""Where the posterior is hard: the sampler's work per draw and the parameters behind it.

Fits one series with the model production fits (``model_build.build_model`` through
``fit_panel``) and prints, for that fit: the mean tree depth, leapfrog steps per draw and
step size; each free parameter's worst bulk ESS and its posterior sd in the sampler's
unconstrained space (a parameter far narrower or wider than the rest is what a diagonal
mass matrix adapts to badly); and the most correlated pairs of unconstrained
coordinates (a ridge that NUTS walks along with many small steps).

    .venv/bin/python benchmarks/geometry.py --warehouse W.duckdb --series all/sales
    .venv/bin/python benchmarks/geometry.py --scenario public-medium --seed 11

It is a diagnostic, not a test: one fit, a few minutes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]


def unconstrained_draws(mmm) -> pd.DataFrame:
    """Every free parameter's draws in the sampler's space, one column per coordinate.

    Returns
    -------
    pandas.DataFrame
        One row per draw (chains stacked), columns ``name[i]`` for each element of each
        free parameter, transformed as NUTS sees it (a positive parameter's log, a
        probability's logit; the parameters of our models have no other transform).
    """
    model = mmm.model
    posterior = mmm.idata.posterior
    columns = {}
    for rv in model.free_RVs:
        transform = model.rvs_to_transforms.get(rv)
        draws = posterior[rv.name].stack(sample=("chain", "draw")).transpose("sample", ...)
        values = draws.to_numpy()
        kind = getattr(transform, "name", "")
        if kind == "logodds":
            values = np.log(values / (1 - values))
        elif kind == "log":
            values = np.log(values)
        flat = values.reshape(values.shape[0], -1)
        for index in range(flat.shape[1]):
            columns[f"{rv.name}[{index}]"] = flat[:, index]
    return pd.DataFrame(columns)


def main(argv: list[str] | None = None) -> int:
    """Fit once and print the geometry report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, help="DuckDB with the marts")
    parser.add_argument("--scenario", help="a benchmarks/recovery.py scenario instead")
    parser.add_argument("--seed", type=int, default=1, help="the scenario's seed")
    parser.add_argument("--series", default=None, help="segment/outcome (default: first)")
    parser.add_argument("--profile", default="fast")
    parser.add_argument(
        "--adaptation", choices=["diag", "low_rank"], help="nutpie's mass matrix, as a probe"
    )
    parser.add_argument("--pairs", type=int, default=12, help="correlated pairs to list")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mmm-recovery"
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    import arviz as az
    from recovery import SCENARIOS, _series_of, build_warehouse, load_inputs

    from mmm_pipeline.modeling.panel_fit import PROFILES, fit_panel

    if args.scenario:
        folder = build_warehouse(args.workdir, SCENARIOS[args.scenario], args.seed)
        warehouse = folder / "warehouse.duckdb"
        default = _series_of(folder, SCENARIOS[args.scenario], (("self_serve", "signup"),))[0]
    else:
        warehouse, default = args.warehouse, ("self_serve", "signup")
    segment, outcome = args.series.split("/") if args.series else default
    panel, lift = load_inputs(warehouse, segment, outcome)
    profile = PROFILES[args.profile]
    if args.adaptation:
        profile = replace(profile, adaptation=args.adaptation)
    fitted = fit_panel(panel, lift, profile, seed=1)
    geometry = fitted.geometry
    print(
        f"{segment}/{outcome}: {len(panel.geos)} geos, {panel.frame['date'].nunique()} weeks, "
        f"{len(panel.channels)} channels; {fitted.seconds:.0f} s, R-hat {fitted.max_rhat:.3f}, "
        f"min ESS {fitted.min_ess:.0f}, tree depth {geometry['mean_tree_depth']:.1f}, "
        f"{geometry['mean_leapfrog_steps']:.0f} steps/draw, step size "
        f"{geometry['step_size']:.4f}; sampling itself "
        f"{fitted.mmm.idata.posterior.attrs.get('sampling_time', float('nan')):.0f} s\n"
    )
    free = [v.name for v in fitted.mmm.model.free_RVs]
    ess = az.ess(fitted.mmm.idata, var_names=free, method="bulk")
    draws = unconstrained_draws(fitted.mmm)
    rows = []
    for name in free:
        columns = [c for c in draws.columns if c.startswith(f"{name}[")]
        rows.append(
            {
                "parameter": name,
                "size": int(ess[name].size),
                "worst ESS": float(ess[name].min()),
                "sd (sampler space), min": float(draws[columns].std().min()),
                "max": float(draws[columns].std().max()),
            }
        )
    print(pd.DataFrame(rows).sort_values("worst ESS").to_markdown(index=False, floatfmt=".3g"))
    correlation = np.corrcoef(draws.to_numpy(), rowvar=False)
    upper = np.triu_indices_from(correlation, k=1)
    order = np.argsort(-np.abs(correlation[upper]))[: args.pairs]
    pairs = [
        {
            "a": draws.columns[upper[0][i]],
            "b": draws.columns[upper[1][i]],
            "correlation": correlation[upper][i],
        }
        for i in order
    ]
    print("\n" + pd.DataFrame(pairs).to_markdown(index=False, floatfmt=".3f"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
