"""dbt models, seeds and tests as Dagster assets and asset checks."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from mmm_pipeline.defs.resources import Warehouse
from mmm_pipeline.defs.transform.project import mmm_dbt_project


class MmmDbtTranslator(DagsterDbtTranslator):
    """Every mapping from dbt nodes to Dagster asset keys and groups, in one place.

    Models and seeds are keyed ``<schema>/<name>`` (``marts/fct_media_weekly``), the way
    users find them in the warehouse; sources keep dbt's ``raw/<table>``, which is the
    key of the ingestion asset that loads them. Groups follow the dbt layer.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        """Key models and seeds by warehouse schema and name.

        Returns
        -------
        dg.AssetKey
            ``<schema>/<name>`` for a model or seed, dbt's default key otherwise.
        """
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Group by layer: seeds, staging, intermediate, marts.

        Returns
        -------
        str or None
            The schema of a model or seed, dbt's default group otherwise.
        """
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            return dbt_resource_props["schema"]
        return super().get_group_name(dbt_resource_props)


dbt_translator = MmmDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=mmm_dbt_project().manifest_path,
    project=mmm_dbt_project(),
    dagster_dbt_translator=dbt_translator,
)
def mmm_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse
) -> Iterator[Any]:
    """Build seeds, staging views, intermediate and mart tables, and run their tests.

    dbt opens the warehouse in a process of its own, so the build holds the warehouse's
    turn throughout: a fit publishing meanwhile waits instead of failing on DuckDB's lock.

    Yields
    ------
    Any
        The events dbt's build streams: a materialization per model and seed and a check
        result per test.
    """
    with warehouse.turn():
        yield from dbt.cli(["build"], context=context).stream()
