"""The report of a real run, opened in a real browser."""

from __future__ import annotations

import pytest

from tests.fitted_model import (
    materialized,
)
from tests.support.browser import chromium, figures_shown


def test_the_report_renders_with_every_figure_in_a_real_browser(fitted: dict) -> None:
    assert "mmm/report" in materialized(fitted["report"])
    (page,) = (fitted["root"] / "reports").glob("*/index.html")
    text = page.read_text()
    for title in (
        "Is the data ready for a model?",
        "How good are the models?",
        "What does a unit of spend return?",
        "Do the lift tests agree with the model?",
        "Who gets the credit?",
        "Where does the next dollar go?",
        "Budget scenarios",
    ):
        assert title in text
    executable = chromium()
    if executable is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium)")
    shown, loaded = figures_shown(page, executable)
    # Fit, contributions, ROI, experiments, attribution, curves, scenario: at least 7.
    assert shown >= 7 and loaded == shown
