"""The intercept is each geo's average level: fixed by the training weeks, kept on new ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from mmm_pipeline.modeling.centred_level import CentredLevelEffect
from mmm_pipeline.modeling.lift_tests import LIFT_COLUMNS
from mmm_pipeline.modeling.model_build import build_model
from mmm_pipeline.modeling.panel import ModelPanel
from mmm_pipeline.modeling.runs import load_model
from mmm_pipeline.modeling.specification import load_model_config

WEEKS = 80


def _panel() -> ModelPanel:
    """Two geos, two channels that run in most weeks, and a flag control."""
    rng = np.random.default_rng(5)
    rows = []
    for geo, size in (("US", 1.0), ("DE", 0.4)):
        dates = pd.date_range("2023-01-02", periods=WEEKS, freq="7D")
        meta = rng.uniform(500, 1500, WEEKS) * size
        tv = rng.uniform(0, 3000, WEEKS) * size * (rng.random(WEEKS) > 0.3)
        promo = (rng.random(WEEKS) > 0.8).astype(float)
        y = size * (400 + 0.1 * meta + 0.05 * tv + 60 * promo) + rng.normal(0, 10, WEEKS)
        rows.append(
            pd.DataFrame(
                {"date": dates, "geo": geo, "y": y, "meta": meta, "tv": tv, "control_promo": promo}
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    return ModelPanel("self_serve", "signup", frame, ["meta", "tv"], ["control_promo"])


def test_the_intercept_is_each_geos_average_level_over_the_training_weeks() -> None:
    panel = _panel()
    train = panel.frame[panel.frame["date"] < panel.frame["date"].unique()[-8]]
    mmm = build_model(panel, train, pd.DataFrame(columns=LIFT_COLUMNS), load_model_config()).mmm
    assert isinstance(mmm.mu_effects[-1], CentredLevelEffect)
    names = ["mu", "intercept_contribution", "channel_contribution", "centring_effect_contribution"]
    draws = pm.sample_prior_predictive(draws=20, model=mmm.model, var_names=names, random_seed=2)
    prior = draws.prior
    # Whatever the media, controls, season and trend: the mean over the weeks is the intercept.
    np.testing.assert_allclose(
        prior["mu"].mean("date").transpose("chain", "draw", "geo").values,
        prior["intercept_contribution"].transpose("chain", "draw", "geo").values,
        rtol=1e-9,
        atol=1e-12,
    )
    # And the media do vary between draws, so the identity is not a coincidence of zeros.
    media = prior["channel_contribution"].mean("date").sum("channel")
    assert float(media.std(["chain", "draw"]).min()) > 1e-3


def test_new_weeks_change_the_media_but_never_the_centring(fitted) -> None:
    run = (
        fitted["conn"]
        .execute("select * from mmm.model_runs where status = 'accepted' limit 1")
        .df()
        .iloc[0]
        .to_dict()
    )
    mmm = load_model(run, fitted["root"] / "models")
    assert isinstance(mmm.mu_effects[-1], CentredLevelEffect)
    posterior = mmm.idata.posterior["centring_effect_contribution"]
    # Four new weeks with twice the largest training spend in every channel.
    X = mmm.idata.fit_data.to_dataset().to_dataframe().reset_index()
    later = X[X["date"] >= X["date"].unique()[-4]].copy()
    later["date"] = later["date"] + pd.Timedelta(weeks=4)
    for channel in mmm.channel_columns:
        later[channel] = 2 * X[channel].max()
    predicted = mmm.sample_posterior_predictive(
        later.drop(columns=[mmm.target_column], errors="ignore"),
        var_names=["centring_effect_contribution", "channel_contribution"],
        extend_idata=False,
        progressbar=False,
        random_seed=1,
    )
    centring = predicted["centring_effect_contribution"]
    if "sample" in centring.dims:
        centring = centring.unstack("sample")
    xr.testing.assert_allclose(centring.transpose(*posterior.dims), posterior, rtol=1e-12)
    # The media did move: the new weeks' spend is twice the largest trained on.
    trained = mmm.idata.posterior["channel_contribution"].sum("channel").mean()
    assert float(predicted["channel_contribution"].sum("channel").mean()) > float(trained)
