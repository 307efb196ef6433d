"""Controls on the scale the priors assume, whatever a user delivers.

pymc-marketing scales the target and the spend but uses controls as delivered; its
documentation leaves scaling them to the user. Our priors are stated on the target
scaled to its peak week, so a control of size 300 (an event's reach, a sale's depth, a
row index) needs a coefficient near 1e-3 under a prior of sd 0.5: the likelihood pins
the pooled coefficient to a thin line and NUTS cannot move along it (issue #27: R-hat
1.2-4.0 on every public benchmark preset). So every control is put on a unit scale per
geo, as the spend is, from the training weeks alone:

- a control that is zero in some weeks or changes sign (a 0/1 flag, an amount, a
  temperature around zero) is divided by its largest absolute value in the geo;
- a control that never reaches zero (a price, a temperature in Kelvin, a running week
  number) is centred on its mean in the geo first, so that its level does not compete
  with the geo's intercept, and divided by its largest distance from that mean;
- a control that does not vary in a geo carries nothing the intercept does not, and
  is zero there in the fit; new weeks are read relative to the constant.

:class:`ScaledControlsMMM` applies this inside pymc-marketing's data handling, on the
training data when the model is built and on every new frame it predicts from. The
offsets and scales are a function of the training data, which is saved with the model
(``fit_data``), so a saved model rebuilt by ``MMM.load`` gets the same ones: predictions,
forecasts and scenarios read controls on the scale the model was fitted on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pymc_marketing.mmm import MMM

# The attribute that marks a saved model as fitted on scaled controls (runs.load_model).
SCALING_ATTR = "control_scaling"
SCALING_VERSION = "per-geo-v1"


def control_transform(
    frame: pd.DataFrame, controls: list[str], geo: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each control's offset and scale per geo, from the weeks in ``frame``.

    Returns
    -------
    tuple of pandas.DataFrame
        Offsets and scales, indexed by geo with one column per control; the scaled
        control is ``(value - offset) / scale``.
    """
    values = frame.groupby(geo)[controls]
    low, high, mean = values.min(), values.max(), values.mean()
    # Levels (never zero, one sign) are centred; flags, amounts and signed series are not.
    level = (low > 0) | (high < 0)
    offset = mean.where(level, 0.0)
    spread = (frame[controls] - offset.reindex(frame[geo]).to_numpy()).abs()
    scale = spread.groupby(frame[geo].to_numpy()).max()
    scale.index.name = geo
    # A constant control: zero in the fit, and new weeks relative to the constant.
    constant = scale <= 1e-12 * np.maximum(offset.abs(), 1.0)
    scale = scale.where(~constant, offset.abs().where(offset.abs() > 0, 1.0))
    return offset, scale


def apply_transform(
    frame: pd.DataFrame, offset: pd.DataFrame, scale: pd.DataFrame, geo: str
) -> pd.DataFrame:
    """``frame`` with its controls scaled; geos the transform has not seen unchanged.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` with each control ``(value - offset) / scale`` by the row's geo.
    """
    controls = [c for c in offset.columns if c in frame.columns]
    scaled = frame.copy()
    rows_offset = offset[controls].reindex(frame[geo]).fillna(0.0).to_numpy()
    rows_scale = scale[controls].reindex(frame[geo]).fillna(1.0).to_numpy()
    scaled[controls] = (frame[controls].to_numpy(dtype=float) - rows_offset) / rows_scale
    return scaled


class ScaledControlsMMM(MMM):
    """pymc-marketing's MMM with the controls scaled per geo (see the module docstring).

    The transform is fixed on the data the model is first built on (the training
    weeks; on load, the saved training weeks) and applied to every frame after that.
    Only ``pandas.DataFrame`` inputs are accepted, as the pipeline delivers them.
    """

    _control_offset: pd.DataFrame | None = None
    _control_scale: pd.DataFrame | None = None

    def _scaled(self, X: Any) -> Any:
        if not self.control_columns:
            return X
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"{type(self).__name__} takes its inputs as a pandas DataFrame")
        geo = self.dims[0] if self.dims else None
        frame = X if geo is not None else X.assign(_geo="all")
        geo = geo or "_geo"
        if self._control_offset is None:
            self._control_offset, self._control_scale = control_transform(
                frame, list(self.control_columns), geo
            )
        scaled = apply_transform(frame, self._control_offset, self._control_scale, geo)
        return scaled if geo in X.columns else scaled.drop(columns=[geo])

    def _generate_and_preprocess_model_data(self, X: Any, y: Any = None) -> None:
        """Build the model's data with scaled controls; ``self.X`` stays as delivered."""
        super()._generate_and_preprocess_model_data(self._scaled(X), y)
        self.X = X

    def _posterior_predictive_data_transformation(
        self, X: Any, y: Any = None, include_last_observations: bool = False
    ) -> Any:
        """New weeks' data with the controls on the training scale.

        Returns
        -------
        xarray.Dataset
            What the parent returns for ``X`` with its controls scaled.
        """
        return super()._posterior_predictive_data_transformation(
            self._scaled(X), y, include_last_observations
        )

    def create_idata_attrs(self) -> dict[str, str]:
        """The parent's attributes, marked so the saved model loads as this class.

        Returns
        -------
        dict of str to str
            The parent's, with :data:`SCALING_ATTR` set to :data:`SCALING_VERSION`.
        """
        return super().create_idata_attrs() | {SCALING_ATTR: SCALING_VERSION}

    def control_transform(self) -> pd.DataFrame:
        """The offset and scale of every control per geo, as fitted.

        Returns
        -------
        pandas.DataFrame
            One row per geo and control with ``offset`` and ``scale``; empty before the
            model is built or without controls.
        """
        if self._control_offset is None:
            return pd.DataFrame(columns=["geo", "control", "offset", "scale"])
        offset = self._control_offset.stack().rename("offset")
        scale = self._control_scale.stack().rename("scale")
        frame = pd.concat([offset, scale], axis=1).reset_index()
        return frame.set_axis(["geo", "control", "offset", "scale"], axis=1)
