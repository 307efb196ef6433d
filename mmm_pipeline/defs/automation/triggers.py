"""Runs that start on their own: new deliveries, every week, every quarter.

* ``landing_zone_sensor`` (every 30 s): when the landing zone holds new or changed files
  and has been quiet for ``MMM_LANDING_QUIET_SECONDS``, one ``mmm_refresh`` run, keyed by
  the landing zone's digest, so one arrival starts one run, once, whatever the burst.
* ``weekly_refresh`` (Mondays 06:00): the same refresh on a clock, for weeks without
  deliveries (the report and plans still roll forward).
* ``quarterly_refit`` (the 1st of January, April, July, October, 03:00): one ``mmm_fit``
  run per series partition. Each accepted fit replaces its series' model in force; the
  next refresh carries it into attribution and plans.

Schedules run in ``MMM_SCHEDULE_TIMEZONE`` (default: the reporting timezone).
"""

import time

import dagster as dg

from mmm_pipeline.defs.jobs import mmm_fit, mmm_refresh
from mmm_pipeline.landing.arrivals import decide, landing_state
from mmm_pipeline.modeling.series import SERIES_PARTITIONS_NAME
from mmm_pipeline.settings import get_settings

_settings = get_settings()


@dg.sensor(
    job=mmm_refresh,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts one refresh when new or changed deliveries have finished landing.",
)
def landing_zone_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Compare the landing zone with the cursor; request one run per finished arrival.

    Returns
    -------
    dg.SensorResult
        The advanced cursor, with one ``mmm_refresh`` run request keyed by the landing zone's
        digest when an arrival has settled, or a skip reason when not.
    """
    settings = get_settings()
    state = landing_state(settings.landing_dir)
    decision = decide(state, context.cursor, time.time(), settings.landing_quiet_seconds)
    if not decision.run:
        return dg.SensorResult(skip_reason=decision.reason, cursor=decision.cursor)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(run_key=f"landing-{state.digest}", tags={"reason": decision.reason})
        ],
        cursor=decision.cursor,
    )


weekly_refresh = dg.ScheduleDefinition(
    name="weekly_refresh",
    job=mmm_refresh,
    cron_schedule="0 6 * * 1",
    execution_timezone=_settings.schedule_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every Monday: load, check and refresh attribution, plans and the report.",
)


@dg.schedule(
    job=mmm_fit,
    cron_schedule="0 3 1 1,4,7,10 *",
    execution_timezone=_settings.schedule_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every quarter: refit every series (one run per mmm_series partition).",
)
def quarterly_refit(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """One fit run per series found in the data.

    Returns
    -------
    list of dg.RunRequest
        One ``mmm_fit`` request per ``mmm_series`` partition, keyed by series and date so a
        quarter's refit is requested once.
    """
    stamp = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return [
        dg.RunRequest(run_key=f"refit-{key}-{stamp}", partition_key=key)
        for key in context.instance.get_dynamic_partitions(SERIES_PARTITIONS_NAME)
    ]
