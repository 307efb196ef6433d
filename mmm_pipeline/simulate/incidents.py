"""Tracking incidents: weeks in which click data lies about where conversions came from.

``utm_stripped``: a redirect dropped query strings and referrers in DE for six weeks;
conversions and visits are still recorded, without UTMs. ``pixel_outage``: the GB site
tag was broken for three weeks; the backend still records conversions, without UTMs or
referrer, and no visits are tracked at all. Demand is untouched: only what tracking
sees changes, which is what a pipeline's data-quality checks must catch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmm_pipeline.simulate.timeline import Timeline


@dataclass(frozen=True)
class Incident:
    """A tracking incident in one geo over weeks ``[first, end)``."""

    kind: str
    geo: str
    geo_idx: int
    first: int
    end: int
    description: str

    def covers(self, geo_idx: np.ndarray, week: np.ndarray) -> np.ndarray:
        """Rows (by geo index and week) that fall inside the incident.

        Returns
        -------
        np.ndarray
            A boolean per row, true in the incident's geo and weeks.
        """
        return (geo_idx == self.geo_idx) & (week >= self.first) & (week < self.end)


_PLANS = (
    ("utm_stripped", "DE", 0.55, 6, "Redirect stripped UTM parameters and referrer"),
    ("pixel_outage", "GB", 0.75, 3, "Site tag down: conversions lost UTMs and referrer"),
)


def plan_incidents(geo_codes: list[str], n_weeks: int, enabled: bool) -> list[Incident]:
    """Place the incidents whose geo is simulated, inside the history.

    Returns
    -------
    list of Incident
        Each planned incident whose geo exists, starting at its share of the history and
        moved earlier if it would run past the end; empty when ``enabled`` is false.
    """
    if not enabled:
        return []
    out = []
    for kind, geo, frac, length, description in _PLANS:
        if geo not in geo_codes:
            continue
        first = min(round(frac * n_weeks), n_weeks - length)
        out.append(Incident(kind, geo, geo_codes.index(geo), first, first + length, description))
    return out


def incident_truth(incidents: list[Incident], timeline: Timeline) -> list[dict]:
    """Ground-truth records: kind, geo and the first and last affected week.

    Returns
    -------
    list of dict
        One record per incident, with its length in weeks and description.
    """
    return [
        {
            "kind": i.kind,
            "geo": i.geo,
            "first_week_start": str(timeline.week_starts[i.first]),
            "last_week_start": str(timeline.week_starts[i.end - 1]),
            "weeks": i.end - i.first,
            "description": i.description,
        }
        for i in incidents
    ]
