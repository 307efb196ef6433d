"""Forecasts with pymc-marketing's trend scaling against ours, on the same posterior.

pymc-marketing 1.3's ``LinearTrendEffect`` divides time by the largest time of the data
it predicts; ``modeling/trend.py`` divides by the training span. In the fit both are the
same, so one fit serves both: it is saved once and loaded twice, once with the
library's scaling put back, and each predicts the held-out weeks (``fit_panel``'s
holdout) with the actual spend. Printed per business: the holdout MAPE per geo-week and
the bias of the all-geo total over the held-out weeks.

    PYTHONHASHSEED=0 .venv/bin/python benchmarks/trend_extrapolation.py \
        --workdir /tmp/mmm-recovery/heldout-b2b-seed1 --segment self_serve --holdout 8

A workdir is one that ``benchmarks/recovery.py`` left (landing zone and warehouse).
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
from pymc_marketing.mmm import MMM
from pymc_marketing.mmm.additive_effect import LinearTrendEffect

from benchmarks.recovery import load_inputs
from mmm_pipeline.modeling.forecasts import predict_after
from mmm_pipeline.modeling.panel import DATE, GEO, TARGET
from mmm_pipeline.modeling.panel_fit import PROFILES, fit_panel
from mmm_pipeline.modeling.runs import load_model_file
from mmm_pipeline.modeling.trend import TrainingScaledTrendEffect


def _scores(mmm: MMM, frame, holdout: int) -> tuple[float, float]:
    dates = np.sort(frame[DATE].unique())
    test = frame[frame[DATE] >= dates[-holdout]]
    predicted = predict_after(mmm, test.drop(columns=[TARGET])).mean("sample")
    joined = test.merge(predicted.to_dataframe("forecast").reset_index(), on=[DATE, GEO])
    actual, forecast = joined[TARGET].to_numpy(), joined["forecast"].to_numpy()
    mask = actual > 0
    mape = float(np.mean(np.abs(forecast[mask] - actual[mask]) / actual[mask]))
    return mape, float((forecast.sum() - actual.sum()) / actual.sum())


def main() -> None:
    """Fit once, predict the holdout with both scalings, print both."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, required=True, action="append")
    parser.add_argument("--segment", default="self_serve")
    parser.add_argument("--outcome", default="signup")
    parser.add_argument("--holdout", type=int, default=8)
    parser.add_argument("--profile", default="fast")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    library_effect = LinearTrendEffect.create_effect
    ours = TrainingScaledTrendEffect.create_effect
    print("| business | holdout weeks | MAPE, library | MAPE, ours | bias, library | bias, ours |")
    print("|---|---:|---:|---:|---:|---:|")
    for folder in args.workdir:
        panel, lift = load_inputs(folder / "warehouse.duckdb", args.segment, args.outcome)
        outcome = fit_panel(panel, lift, PROFILES[args.profile], args.holdout, seed=1)
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "model.nc")
            outcome.mmm.save(path)
            scores = {}
            for name, effect in (("library", library_effect), ("ours", ours)):
                TrainingScaledTrendEffect.create_effect = effect
                scores[name] = _scores(load_model_file(path), panel.frame, args.holdout)
            TrainingScaledTrendEffect.create_effect = ours
        (lm, lb), (om, ob) = scores["library"], scores["ours"]
        print(f"| {folder.name} | {args.holdout} | {lm:.1%} | {om:.1%} | {lb:+.1%} | {ob:+.1%} |")


if __name__ == "__main__":
    main()
