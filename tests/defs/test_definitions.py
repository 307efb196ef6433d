"""The Dagster definitions load and hold what the data contract promises."""

from mmm_pipeline.definitions import defs


def test_definitions_load_with_every_source_and_contract_mart() -> None:
    keys = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    for source in (
        "ad_spend",
        "conversions",
        "touchpoints",
        "survey_responses",
        "experiments",
        "controls",
        "outcomes",
    ):
        assert f"raw/{source}" in keys
    assert {"marts/fct_media_weekly", "marts/fct_conversions_weekly"} <= keys


def test_dbt_staging_hangs_under_the_ingestion_assets() -> None:
    graph = defs.resolve_asset_graph()
    parents = graph.get(
        next(k for k in graph.get_all_asset_keys() if k.path[-1] == "stg_landing__ad_spend")
    ).parent_keys
    assert {key.to_user_string() for key in parents} >= {"raw/ad_spend"}


def test_the_three_jobs_that_mmm_run_executes_cover_every_asset_once() -> None:
    selections = [
        set(defs.resolve_job_def(name).asset_layer.selected_asset_keys)
        for name in ("mmm_data", "mmm_fit", "mmm_report")
    ]
    assert set.union(*selections) == set(defs.resolve_all_asset_keys())
    assert sum(map(len, selections)) == len(defs.resolve_all_asset_keys())


def test_model_assets_are_partitioned_by_series_found_in_the_data() -> None:
    job = defs.resolve_job_def("mmm_fit")
    assert job.partitions_def is not None
    assert job.partitions_def.name == "mmm_series"


def test_every_asset_is_grouped_described_and_owned_with_its_kinds() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name and node.description and node.kinds, key.to_user_string()
        assert node.owners == ["team:marketing-analytics"], key.to_user_string()
