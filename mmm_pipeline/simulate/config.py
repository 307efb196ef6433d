"""The knobs of one simulation run, validated at the public boundary."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from mmm_pipeline.simulate.business import CHANNEL_ORDER

MAX_GEOS = 8


class SimulationConfig(BaseModel):
    """What to simulate.

    The same config always produces byte-identical files: every random draw comes from
    generators seeded with ``seed``, so a test or a benchmark can name its data set by
    its config alone.

    Parameters
    ----------
    seed
        Seed of every random draw.
    weeks
        Length of the history in weeks. The default (three years) is what a real MMM
        needs; small values keep tests fast, and launches and tests scale with it.
    geos
        How many markets, taken in order from US, DE, GB, BR, FR, JP, AU, CA.
    start_date
        Monday of the first simulated week; ISO weeks start on Mondays.
    scale
        Multiplies conversion volume and spend alike, so unit economics (and ROI) do not
        depend on it while row counts grow with it.
    touchpoints
        Write ``touchpoints/`` (prior visits per self-serve conversion).
    incidents
        Break tracking in two geos for a few weeks, as real pixels and redirects do.
    channels
        How many paid channels the business buys, taken in the order of
        :data:`~mmm_pipeline.simulate.business.CHANNEL_ORDER`; ``None`` buys all of
        them. The others do not exist: no spend, clicks, answers, tests or truth.
    lift_tests
        Keep at most this many lift tests, the first in booking order of those that fit
        the history; ``None`` keeps every one that fits.
    cpm_season
        Buy impressions at a seasonal cost (October 25% dearer, November and December
        50%, summer 15% cheaper) and let conversions follow the impressions, not the
        spend: a dear quarter is less media for the money.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 42
    weeks: int = Field(default=156, ge=12, le=520)
    geos: int = Field(default=4, ge=1, le=MAX_GEOS)
    start_date: date = date(2023, 11, 27)
    scale: float = Field(default=1.0, gt=0.0, le=1000.0)
    touchpoints: bool = True
    incidents: bool = True
    channels: int | None = Field(default=None, ge=1, le=len(CHANNEL_ORDER))
    lift_tests: int | None = Field(default=None, ge=0)
    cpm_season: bool = False

    @field_validator("start_date")
    @classmethod
    def _start_on_monday(cls, value: date) -> date:
        if value.weekday() != 0:
            raise ValueError(
                f"start_date {value.isoformat()} is a {value.strftime('%A')}; "
                "weeks are ISO weeks, so start_date must be a Monday"
            )
        return value

    @model_serializer(mode="wrap")
    def _leave_out_unset_options(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave options left at ``None``, and ``cpm_season`` left off, out of the record.

        Ground truth records the config and a landing zone is recognised by it, so
        leaving the unset options out keeps a run without them byte-identical to one made
        before they existed.

        Returns
        -------
        dict of str to Any
            The serialised config without the keys whose value is ``None`` and without
            ``cpm_season`` when it is off.
        """
        record = handler(self)
        if not record.get("cpm_season"):
            record.pop("cpm_season", None)
        return {key: value for key, value in record.items() if value is not None}
