"""The trend, scaled by the training weeks so that it extends past them.

pymc-marketing 1.3's ``LinearTrendEffect`` divides time by the largest time in
whatever data the model holds. In the fit that is the training span, as it should be;
on new weeks (the holdout, a refresh, a forecast) it is the span up to the last new
week, so the whole trend is squeezed back under 1 and an eight-week-ahead forecast
reads the trend of weeks inside the training data (docs/notes/pymc-marketing-1.3.md,
section 4). Here time is divided by the training span, fixed when the model is built
on its training data, so in the fit nothing changes and out of sample the trend goes
on along its last segment.

The class is registered with pymc-marketing's serializer, so a saved model names it
and loads with it (``runs.load_model``).
"""

from __future__ import annotations

from typing import Any

import pymc.dims as pmd
from pydantic import Field
from pymc_marketing.mmm.additive_effect import LinearTrendEffect
from pymc_marketing.serialization import serialization


@serialization.register
class TrainingScaledTrendEffect(LinearTrendEffect):
    """A piecewise-linear trend whose time axis is scaled by the training span."""

    training_span_days: Any = Field(default=None, exclude=True)

    def create_data(self, mmm: Any) -> None:
        """Register the time index and remember the span of the weeks it is built on.

        ``create_data`` runs when the model is built on its training data (a fit, or a
        saved model loaded), never for new weeks, so the span is the training span.
        """
        super().create_data(mmm)
        days = mmm.model[f"{self.prefix}_t"].get_value()
        self.training_span_days = float(max(days.max(), 1.0))

    def create_effect(self, mmm: Any) -> Any:
        """The trend at time / training span: as the parent's in the fit, extended after.

        Returns
        -------
        XTensorVariable
            The trend contribution, named as the parent names it.
        """
        time = mmm.model[f"{self.prefix}_t"] / self.training_span_days
        return pmd.Deterministic(f"{self.prefix}_effect_contribution", self.trend.apply(time))
