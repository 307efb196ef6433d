"""Carry-over kernels, Hill saturation and the time horizons they imply.

The point of this generator is to test the model on shapes it does not assume, so the
kernels here are deliberately not only geometric: a discretised Weibull gives a delayed
peak with a slow tail (brand video, TV), a shifted gamma gives a late, compact bump
(podcast), and a low-retention geometric gives near-immediate search. Every kernel is a
probability mass over lags 0..12 (13 weeks), so a kernel only moves effect in time and
never scales it.
"""

from __future__ import annotations

import math

import numpy as np

KERNEL_WEEKS = 13
KernelParams = dict[str, float]


def _normalised(weights: np.ndarray) -> np.ndarray:
    weights = np.clip(weights, 0.0, None)
    return weights / weights.sum()


def geometric(alpha: float, length: int = KERNEL_WEEKS) -> np.ndarray:
    """Geometric decay ``alpha**lag``, truncated and normalised: effect starts at once."""
    return _normalised(alpha ** np.arange(length, dtype=float))


def _weibull_cdf(x: np.ndarray, shape: float, scale: float) -> np.ndarray:
    return 1.0 - np.exp(-((np.clip(x, 0.0, None) / scale) ** shape))


def weibull(shape: float, scale: float, length: int = KERNEL_WEEKS) -> np.ndarray:
    """Mass of a Weibull lag in each whole week: a delayed peak, a long right tail."""
    edges = np.arange(length + 1, dtype=float)
    return _normalised(np.diff(_weibull_cdf(edges, shape, scale)))


def weibull_scale_for_peak(shape: float, peak: int, length: int = KERNEL_WEEKS) -> float:
    """The Weibull scale whose discretised kernel peaks exactly at week ``peak``.

    The continuous mode is ``scale * ((shape - 1) / shape) ** (1 / shape)``; a mode in the
    middle of week ``peak`` is the first guess, nudged until the weekly masses agree.
    """
    if shape <= 1.0:
        raise ValueError(f"a delayed peak needs a Weibull shape above 1, got {shape}")
    scale = (peak + 0.5) / ((shape - 1.0) / shape) ** (1.0 / shape)
    for _ in range(200):
        found = int(np.argmax(weibull(shape, scale, length)))
        if found == peak:
            return scale
        scale *= 1.02 if found < peak else 0.98
    raise ValueError(f"no Weibull scale with shape {shape} peaks at week {peak}")


def _gamma_cdf(x: np.ndarray, shape: float, scale: float) -> np.ndarray:
    """Regularised lower incomplete gamma by series: numpy has no gamma CDF of its own."""
    out = np.zeros_like(x, dtype=float)
    for i, value in enumerate(np.clip(x, 0.0, None) / scale):
        if value <= 0.0:
            continue
        term = 1.0 / shape
        total = term
        for n in range(1, 500):
            term *= value / (shape + n)
            total += term
            if term < 1e-12 * total:
                break
        out[i] = total * math.exp(-value + shape * math.log(value) - math.lgamma(shape))
    return np.clip(out, 0.0, 1.0)


def delayed_gamma(
    shape: float, scale: float, delay: float, length: int = KERNEL_WEEKS
) -> np.ndarray:
    """Mass of ``delay + Gamma(shape, scale)`` in each whole week: nothing before the delay."""
    edges = np.arange(length + 1, dtype=float) - delay
    return _normalised(np.diff(_gamma_cdf(edges, shape, scale)))


def rounded_gamma_pmf(mean: float, sd: float, length: int) -> np.ndarray:
    """P(round(L) = k) for a gamma lag L with this mean and sd, k = 0..length-1.

    The funnel draws whole-week lags by rounding a gamma draw, so the horizons of a
    downstream outcome use exactly this mass.
    """
    shape, scale = (mean / sd) ** 2, sd**2 / mean
    edges = np.concatenate([[0.0], np.arange(length, dtype=float) + 0.5])
    return _normalised(np.diff(_gamma_cdf(edges, shape, scale)))


def draw_kernel(
    kind: str, ranges: dict[str, tuple[float, float]], rng: np.random.Generator
) -> tuple[KernelParams, np.ndarray]:
    """Draw a kernel's parameters from their ranges and return them with its weights."""
    drawn = {name: float(rng.uniform(low, high)) for name, (low, high) in ranges.items()}
    if kind == "geometric":
        return drawn, geometric(drawn["alpha"])
    if kind == "weibull":
        peak = round(drawn.pop("peak"))
        scale = weibull_scale_for_peak(drawn["shape"], peak)
        params = {"shape": drawn["shape"], "scale": scale, "target_peak": float(peak)}
        return params, weibull(drawn["shape"], scale)
    if kind == "delayed_gamma":
        drawn["delay"] = float(round(drawn["delay"]))
        return drawn, delayed_gamma(drawn["shape"], drawn["scale"], drawn["delay"])
    raise ValueError(f"unknown kernel {kind!r}; use geometric, weibull or delayed_gamma")


def carry_over(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Causal convolution along axis 0 (weeks): this week's input spread over later weeks."""
    out = np.zeros_like(x, dtype=float)
    weeks = x.shape[0]
    for lag, weight in enumerate(kernel):
        if lag >= weeks:
            break
        out[lag:] += weight * x[: weeks - lag]
    return out


def hill(x: np.ndarray, half: np.ndarray | float, shape: float) -> np.ndarray:
    """Hill saturation ``x**k / (x**k + K**k)``: 0.5 at ``x = K``, 1 in the limit."""
    x = np.clip(np.asarray(x, dtype=float), 0.0, None)
    ratio = np.divide(x, half, out=np.zeros_like(x), where=np.asarray(half) > 0)
    powered = ratio**shape
    return powered / (1.0 + powered)


def _first_week_reaching(cumulative: np.ndarray, share: float) -> int:
    return int(np.argmax(cumulative >= share - 1e-12))


def horizons(kernel: np.ndarray) -> dict[str, int]:
    """Peak lag and the weeks until a sustained constant input reaches 50% / 90% of its effect.

    Weeks count from the first week of sustained spend as week 0: a channel whose first
    week alone already delivers half its steady-state effect has ``weeks_to_half_effect``
    0. With a linear response the share reached after week ``t`` is the kernel's
    cumulative mass, which is what this uses.
    """
    cumulative = np.cumsum(kernel)
    return {
        "peak_lag_weeks": int(np.argmax(kernel)),
        "weeks_to_half_effect": _first_week_reaching(cumulative, 0.5),
        "weeks_to_90pct_effect": _first_week_reaching(cumulative, 0.9),
    }


def horizons_at_spend(kernel: np.ndarray, spend: float, half: float, shape: float) -> dict:
    """The same horizons when saturation acts on carried-over spend, at one weekly spend.

    With adstock before saturation the share of the steady effect reached after week ``t``
    is ``hill(spend * cumsum_t) / hill(spend)``: concave saturation makes it come sooner.
    """
    steady = float(hill(np.array([spend]), half, shape)[0])
    reached = hill(spend * np.cumsum(kernel), half, shape) / steady
    return {
        "weeks_to_half_effect": _first_week_reaching(reached, 0.5),
        "weeks_to_90pct_effect": _first_week_reaching(reached, 0.9),
    }
