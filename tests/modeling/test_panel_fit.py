"""A real pymc-marketing fit on a tiny simulated panel: plumbing, gates, and the ranking.

Short chains on purpose (model plumbing, not inference quality): the known strong channel
must come out ahead of the known weak one, and the diagnostics and holdout error must be
measured and gated.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest

from mmm_pipeline.modeling.lift_tests import LIFT_COLUMNS
from mmm_pipeline.modeling.panel_fit import (
    fit_panel,
    holdout_reason,
)
from mmm_pipeline.modeling.progress import heartbeat
from tests.helpers import TINY, channel_contributions, tiny_panel


@pytest.fixture(scope="module")
def outcome():
    no_lift = pd.DataFrame(columns=LIFT_COLUMNS)
    return fit_panel(tiny_panel(), no_lift, TINY, holdout_weeks=6, seed=1)


def test_the_strong_channel_contributes_more_than_the_weak_one_in_every_geo(outcome) -> None:
    totals = channel_contributions(outcome).pivot(
        index="geo", columns="channel", values="contribution"
    )
    assert (totals["strong"] > 2 * totals["weak"]).all(), totals


def test_diagnostics_and_holdout_error_are_measured_and_gated(outcome) -> None:
    assert outcome.max_rhat >= 1.0
    assert outcome.min_ess > 0
    assert outcome.divergences >= 0
    assert outcome.holdout_mape is not None and outcome.naive_mape is not None
    assert outcome.holdout_mape < 0.2
    assert outcome.accepted == (outcome.reasons == [])


def test_the_holdout_gate_allows_a_little_worse_than_naive_but_not_much() -> None:
    assert holdout_reason(0.118, 0.108, 1.2) == ""
    assert holdout_reason(0.05, 0.10, 1.2) == ""
    reason = holdout_reason(0.20, 0.10, 1.2)
    assert "20.0%" in reason and "10.0%" in reason and "20% worse" in reason
    assert holdout_reason(None, 0.1, 1.2) == ""


def test_heartbeat_announces_beats_and_the_end() -> None:
    said: list[str] = []
    with heartbeat(said.append, "sampling", interval=0.05):
        time.sleep(0.3)
    assert said[0] == "sampling ..."
    assert sum("s so far" in message for message in said) >= 2
    assert said[-1].startswith("sampling: done in")
