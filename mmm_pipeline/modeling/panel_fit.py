"""Fitting one segment x outcome MMM with pymc-marketing, and judging the fit.

One model per segment and outcome with every geo in it (``dims=("geo",)``), the adstock
form the model configuration names (carryover.py), logistic saturation, yearly
seasonality, a piecewise-linear trend per geo, the controls, and the lift tests in the
likelihood. The last weeks are held out and predicted to measure out-of-sample error
against a naive forecast. The API used here is the one verified in
docs/notes/pymc-marketing-1.3.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr
from pymc_marketing.mmm import MMM

from mmm_pipeline.modeling.forecasts import predict_after
from mmm_pipeline.modeling.model_build import build_model
from mmm_pipeline.modeling.panel import DATE, GEO, TARGET, ModelPanel
from mmm_pipeline.modeling.progress import Say, heartbeat, quiet
from mmm_pipeline.modeling.specification import ModelConfig, load_model_config


@dataclass(frozen=True)
class SamplingProfile:
    """How hard to sample, and what a fit must reach to be published."""

    chains: int
    draws: int
    tune: int
    target_accept: float
    max_rhat: float
    min_ess: float
    max_divergences: int
    # nutpie: chosen by measurement against PyMC's own NUTS (benchmarks/fit.py).
    nuts_sampler: str = "nutpie"
    # How much worse than a naive last-week forecast the holdout MAPE may be. An MMM
    # explains weeks rather than forecasting them, and on a noisy series repeating the
    # last week is hard to beat over 8 weeks: a sound self-serve order model scored
    # 11.8% against the naive 10.8% (docs/notes/model-recovery.md). A broken trend or
    # a model that fits noise lands far beyond 20%.
    max_holdout_ratio: float = 1.2
    # nutpie's mass-matrix adaptation: "diag", or "low_rank" for posteriors whose
    # parameters move together (a channel's effect and curvature along a ridge).
    adaptation: str = "diag"


PROFILES = {
    # Tests, CI and trying things: minutes, loose gates. Both profiles use nutpie: on
    # 2 cores it halves the wall time of PyMC's NUTS at equal or better ESS per second
    # and a third of the memory (benchmarks/fit.py, docs/notes/model-recovery.md).
    # 400 draws per chain missed ESS 100 in 2 of 4 recovery fits, hence 600; target
    # accept 0.9 left 16 divergences in one, hence 0.95.
    "fast": SamplingProfile(4, 600, 500, 0.95, 1.05, 100, 10),
    # Decisions: stable intervals, the gates practitioners use. Target accept 0.98: at
    # 0.95 nutpie left 1-5 divergences on simulated panels, and the gate allows none.
    # 1500 draws after 1500 tuning steps: with 1000 + 1000 the one-, three- and eight-geo
    # recoveries ended at R-hat 1.010-1.013 or 3 divergences and were all rejected.
    "full": SamplingProfile(4, 1500, 1500, 0.98, 1.01, 400, 0),
}


@dataclass
class FitOutcome:
    """A fitted model with its diagnostics and the verdict of the gates."""

    mmm: MMM
    max_rhat: float
    min_ess: float
    divergences: int
    holdout_mape: float | None
    naive_mape: float | None
    # The lift-test rows that entered the likelihood, in the model's order.
    lift: pd.DataFrame = field(default_factory=pd.DataFrame)
    reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # The held-out weeks' predictive draws (date, geo, sample) and the last training week.
    holdout_draws: xr.DataArray | None = None
    trained_until: pd.Timestamp | None = None
    # How hard NUTS worked (sampler_geometry): mean tree depth, steps per draw, step size.
    geometry: dict[str, float] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        """True when every gate passed."""
        return not self.reasons


def sampler_geometry(idata: az.InferenceData) -> dict[str, float]:
    """How hard NUTS worked: mean tree depth, leapfrog steps per draw and step size.

    A well-conditioned posterior takes a handful of doublings per draw; hundreds of
    leapfrog steps at a tiny step size say the geometry, not the data size, is what
    costs the time (docs/model.md, the sampler's geometry).

    Returns
    -------
    dict of str to float
        ``mean_tree_depth``, ``mean_leapfrog_steps`` and ``step_size`` (the median over
        chains of each chain's adapted step size), over the kept draws; NaN where the
        sampler does not report one (nutpie calls the depth ``depth``, PyMC
        ``tree_depth``).
    """
    stats = idata.sample_stats
    depth = next((stats[name] for name in ("depth", "tree_depth") if name in stats), None)
    steps = stats["n_steps"] if "n_steps" in stats else None
    step_size = stats["step_size"] if "step_size" in stats else None
    return {
        "mean_tree_depth": float(depth.mean()) if depth is not None else float("nan"),
        "mean_leapfrog_steps": float(steps.mean()) if steps is not None else float("nan"),
        "step_size": (
            float(step_size.mean("draw").median()) if step_size is not None else float("nan")
        ),
    }


def _mape(actual: np.ndarray, predicted: np.ndarray) -> float | None:
    mask = actual > 0
    if not mask.any():
        return None
    return float(np.mean(np.abs(predicted[mask] - actual[mask]) / actual[mask]))


def fit_panel(
    panel: ModelPanel,
    lift: pd.DataFrame,
    profile: SamplingProfile,
    holdout_weeks: int = 8,
    seed: int = 0,
    config: ModelConfig | None = None,
    say: Say = quiet,
) -> FitOutcome:
    """Fit on all but the last ``holdout_weeks``, predict those, and apply the gates.

    ``say`` hears the phases and a heartbeat while sampling (``progress.heartbeat``).

    Returns
    -------
    FitOutcome
        The fitted model, its worst R-hat and bulk ESS, its divergences, the holdout and
        naive last-week MAPE, the lift-test rows used, the gates' reasons (none when
        accepted) and the wall time.
    """
    started = time.perf_counter()
    frame = panel.frame.sort_values([DATE, GEO])
    dates = np.sort(frame[DATE].unique())
    cutoff = dates[-holdout_weeks]
    train, test = frame[frame[DATE] < cutoff], frame[frame[DATE] >= cutoff]
    trained_until = pd.Timestamp(train[DATE].max())
    config = config or load_model_config()
    built = build_model(panel, train, lift, config)
    mmm, usable = built.mmm, built.lift
    label = (
        f"sampling {profile.chains} chains x ({profile.tune} tune + {profile.draws} draws) "
        f"with {profile.nuts_sampler}: {len(panel.geos)} geos, {len(dates)} weeks, "
        f"{len(panel.channels)} channels, {len(usable)} lift-test rows"
    )
    with heartbeat(say, label):
        idata = mmm.fit(
            train.drop(columns=[TARGET]),
            train[TARGET],
            chains=profile.chains,
            cores=min(profile.chains, 2),
            draws=profile.draws,
            tune=profile.tune,
            target_accept=profile.target_accept,
            random_seed=seed,
            progressbar=False,
            nuts_sampler=profile.nuts_sampler,
            **_sampler_options(profile),
        )
    free = [variable.name for variable in mmm.model.free_RVs]
    summary = az.summary(idata, var_names=free, kind="diagnostics")
    outcome = FitOutcome(
        mmm=mmm,
        max_rhat=float(summary["r_hat"].max()),
        min_ess=float(summary["ess_bulk"].min()),
        divergences=int(idata.sample_stats["diverging"].sum()),
        holdout_mape=None,
        naive_mape=None,
        lift=usable,
        trained_until=trained_until,
        geometry=sampler_geometry(idata),
    )
    if not test.empty:
        say(f"forecasting the {holdout_weeks} held-out weeks")
        predicted = predict_after(mmm, test.drop(columns=[TARGET]))
        outcome.holdout_draws = predicted
        mean = predicted.mean([d for d in predicted.dims if d not in (DATE, GEO)])
        ordered = mean.to_dataframe(name="predicted").reset_index()
        joined = test.merge(ordered, on=[DATE, GEO])
        last_train = train[train[DATE] == train[DATE].max()].set_index(GEO)[TARGET]
        outcome.holdout_mape = _mape(joined[TARGET].to_numpy(), joined["predicted"].to_numpy())
        outcome.naive_mape = _mape(
            joined[TARGET].to_numpy(), joined[GEO].map(last_train).to_numpy()
        )
    outcome.reasons = _gate(outcome, profile)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _sampler_options(profile: SamplingProfile) -> dict:
    """Options only nutpie takes, passed only to it.

    Returns
    -------
    dict
        ``nuts_sampler_kwargs`` with the profile's adaptation for nutpie when it is not
        ``"diag"``; empty otherwise.
    """
    if profile.nuts_sampler != "nutpie" or profile.adaptation == "diag":
        return {}
    return {"nuts_sampler_kwargs": {"adaptation": profile.adaptation}}


def _gate(outcome: FitOutcome, profile: SamplingProfile) -> list[str]:
    """Every reason not to publish this fit, in plain words.

    Returns
    -------
    list of str
        One reason per gate the fit fails (R-hat, bulk ESS, divergences, holdout error);
        empty when it passes them all.
    """
    reasons = []
    if outcome.max_rhat > profile.max_rhat:
        reasons.append(f"R-hat {outcome.max_rhat:.3f} above {profile.max_rhat}: chains disagree")
    if outcome.min_ess < profile.min_ess:
        reasons.append(f"bulk ESS {outcome.min_ess:.0f} below {profile.min_ess:.0f}")
    if outcome.divergences > profile.max_divergences:
        reasons.append(f"{outcome.divergences} divergent transitions")
    holdout = holdout_reason(outcome.holdout_mape, outcome.naive_mape, profile.max_holdout_ratio)
    if holdout:
        reasons.append(holdout)
    return reasons


def holdout_reason(holdout_mape: float | None, naive_mape: float | None, ratio: float) -> str:
    """Why the holdout error rejects a fit, or "" when it does not.

    Returns
    -------
    str
        The two MAPEs in words when ``holdout_mape`` exceeds ``naive_mape * ratio``; ""
        when it does not or either is None.
    """
    if holdout_mape is None or naive_mape is None or holdout_mape <= naive_mape * ratio:
        return ""
    return (
        f"holdout MAPE {holdout_mape:.1%} more than {ratio - 1:.0%} worse than the naive "
        f"last-week forecast's {naive_mape:.1%}"
    )
