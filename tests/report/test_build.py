"""The report of a real run, opened in a real browser."""

from __future__ import annotations

import re

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
        "Do the models forecast the weeks they did not see?",
        "Which lift test to run next?",
        "How much of each channel does the survey see?",
    ):
        assert title in text
    # The survey's recall per surveyed channel, and which level the others borrow: the
    # fixture's lift test on meta measures meta's recall, and so the level.
    recall = text[text.index("How much of each channel does the survey see?") :]
    recall = re.sub(r"<[^>]+>", " ", recall[: recall.index("<h2>", 10)])
    assert re.search(r"meta\s+[\d.]+ \([\d.]+ to [\d.]+\)\s+lift test\s", recall)
    assert re.search(r"common level\s+[\d.]+ \([\d.]+ to [\d.]+\)\s+lift tests\s", recall)
    executable = chromium()
    if executable is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium)")
    shown, loaded, too_wide = figures_shown(page, executable)
    # Fit, contributions, ROI, experiments, attribution, curves, scenario: at least 7.
    assert shown >= 7 and loaded == shown
    assert too_wide == 0, f"{too_wide} table(s) wider than the page"


def test_the_report_opens_with_a_summary_in_words(fitted: dict) -> None:
    (page,) = (fitted["root"] / "reports").glob("*/index.html")
    text = page.read_text()
    headings = re.findall(r"<h2>([^<]*)</h2>", text)
    assert headings[0] == "Summary"
    summary = text[text.index("<h2>Summary</h2>") : text.index(f"<h2>{headings[1]}</h2>")]
    words = re.sub(r"<[^>]+>", " ", summary)
    assert "Self-serve signup" in words
    # The strong channel's share, with its range, in words a marketer reads.
    assert re.search(r"meta \d+% \(\d+% to \d+%\)", words)
    assert re.search(r"chance of beating today&#x27;s plan|keep the plan", words)
    # No column names or identifiers anywhere in the page's text: headers are labels,
    # channels, scenarios and captions are words. Tables named as places to look
    # (mmm.readiness, in a rejected model's advice) are not column names.
    headers = re.findall(r"<th>([^<]*)</th>", text)
    assert headers and not [h for h in headers if "_" in h]
    # Money in the reporting currency; an estimate and its range in one cell.
    assert "Spend (USD)" in headers and "ROI (90% range)" in headers
    assert re.search(r"<td>[\d.,]+ \([\d.,]+ to [\d.,]+\)</td>", text)
    body = re.sub(r"<[^>]+>", " ", text.split("</style>")[1].split("</script>")[-1])
    assert re.findall(r"(?<![.\w])[a-z]+(?:_[a-z0-9]+)+\b", body) == []
