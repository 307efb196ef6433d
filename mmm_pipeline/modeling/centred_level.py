"""The intercept as each geo's average level over the training weeks.

pymc-marketing's intercept is the level a geo would have with no media, no controls,
no season and the trend at its start. The data pin the geo's average level to within a
few percent, but not how it splits between that intercept and the media that run in
every week: raising every channel's effect and lowering the intercept by the same
amount fits the weeks almost as well. That ridge was the posterior's narrowest
direction on every family measured (benchmarks/geometry.py; an intercept with the
channels' effects and the trend's first slope), and NUTS walked it in small steps:
72 leapfrog steps a draw on the four-geo simulation at step size 0.097.

So the model's other terms are centred on the training weeks, as regression
practice centres predictors so that an intercept's prior is on the mean outcome
(rstanarm, brms): :class:`CentredLevelEffect` adds to the linear predictor minus each
term's training-week average, per geo. ``intercept_contribution`` is then the geo's
average level of the model's mean, which the data pin, and the channels' effects move
without dragging it along. The model's fit of the weeks is unchanged: the average is
a function of the parameters, not a new one. What changes is what the intercept's
prior is on (model.yaml's ``intercept``: the average level instead of the level with
nothing running) and that pymc-marketing's own decomposition shows a ``centring``
part, the negative of those averages, beside the intercept. The pipeline reads a
series' baseline as the outcome less the paid channels' contributions
(``attribution``), which neither touches.

The averages are taken on the data the model is built on, the training weeks (a fit,
or a saved model rebuilt from its ``fit_data``), as constants: new weeks, a forecast
or a budget scenario change the terms but never the centring.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pymc.dims as pmd
from pymc_marketing.mmm.additive_effect import MuEffect
from pytensor.graph.replace import graph_replace
from pytensor.xtensor import as_xtensor

# The linear predictor's terms pymc-marketing builds itself, where the model has them.
BUILT_IN_TERMS = ("channel_contribution", "control_contribution", "yearly_seasonality_contribution")
DATE = "date"


class CentredLevelEffect(MuEffect):
    """Minus the training-week average of every other term of the mean, per geo.

    Add it after every other effect (``MMM.add_mu_effect``): it centres the terms that
    exist when the model is built, the built-in ones and the effects added before it.
    """

    prefix: str = "centring"

    def create_data(self, mmm: Any) -> None:
        """Nothing to register: it reads the data the other terms were built on."""

    def create_effect(self, mmm: Any) -> Any:
        """The negated training-week average of the other terms, with dims ``mmm.dims``.

        Returns
        -------
        XTensorVariable
            ``centring_effect_contribution``, one value per geo (a scalar without geos).
        """
        model = mmm.model
        names = [name for name in BUILT_IN_TERMS if name in model.named_vars]
        names += [
            effect.contribution_var_name
            for effect in mmm.mu_effects
            if effect is not self and effect.contribution_var_name in model.named_vars
        ]
        on_training = {
            data: as_xtensor(np.asarray(data.get_value()), dims=data.type.dims)
            for data in model.data_vars
        }
        level = 0.0
        for name in names:
            term = graph_replace(model[name], on_training, strict=False)
            average = term.mean(DATE)
            extra = [dim for dim in average.dims if dim not in mmm.dims]
            level = level + (average.sum(extra) if extra else average)
        return pmd.Deterministic(self.contribution_var_name, -level)

    def set_data(self, mmm: Any, model: Any, X: Any) -> None:
        """Nothing to change on new weeks: the centring is fixed by the training weeks."""
