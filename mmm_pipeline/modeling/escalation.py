"""What to try when a fit is rejected: the documented second (and third) attempt.

A rejected fit used to leave a new series with no model at all. The gates stay as they
are; what changes on a retry is how the posterior is explored or what is asked of it:

1. **as configured**: the profile and ``model.yaml`` as given.
2. **longer sampling**: when the chains disagree, too few draws are effective or there
   were divergences, twice the tuning steps and draws and a target acceptance of at
   least 0.98 (smaller steps). That cures slow mixing, not a model that does not fit.
3. **simpler specification**: when that still fails, or the holdout error was the
   problem: one straight trend per geo (``LinearTrend`` with a single changepoint at
   the start: its slope and nothing else), the first Fourier pair only, and no
   return-on-spend pooling, which leaves the parts that mix worst on short or
   aggregate-only data out (docs/notes/model-recovery.md, section 14).

Each attempt is its own row in ``mmm.model_runs`` with its reasons; the first accepted
one is published, and a series that fails every attempt keeps its last accepted model
(if any) and gets a recommendation in words (:func:`what_to_do`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mmm_pipeline.modeling.panel_fit import SamplingProfile
from mmm_pipeline.modeling.specification import ModelConfig, TrendConfig

AS_CONFIGURED = "as configured"
LONGER_SAMPLING = "longer sampling"
SIMPLER_SPECIFICATION = "simpler specification"
# Words the gates use (panel_fit._gate) for a sampler that did not explore the posterior.
SAMPLING_PROBLEMS = ("R-hat", "bulk ESS", "divergent")
HOLDOUT_PROBLEM = "holdout MAPE"


@dataclass(frozen=True)
class Attempt:
    """One way to fit a series: its name, sampling profile and model specification."""

    label: str
    profile: SamplingProfile
    config: ModelConfig


def first_attempt(profile: SamplingProfile, config: ModelConfig) -> Attempt:
    """The fit as configured.

    Returns
    -------
    Attempt
        Labelled :data:`AS_CONFIGURED`, with ``profile`` and ``config`` unchanged.
    """
    return Attempt(AS_CONFIGURED, profile, config)


def _sampling_problem(reasons: list[str]) -> bool:
    return any(word in reason for reason in reasons for word in SAMPLING_PROBLEMS)


def longer_sampling(profile: SamplingProfile) -> SamplingProfile:
    """Twice the tuning and draws, and smaller steps; the gates are unchanged.

    Returns
    -------
    SamplingProfile
        A copy of ``profile`` with ``tune`` and ``draws`` doubled and ``target_accept``
        at least 0.98.
    """
    return replace(
        profile,
        tune=2 * profile.tune,
        draws=2 * profile.draws,
        target_accept=max(profile.target_accept, 0.98),
    )


def simpler(config: ModelConfig) -> ModelConfig:
    """The specification with the parts that mix worst left out.

    Returns
    -------
    ModelConfig
        A copy of ``config`` with one trend changepoint (its scale kept), at most the
        first Fourier pair and return-on-spend pooling turned off.
    """
    trend = TrendConfig(changepoints=1, changepoint_scale=config.trend.changepoint_scale)
    return config.model_copy(
        update={
            "trend": trend,
            "yearly_fourier_order": min(config.yearly_fourier_order, 1),
            "roi_pooling": config.roi_pooling.model_copy(update={"enabled": False}),
        }
    )


def next_attempt(tried: list[Attempt], reasons: list[str]) -> Attempt | None:
    """The attempt to make after ``tried`` ended rejected for ``reasons``, or None.

    Longer sampling is tried only for a sampling problem and only once; the simpler
    specification once, after it or straight away when the holdout error was the
    problem. After that there is nothing more to try automatically.

    Returns
    -------
    Attempt or None
        Longer sampling of the last attempt's specification; else the simpler
        specification with the first attempt's profile; None when both were tried.
    """
    labels = {attempt.label for attempt in tried}
    last = tried[-1]
    if _sampling_problem(reasons) and LONGER_SAMPLING not in labels:
        return Attempt(LONGER_SAMPLING, longer_sampling(last.profile), last.config)
    if SIMPLER_SPECIFICATION not in labels:
        return Attempt(SIMPLER_SPECIFICATION, tried[0].profile, simpler(tried[0].config))
    return None


def what_to_do(reasons: list[str]) -> str:
    """A recommendation, in words, for a series whose every attempt was rejected.

    Returns
    -------
    str
        What to check or change for a sampling problem or a holdout problem in
        ``reasons``; otherwise a pointer to the reasons in ``mmm.model_runs``.
    """
    if _sampling_problem(reasons):
        return (
            "the sampler could not settle even with longer sampling and a simpler model: "
            "check mmm.readiness and mmm.data_quality_issues for this series (spend that "
            "barely varies, channels that always move together, gaps in the outcome), "
            "merge channels that are never run apart, or run it with --profile full"
        )
    if any(HOLDOUT_PROBLEM in reason for reason in reasons):
        return (
            "the model forecasts the held-out weeks worse than repeating the last week: "
            "look for a break in the last weeks (a tracking change, a new product, a "
            "missing delivery) in mmm.data_quality_issues, or add the control that "
            "explains it to controls/"
        )
    return "see the reasons in mmm.model_runs"
