"""The report page as it is written: sections, tables, figures, and how numbers read.

The page and its PNG figures go in one folder (figures linked relatively, so the folder
can be zipped or served as it is); every estimate is shown as a centre with its range.
The page marks on ``<body>`` how many of its figures the browser could load
(``data-figures-loaded`` out of ``data-figures``) and how many tables came out wider
than the page (``data-tables-too-wide``), which the browser check reads.

Tables are written for a reader, not from a schema: headers in words, money headed
with the reporting currency, an estimate and its bounds (``c``, ``c_low``, ``c_high``)
as one cell "centre (low to high)", counts with thousands separators, dates as dates.
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
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; overflow-wrap: break-word; }
th { background: #f3f3f3; } table { max-width: 100%; } h3 { font-size: 1.05em; }
img { max-width: 100%; display: block; margin: 0.5em 0; }
p.note { color: #555; font-size: 0.9em; }
"""
COUNT_FIGURES = """
window.addEventListener('load', () => {
  const figures = Array.from(document.querySelectorAll('img'));
  document.body.dataset.figures = figures.length;
  document.body.dataset.figuresLoaded =
    figures.filter(i => i.complete && i.naturalWidth > 0).length;
  const page = document.body.getBoundingClientRect().width;
  document.body.dataset.tablesTooWide = Array.from(document.querySelectorAll('table'))
    .filter(t => t.getBoundingClientRect().width > page + 1).length;
});
"""


@dataclass
class Report:
    """The page being written: its folder, its sections, its figures.

    ``currency`` heads the money columns; ``level`` names the ranges.
    """

    folder: Path
    currency: str = "USD"
    level: float = 0.9
    parts: list[str] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)

    def section(self, title: str, intro: str) -> None:
        """Start a section with a plain title and one sentence on how to read it."""
        self.parts.append(f"<h2>{html.escape(title)}</h2><p class='note'>{html.escape(intro)}</p>")

    def subheading(self, text: str) -> None:
        """A heading inside a section, e.g. one series' table."""
        self.parts.append(f"<h3>{html.escape(text)}</h3>")

    def table(self, frame: pd.DataFrame, empty: str = "Nothing to show yet.") -> None:
        """A table, or a sentence when there is nothing in it."""
        if frame.empty:
            self.parts.append(f"<p>{html.escape(empty)}</p>")
            return
        frame = frame.drop(columns=[c for c in ("run_id",) if c in frame])
        frame = _with_ranges(frame, f"{self.level:.0%} range")
        for column in frame.columns:
            values = frame[column]
            if pd.api.types.is_datetime64_any_dtype(values):
                frame[column] = values.dt.strftime("%-d %b %Y")
            elif pd.api.types.is_bool_dtype(values):
                frame[column] = values.map({True: "yes", False: "no"})
            elif pd.api.types.is_integer_dtype(values):
                frame[column] = values.map("{:,}".format)
            elif values.dtype == object or pd.api.types.is_string_dtype(values):
                frame[column] = values.map(_spelled_out)
        frame = frame.rename(columns=lambda c: self._header(str(c)))
        table = frame.to_html(index=False, na_rep="", float_format=number, border=0)
        self.parts.append(table)

    def _header(self, column: str) -> str:
        """A column's header: its words, money columns with the reporting currency.

        Returns
        -------
        str
            For example 'Spend (USD)' or 'ROI (90% range)'.
        """
        base, _, rest = column.partition(" (")
        label = readable(base) + (f" ({self.currency})" if base in MONEY else "")
        return label + (f" ({rest}" if rest else "")

    def figure(self, source: Path | None, caption: str) -> None:
        """Copy (or take) a PNG into the report folder and show it."""
        if source is None or not source.is_file():
            return
        target = self.folder / source.name
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        self.figures.append(target)
        caption = in_words(caption)
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


# Columns that hold money, in the reporting currency.
MONEY = {
    "spend",
    "budget",
    "current_budget",
    "spend_change",
    "recent_weekly_spend",
    "saturation_spend",
    "contribution_value",
    "cost_per_conversion",
}
# An identifier inside text; a table named as a place to look (mmm.readiness) stays.
WORD_IDENTIFIER = re.compile(r"(?<![.\w])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# How a column name's words read in a header.
WORDS = {
    "roi": "ROI",
    "mmm": "MMM",
    "mape": "MAPE",
    "ess": "ESS",
    "rhat": "R-hat",
    "pct": "(%)",
    "crps": "CRPS",
}


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


def in_words(text: str) -> str:
    """Text with its identifiers (``branded_search``, ``same_budget``) in words.

    Returns
    -------
    str
        ``text`` with underscores in identifiers turned into spaces; ``schema.table``
        names are left as they are.
    """
    return WORD_IDENTIFIER.sub(lambda m: m.group(0).replace("_", " "), text)


def _spelled_out(value: object) -> object:
    """A text cell in words (:func:`in_words`); any other value as it is.

    Returns
    -------
    object
        The text with its identifiers spelled out, or ``value`` itself.
    """
    return in_words(value) if isinstance(value, str) else value


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


def rename_estimates(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Rename estimates together with their bounds.

    ``{"contribution": "conversions"}`` renames ``contribution``, ``contribution_low``
    and ``contribution_high``.

    Returns
    -------
    pd.DataFrame
        A copy of ``frame`` with the columns renamed.
    """
    mapping = {
        f"{old}{end}": f"{new}{end}" for old, new in names.items() for end in ("", "_low", "_high")
    }
    return frame.rename(columns=mapping)


def _with_ranges(frame: pd.DataFrame, range_name: str) -> pd.DataFrame:
    """Each estimate with bounds (``c``, ``c_low``, ``c_high``) as one "c (range)" column.

    Returns
    -------
    pd.DataFrame
        ``frame`` with every such triple replaced, where ``c`` stood, by the column
        ``"c (<range_name>)"`` written "centre (low to high)", empty where the centre
        is missing; other columns as they were.
    """
    columns = {}
    for column in frame.columns:
        if column.endswith(("_low", "_high")) and column.rsplit("_", 1)[0] in frame.columns:
            continue
        if f"{column}_low" not in frame.columns or f"{column}_high" not in frame.columns:
            columns[column] = frame[column]
            continue
        columns[f"{column} ({range_name})"] = [
            f"{number(c)} ({number(lo)} to {number(hi)})" if pd.notna(c) else ""
            for c, lo, hi in zip(
                frame[column], frame[f"{column}_low"], frame[f"{column}_high"], strict=True
            )
        ]
    return pd.DataFrame(columns, index=frame.index)


def series_label(segment: str, outcome: str) -> str:
    """``self_serve``, ``demo_request`` -> 'Self-serve demo request'.

    Returns
    -------
    str
        The series as a heading reads it.
    """
    text = f"{segment.replace('_', '-')} {outcome.replace('_', ' ')}"
    return text[:1].upper() + text[1:]


def by_series(frame: pd.DataFrame) -> Iterator[tuple[tuple[str, str], pd.DataFrame]]:
    """``frame`` per segment and outcome; nothing for a table that does not exist yet.

    Yields
    ------
    tuple of ((str, str), pd.DataFrame)
        Each ``(segment, outcome)`` with its rows, in sorted order.
    """
    if not frame.empty:
        yield from frame.groupby(["segment", "outcome"])
