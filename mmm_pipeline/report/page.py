"""The report page as it is written: sections, tables, figures, and how numbers read.

The page and its PNG figures go in one folder (figures linked relatively, so the folder
can be zipped or served as it is); every estimate is shown as a centre with its range.
The page marks on ``<body>`` how many of its figures the browser could load
(``data-figures-loaded`` out of ``data-figures``), which the browser check reads.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f3f3f3; } div.wide { overflow-x: auto; }
img { max-width: 100%; display: block; margin: 0.5em 0; }
p.note { color: #555; font-size: 0.9em; }
"""
COUNT_FIGURES = """
window.addEventListener('load', () => {
  const figures = Array.from(document.querySelectorAll('img'));
  document.body.dataset.figures = figures.length;
  document.body.dataset.figuresLoaded =
    figures.filter(i => i.complete && i.naturalWidth > 0).length;
});
"""


@dataclass
class Report:
    """The page being written: its folder, its sections, its figures."""

    folder: Path
    parts: list[str] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)

    def section(self, title: str, intro: str) -> None:
        """Start a section with a plain title and one sentence on how to read it."""
        self.parts.append(f"<h2>{html.escape(title)}</h2><p class='note'>{html.escape(intro)}</p>")

    def table(self, frame: pd.DataFrame, empty: str = "Nothing to show yet.") -> None:
        """A table, or a sentence when there is nothing in it."""
        if frame.empty:
            self.parts.append(f"<p>{html.escape(empty)}</p>")
            return
        frame = frame.drop(columns=[c for c in ("run_id",) if c in frame])
        frame = frame.rename(columns=readable)
        for column in frame.select_dtypes(include="object"):
            frame[column] = frame[column].map(_spelled_out)
        table = frame.to_html(index=False, na_rep="", float_format=number, border=0)
        self.parts.append(f"<div class='wide'>{table}</div>")

    def figure(self, source: Path | None, caption: str) -> None:
        """Copy (or take) a PNG into the report folder and show it."""
        if source is None or not source.is_file():
            return
        target = self.folder / source.name
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        self.figures.append(target)
        caption = WORD_IDENTIFIER.sub(lambda m: m.group(0).replace("_", " "), caption)
        self.parts.append(
            f"<img src='{html.escape(target.name)}' alt='{html.escape(caption)}'>"
            f"<p class='note'>{html.escape(caption)}</p>"
        )

    def write(self, title: str) -> Path:
        """Write ``index.html`` and return its path.

        Returns
        -------
        Path
            ``index.html`` in the report folder.
        """
        page = (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
            f"<script>{COUNT_FIGURES}</script></head><body><h1>{html.escape(title)}</h1>"
            + "".join(self.parts)
            + "</body></html>"
        )
        path = self.folder / "index.html"
        path.write_text(page, encoding="utf-8")
        return path


IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")
WORD_IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# How a column name's words read in a header.
WORDS = {"roi": "ROI", "mmm": "MMM", "mape": "MAPE", "ess": "ESS", "rhat": "R-hat", "pct": "(%)"}


def readable(column: str) -> str:
    """A column name as a header reads it: ``holdout_mape_pct`` -> 'Holdout MAPE (%)'.

    Parameters
    ----------
    column
        The table's column name.

    Returns
    -------
    str
        Its words, known abbreviations written out, the first letter capitalised.
    """
    text = " ".join(WORDS.get(word, word) for word in str(column).split("_"))
    return text[:1].upper() + text[1:]


def _spelled_out(value: object) -> object:
    """An identifier cell (``branded_search``, ``same_budget``) in words.

    Returns
    -------
    object
        The identifier with spaces for underscores; any other value as it is.
    """
    if isinstance(value, str) and IDENTIFIER.fullmatch(value):
        return value.replace("_", " ")
    return value


def number(value: float) -> str:
    """A number as people read it: thousands separated, three significant digits below 100.

    Parameters
    ----------
    value
        The number.

    Returns
    -------
    str
        For example ``"12,345"`` or ``"0.0123"``.
    """
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def ranged(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Replace ``c``, ``c_low``, ``c_high`` with one text column "centre (low-high)".

    Returns
    -------
    pd.DataFrame
        A copy with each ``c`` and its bounds replaced by the column ``columns[c]``, written
        "centre (low to high)", empty where the centre is missing.
    """
    frame = frame.copy()
    for column, label in columns.items():
        frame[label] = [
            f"{number(c)} ({number(lo)} to {number(hi)})" if pd.notna(c) else ""
            for c, lo, hi in zip(
                frame[column], frame[f"{column}_low"], frame[f"{column}_high"], strict=True
            )
        ]
        frame = frame.drop(columns=[column, f"{column}_low", f"{column}_high"])
    return frame


def by_series(frame: pd.DataFrame) -> Iterator[tuple[tuple[str, str], pd.DataFrame]]:
    """``frame`` per segment and outcome; nothing for a table that does not exist yet.

    Yields
    ------
    tuple of ((str, str), pd.DataFrame)
        Each ``(segment, outcome)`` with its rows, in sorted order.
    """
    if not frame.empty:
        yield from frame.groupby(["segment", "outcome"])
