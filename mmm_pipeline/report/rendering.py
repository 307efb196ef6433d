"""How every figure is written and how every range is drawn: one home for both.

Figures are drawn without pyplot (no display, no global state). A figure is written as
a PNG, and for the Dagster UI also returned as Markdown with the image inlined. The
interval level is the run's (``MMM_INTERVAL_LEVEL``), never a hard-coded 90%.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy.stats import norm

DPI = 90


def save(figure: Figure, path: Path) -> Path:
    """Write ``figure`` as a PNG.

    Parameters
    ----------
    figure
        The figure, laid out tight before it is written.
    path
        Where the PNG goes; its folder is created.

    Returns
    -------
    pathlib.Path
        ``path``, for the caller to link.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    return path


def as_markdown(figure: Figure, path: Path, title: str) -> str:
    """Write ``figure`` as a PNG and inline the same image in Markdown for the Dagster UI.

    Parameters
    ----------
    figure
        The figure to write.
    path
        Where the PNG goes.
    title
        The figure's title in the Markdown.

    Returns
    -------
    str
        Bold title, the PNG's path, and the image as a base64 data URL.
    """
    save(figure, path)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f"**{title}** (`{path}`)\n\n![{title}](data:image/png;base64,{encoded})"


def interval_label(level: float) -> str:
    """A range's legend text at this interval level.

    Parameters
    ----------
    level
        The interval level, e.g. 0.9.

    Returns
    -------
    str
        For example ``"90% interval"``.
    """
    return f"{level:.0%} interval"


def error_bars(centre: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Matplotlib's ``xerr`` for a centre and its interval, never negative.

    Parameters
    ----------
    centre, low, high
        The value and its interval's ends, one entry per bar.

    Returns
    -------
    numpy.ndarray
        Shape ``(2, n)``: distance down to ``low`` and up to ``high``.
    """
    centre = np.asarray(centre, dtype=float)
    spans = np.vstack([centre - np.asarray(low, float), np.asarray(high, float) - centre])
    return np.clip(spans, 0, None)


def normal_half_width(sigma: np.ndarray, level: float) -> np.ndarray:
    """Half the width of a normal interval at this level (1.645 sigma at 90%).

    Parameters
    ----------
    sigma
        Standard deviations, e.g. of lift-test measurements.
    level
        The interval level.

    Returns
    -------
    numpy.ndarray
        ``z * sigma`` with ``z`` the normal quantile of ``(1 + level) / 2``.
    """
    return float(norm.ppf((1 + level) / 2)) * np.asarray(sigma, dtype=float)
