"""Priors pooled across geos only where there are geos enough to inform the pooling.

A prior with a prior as its ``mu`` and ``dims`` over geos is a hierarchy: each geo's
value is the shared ``mu`` plus a geo offset of spread ``sigma``. Only the geos inform
``sigma``; with one geo nothing does, and ``mu`` and the offset trade along a line that
the likelihood pins and NUTS walks slowly. With one or two geos such a hierarchy is a
set of parameters whose values only their priors set. Below ``min_geos`` geos the
hierarchy is therefore replaced by its upper level: one value per channel (or control,
or Fourier mode) that every geo shares. Geos are scaled to their own peak week and
spend, so a shared value is a shared relative effect, as the priors' comments in
``model.yaml`` state it.
"""

from __future__ import annotations

from pymc_extras.prior import Prior

from mmm_pipeline.modeling.panel import GEO


def shared_by_geos(prior: Prior) -> Prior | None:
    """The upper level of a prior pooled across geos, or None if it is not one.

    Returns
    -------
    pymc_extras.prior.Prior or None
        The ``mu`` hyperprior, with the pooled prior's transform, when ``prior`` has a
        Prior as ``mu`` and a geo dimension; None otherwise.
    """
    mu = prior.parameters.get("mu")
    if not isinstance(mu, Prior) or GEO not in (prior.dims or ()):
        return None
    return Prior(mu.distribution, **mu.parameters, dims=mu.dims, transform=prior.transform)


def pooled_as_geos_allow(priors: dict[str, Prior], geos: int, min_geos: int) -> dict[str, Prior]:
    """``priors`` with each geo hierarchy kept, or shared by the geos when they are few.

    Returns
    -------
    dict of str to pymc_extras.prior.Prior
        ``priors`` unchanged with at least ``min_geos`` geos; else each prior pooled
        across geos replaced by :func:`shared_by_geos`.
    """
    if geos >= min_geos:
        return priors
    return {name: shared_by_geos(prior) or prior for name, prior in priors.items()}
