"""The latent weekly business: how spend becomes effect, and how effect adds to the baseline.

Each series' expected outcome in a week and geo is its baseline plus, per channel, a
coefficient times the channel's media response (Hill saturation and a carry-over kernel,
in the family's order). One multiplicative shock per series, week and geo then makes the
realised rates: Gamma for counts (so the drawn counts are Negative Binomial), log-normal
for money. Keeping the shock apart from the spend is what lets a lift test be re-run
with only the spend changed and the same noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heldout import kernels
from heldout.spec import FamilySpec, SeriesSpec

BASELINE = "baseline"
# How tightly a seed's channel mix follows the family's weights (Dirichlet concentration).
MIX_CONCENTRATION = 80.0


@dataclass
class MediaResponse:
    """Per channel a kernel and a Hill curve; ``half`` is per geo x channel, in exposure.

    ``cost`` divides each week's spend into the exposure that moves the outcome: ones
    where spend does, the week's CPM multiple where impressions do (``heldout.cost``),
    so exposure is in money at the catalogue CPM.
    """

    channels: tuple[str, ...]
    order: str
    kernels: dict[str, np.ndarray]
    kernel_params: dict[str, dict]
    kernel_kinds: dict[str, str]
    shape: np.ndarray
    half: np.ndarray
    half_ratio: np.ndarray
    cost: np.ndarray

    def exposure(self, spend: np.ndarray) -> np.ndarray:
        """What weekly spend (weeks, geos, channels) bought, in money at the catalogue CPM."""
        return spend / self.cost[:, None, None]

    def response(self, spend: np.ndarray) -> np.ndarray:
        """Media response in [0, 1) of weekly spend shaped (weeks, geos, channels)."""
        exposure = self.exposure(spend)
        out = np.zeros_like(exposure, dtype=float)
        for c, name in enumerate(self.channels):
            x, kernel = exposure[:, :, c], self.kernels[name]
            if self.order == "adstock_first":
                out[:, :, c] = kernels.hill(
                    kernels.carry_over(x, kernel), self.half[:, c], self.shape[c]
                )
            else:
                out[:, :, c] = kernels.carry_over(
                    kernels.hill(x, self.half[:, c], self.shape[c]), kernel
                )
        return out


def draw_media_response(
    family: FamilySpec,
    spend: np.ndarray,
    history: slice,
    cost: np.ndarray,
    rng: np.random.Generator,
) -> MediaResponse:
    """Draw kernels and Hill curves; anchor each half-saturation on the planned exposure.

    ``K`` is a drawn multiple (0.5-2x) of the median non-zero weekly input to the Hill
    curve in that geo over the history: the carried-over exposure when adstock comes
    first, the weekly exposure otherwise. The plan before lift tests anchors it, so a
    test changes spend and nothing else. ``cost`` is ``MediaResponse.cost``.
    """
    spend = spend / cost[:, None, None]
    names = tuple(c.name for c in family.channels)
    drawn = {c.name: kernels.draw_kernel(c.kernel, c.kernel_ranges, rng) for c in family.channels}
    shape = np.array([rng.uniform(*c.hill_shape) for c in family.channels])
    ratio = np.array([rng.uniform(*c.hill_half_ratio) for c in family.channels])
    half = np.zeros((spend.shape[1], len(names)))
    for c, name in enumerate(names):
        x = spend[:, :, c]
        if family.order == "adstock_first":
            x = kernels.carry_over(x, drawn[name][1])
        for g in range(spend.shape[1]):
            seen = x[history, g]
            seen = seen[seen > 0.01 * max(seen.max(), 1e-9)]
            half[g, c] = ratio[c] * float(np.median(seen)) if seen.size else 1.0
    if family.order not in ("adstock_first", "saturation_first"):
        raise ValueError(f"{family.name}: unknown order {family.order!r}")
    return MediaResponse(
        channels=names,
        order=family.order,
        kernels={n: drawn[n][1] for n in names},
        kernel_params={n: drawn[n][0] for n in names},
        kernel_kinds={c.name: c.kernel for c in family.channels},
        shape=shape,
        half=half,
        half_ratio=ratio,
        cost=cost,
    )


@dataclass
class SeriesModel:
    """One directly driven series: baseline (weeks, geos), coefficients (geos, channels)."""

    spec: SeriesSpec
    baseline: np.ndarray
    beta: np.ndarray
    shock: np.ndarray
    media_share_target: float
    channel_share_target: dict[str, float]

    def rates(self, response: np.ndarray) -> np.ndarray:
        """Realised rates per source (weeks, geos, 1 + channels); source 0 is the baseline."""
        media = self.beta[None, :, :] * response
        expected = np.concatenate([self.baseline[:, :, None], media], axis=2)
        return expected * self.shock[:, :, None]

    def variance(self, rates: np.ndarray) -> np.ndarray:
        """Variance of the realised outcome per week and geo, for a lift test's error."""
        total = rates.sum(axis=2)
        if self.spec.unit == "count":
            return total + total**2 / self.spec.noise
        return (total * self.spec.noise) ** 2


def draw_series(
    spec: SeriesSpec,
    family: FamilySpec,
    base_shape: np.ndarray,
    response: np.ndarray,
    history: slice,
    rng: np.random.Generator,
) -> SeriesModel:
    """Draw a series' level, media share and mix, and its noise; solve for coefficients.

    Coefficients are set so that, on the planned spend, media drives the drawn share of
    the series over the delivered history, split over channels by a Dirichlet draw around
    the family's weights, with a little geo-to-geo variation on top.
    """
    n_weeks, n_geos = base_shape.shape
    scale = np.array([g.scale for g in family.geos]) * rng.lognormal(0.0, 0.1, n_geos)
    baseline = spec.base_level * scale[None, :] * base_shape
    share = float(rng.uniform(*spec.media_share))
    names = [c.name for c in family.channels]
    used = [n for n in names if spec.channel_weights.get(n, 0.0) > 0]
    weights = rng.dirichlet([MIX_CONCENTRATION * spec.channel_weights[n] for n in used])
    mix = dict(zip(used, weights.tolist(), strict=True))
    media_total = baseline[history].sum(axis=0) * share / (1.0 - share)
    beta = np.zeros((n_geos, len(names)))
    for c, name in enumerate(names):
        reach = response[history, :, c].sum(axis=0)
        jitter = rng.lognormal(0.0, 0.15, n_geos)
        wanted = mix.get(name, 0.0) * media_total * jitter
        beta[:, c] = np.divide(wanted, reach, out=np.zeros(n_geos), where=reach > 0)
    if spec.unit == "count":
        shock = rng.gamma(spec.noise, 1.0 / spec.noise, (n_weeks, n_geos))
    else:
        shock = rng.lognormal(-0.5 * spec.noise**2, spec.noise, (n_weeks, n_geos))
    return SeriesModel(spec, baseline, beta, shock, share, {n: mix.get(n, 0.0) for n in names})


def draw_counts(rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Conversions per source: independent Poisson given the shocked rates.

    Given the shared Gamma shock the sources are independent Poisson, so the total is
    Negative Binomial and every drawn conversion has a known cause: the truth is exact.
    """
    return rng.poisson(rates).astype(np.int64)
