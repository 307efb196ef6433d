"""A second, independent scenario generator for the MMM pipeline's landing zone.

It draws businesses whose functional forms differ from the project's own simulator
(Hill saturation, Weibull and delayed-gamma carry-over, saturation before or after
carry-over, Negative Binomial counts, a funnel with gamma lags) so that a model tuned on
one simulator can be tested on another. ``generate(family, seed, out)`` writes a landing
zone following the data contract's input half and ``ground_truth.json``::

    PYTHONPATH=benchmarks python -m heldout --family b2c --seed 1 --out /tmp/b2c
"""

from heldout.families import FAMILIES, family
from heldout.generate import generate

__all__ = ["FAMILIES", "family", "generate"]
