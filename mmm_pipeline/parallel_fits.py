"""Fit several series at once: one Dagster run per partition, each in its own process.

A Dagster job runs one partition per run, so parallel fits are parallel *runs*, the
same thing a backfill in the UI launches. Each run samples in its own process and
touches the warehouse only to read its inputs and to publish, in the warehouse's turn
(``warehouse_lock``), so fits overlap where the time goes (sampling) and never fail on
DuckDB's one-process-per-file lock. The runs share the Dagster instance in
``DAGSTER_HOME``; their events are read back from it for the run summary.

With ``parallel=1`` the fits run one after the other in this process, as before: nutpie
already spreads one fit's chains over two cores, so on a small machine that is fastest.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import dagster as dg

from mmm_pipeline.run_console import RunConsole, worker_console

FIT_JOB = "mmm_fit"


@dataclass(frozen=True)
class StoredRun:
    """A finished run read back from the instance: what the run summary needs of it."""

    run_id: str
    success: bool
    all_events: list[dg.DagsterEvent]

    @classmethod
    def from_instance(cls, instance: dg.DagsterInstance, run_id: str) -> StoredRun:
        """Status and events of ``run_id`` as stored by the process that ran it.

        Parameters
        ----------
        instance
            The Dagster instance the run was stored in.
        run_id
            The run to read back.

        Returns
        -------
        StoredRun
            Successful only when the run's status is ``SUCCESS``; the events are the
            run's Dagster events in log order.

        Raises
        ------
        LookupError
            If the instance has no run ``run_id``.
        """
        run = instance.get_run_by_id(run_id)
        if run is None:
            raise LookupError(
                f"Dagster run {run_id} is not in the instance at {instance.root_directory}"
            )
        events = [
            entry.dagster_event
            for entry in instance.all_logs(run_id)
            if entry.dagster_event is not None
        ]
        return cls(run_id, run.status == dg.DagsterRunStatus.SUCCESS, events)


def _fit_in_subprocess(partition_key: str) -> str:
    """Run the fit job for one partition in this worker process; return the run id.

    Runs in a spawned interpreter: the definitions and the instance are loaded anew from
    the environment, which the parent set up (``export_to_environment``).

    Returns
    -------
    str
        The Dagster run id, also when the run failed (failures are in its stored events).
    """
    from mmm_pipeline.definitions import defs

    with worker_console() as console, dg.DagsterInstance.get() as instance:
        job, run_config = console.job(defs.resolve_job_def(FIT_JOB))
        result = job.execute_in_process(
            run_config=run_config,
            instance=instance,
            partition_key=partition_key,
            raise_on_error=False,
        )
        return result.run_id


def run_fits(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    partition_keys: Sequence[str],
    parallel: int,
    console: RunConsole,
) -> list[dg.ExecuteInProcessResult | StoredRun]:
    """Fit every partition in ``partition_keys``, ``parallel`` at a time, in key order.

    Parameters
    ----------
    defs
        The definitions holding the ``mmm_fit`` job (used for fits in this process).
    instance
        The Dagster instance the runs are stored in and read back from.
    partition_keys
        The ``mmm_series`` partitions to fit.
    parallel
        How many fits run at once; 1 (or a single key) fits in this process.
    console
        Where progress lines go and which loggers the jobs get (run_console.py).

    Returns
    -------
    list of dagster.ExecuteInProcessResult or StoredRun
        One per key, in key order: in-process results when fitted here, else the runs read
        back from the instance; a worker lost outside Dagster gives an unsuccessful
        :class:`StoredRun` with an empty run id and no events.
    """
    if parallel <= 1 or len(partition_keys) <= 1:
        results = []
        job, run_config = console.job(defs.resolve_job_def(FIT_JOB))
        for key in partition_keys:
            console.print(f"{FIT_JOB} {key}:")
            results.append(
                job.execute_in_process(
                    run_config=run_config,
                    instance=instance,
                    partition_key=key,
                    raise_on_error=False,
                )
            )
        return results
    workers = min(parallel, len(partition_keys))
    console.print(f"{FIT_JOB} {', '.join(partition_keys)} ({workers} at a time):")
    # spawn, not fork: the parent holds Dagster's and PyTensor's threads and caches.
    context = multiprocessing.get_context("spawn")
    results: list[dg.ExecuteInProcessResult | StoredRun] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {key: pool.submit(_fit_in_subprocess, key) for key in partition_keys}
        for key, future in futures.items():
            try:
                results.append(StoredRun.from_instance(instance, future.result()))
            except Exception as error:  # a lost worker fails its own fit only
                console.print(f"  {FIT_JOB} {key} failed outside Dagster: {error!r}")
                results.append(StoredRun(run_id="", success=False, all_events=[]))
    return results
