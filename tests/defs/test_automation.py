"""The landing-zone sensor and the schedules, evaluated through Dagster."""

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from mmm_pipeline.definitions import defs
from mmm_pipeline.landing.arrivals import decide, landing_state
from mmm_pipeline.modeling.series import SERIES_PARTITIONS_NAME
from mmm_pipeline.settings import get_settings

QUIET = 60.0
# Through the project's definitions, resolved before any test instance exists (a
# definitions load inside a closed test instance's lifetime fails later tests).
landing_zone_sensor = defs.resolve_sensor_def("landing_zone_sensor")
weekly_refresh = defs.resolve_schedule_def("weekly_refresh")
quarterly_refit = defs.resolve_schedule_def("quarterly_refit")


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MMM_LANDING_DIR", str(tmp_path))
    monkeypatch.setenv("MMM_LANDING_QUIET_SECONDS", str(QUIET))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _deliver(landing: Path, name: str, text: str = "date,geo\n", age: float = 120.0) -> Path:
    path = landing / "ad_spend" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def _evaluate(cursor: str | None):
    return landing_zone_sensor.evaluate_tick(dg.build_sensor_context(cursor=cursor))


def test_one_new_file_starts_exactly_one_run_once(landing: Path) -> None:
    assert not _evaluate(None).run_requests
    _deliver(landing, "meta_q1.csv")
    first = _evaluate(None)
    assert len(first.run_requests) == 1
    assert first.run_requests[0].run_key.startswith("landing-")
    again = _evaluate(first.cursor)
    assert not again.run_requests and "nothing new" in again.skip_message


def test_a_burst_waits_for_quiet_then_starts_one_run(landing: Path) -> None:
    cursor = _evaluate(None).cursor
    files = [_deliver(landing, f"export_{i}.csv", age=5.0) for i in range(3)]
    waiting = _evaluate(cursor)
    assert not waiting.run_requests and "still arriving" in waiting.skip_message
    for path in files:
        stamp = time.time() - 2 * QUIET
        os.utime(path, (stamp, stamp))
    done = _evaluate(waiting.cursor)
    assert len(done.run_requests) == 1


def test_a_changed_file_is_a_new_arrival_and_hidden_files_are_not(landing: Path) -> None:
    path = _deliver(landing, "meta_q1.csv")
    cursor = _evaluate(None).cursor
    _deliver(landing, ".meta_q1.csv.partial", age=500.0)
    assert not _evaluate(cursor).run_requests
    path.write_text("date,geo,spend\n")
    stamp = time.time() - 2 * QUIET
    os.utime(path, (stamp, stamp))
    assert len(_evaluate(cursor).run_requests) == 1


def test_decide_keeps_the_cursor_until_it_requests_a_run(landing: Path) -> None:
    _deliver(landing, "a.csv", age=10.0)
    state = landing_state(landing)
    waiting = decide(state, "old", time.time(), QUIET)
    assert (waiting.run, waiting.cursor) == (False, "old")
    ready = decide(state, "old", time.time() + QUIET, QUIET)
    assert (ready.run, ready.cursor) == (True, state.digest)


def test_the_weekly_refresh_runs_mondays_and_the_refit_runs_every_series_quarterly(
    tmp_path: Path,
) -> None:
    assert weekly_refresh.cron_schedule == "0 6 * * 1"
    assert weekly_refresh.execution_timezone == get_settings().schedule_timezone
    assert weekly_refresh.job_name == "mmm_refresh"
    # A plain local instance: instance_for_test leaves a closed global instance behind
    # for later tests that load the definitions.
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        instance.add_dynamic_partitions(SERIES_PARTITIONS_NAME, ["a.signup", "b.order"])
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2027, 1, 1, 3, tzinfo=UTC)
        )
        requests = quarterly_refit(context)
    assert sorted(r.partition_key for r in requests) == ["a.signup", "b.order"]
    assert {r.run_key for r in requests} == {
        "refit-a.signup-2027-01-01",
        "refit-b.order-2027-01-01",
    }
