"""What an impression costs, week by week: the auction's season.

Platforms sell impressions at auction, and the auction is dearer when every advertiser
buys at once: Q4 is the usual case. A family with ``cpm_season`` buys its impressions at
the multiples below of each channel's CPM; one whose ``exposure`` is ``impressions`` is
then moved by what it saw, not by what it paid, so a dear quarter is less media for the
money. Months are read at each week's Thursday, as the season is elsewhere.
"""

from __future__ import annotations

import numpy as np

from heldout.timeline import Timeline

# October 25% dearer, November and December 50%, summer 15% cheaper; 1 otherwise.
CPM_BY_MONTH = {6: 0.85, 7: 0.85, 8: 0.85, 10: 1.25, 11: 1.5, 12: 1.5}


def cpm_multiplier(timeline: Timeline, seasonal: bool) -> np.ndarray:
    """Each simulated week's CPM as a multiple of the channel's catalogue CPM, (weeks,)."""
    if not seasonal:
        return np.ones(timeline.total)
    months = (timeline.all_weeks + np.timedelta64(3, "D")).month.to_numpy()
    return np.array([CPM_BY_MONTH.get(int(m), 1.0) for m in months])
