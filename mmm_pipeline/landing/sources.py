"""The landing-zone sources of the data contract: columns and keys per source folder.

This is the Python side of ``../shared/spec/data-contract.md`` (input half). The dbt
staging models deduplicate on the same keys, so a key listed here is the definition of
"the same row" for last-delivery-wins.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceSpec:
    """One source folder of the landing zone."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: tuple[str, ...]
    description: str

    @property
    def columns(self) -> tuple[str, ...]:
        """Every contract column, required first."""
        return self.required + self.optional


SOURCES: dict[str, SourceSpec] = {
    spec.name: spec
    for spec in (
        SourceSpec(
            name="ad_spend",
            required=("date", "geo", "platform", "campaign", "spend"),
            optional=("currency", "impressions", "clicks", "engagements"),
            key=("date", "geo", "platform", "campaign"),
            description="Ad spend, impressions, clicks and engagements per day, geo, "
            "platform and campaign, as the platforms export them.",
        ),
        SourceSpec(
            name="conversions",
            required=("conversion_id", "occurred_at", "geo", "outcome", "value"),
            optional=(
                "segment",
                "customer_id",
                "is_new_customer",
                "utm_source",
                "utm_medium",
                "utm_campaign",
                "referrer",
            ),
            key=("conversion_id", "outcome"),
            description="One row per conversion event with the UTMs of its session.",
        ),
        SourceSpec(
            name="touchpoints",
            required=("customer_id", "occurred_at"),
            optional=("geo", "utm_source", "utm_medium", "utm_campaign", "referrer"),
            key=("customer_id", "occurred_at", "utm_source", "utm_medium", "utm_campaign"),
            description="Tracked visits and ad clicks per customer, for path-based models.",
        ),
        SourceSpec(
            name="survey_responses",
            required=("response_id", "conversion_id", "answer"),
            optional=("answered_at", "question_id"),
            key=("response_id",),
            description="Post-purchase survey answers ('how did you hear about us?').",
        ),
        SourceSpec(
            name="experiments",
            required=(
                "experiment_id",
                "channel",
                "start_date",
                "end_date",
                "outcome",
                "spend_delta",
                "lift",
                "lift_sigma",
            ),
            optional=("geo", "segment"),
            key=("experiment_id",),
            description="Lift-test results: the ground truth the MMM is calibrated to.",
        ),
        SourceSpec(
            name="controls",
            required=("date", "name", "value"),
            optional=("geo",),
            key=("date", "geo", "name"),
            description="Control variables (promotions, holidays) per day and geo.",
        ),
        SourceSpec(
            name="outcomes",
            required=("date", "geo", "outcome", "conversions"),
            optional=("segment", "value"),
            key=("date", "geo", "segment", "outcome"),
            description="Outcomes known only in aggregate (finance revenue, CRM pipeline).",
        ),
    )
}
