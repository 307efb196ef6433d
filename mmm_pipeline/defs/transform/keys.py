"""The dbt models other domains read, as asset keys looked up in the dbt manifest.

dagster-dbt's ``get_asset_key_for_model`` applies our translator, so a model moved to
another schema or renamed changes its key here and nowhere else (an unknown name fails
at load time, not at run time).
"""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

# The module, not its asset: Dagster loads every definition a defs module holds.
from mmm_pipeline.defs.transform import assets as dbt_models


def model_key(name: str) -> dg.AssetKey:
    """The asset key of one dbt model or seed.

    Parameters
    ----------
    name
        The model's dbt name, e.g. ``fct_media_weekly``.

    Returns
    -------
    dagster.AssetKey
        ``<schema>/<name>``, as the translator keys it.
    """
    return get_asset_key_for_model([dbt_models.mmm_dbt_models], name)


# The weekly marts every model-side asset reads.
MARTS = [
    model_key(name)
    for name in (
        "fct_media_weekly",
        "fct_conversions_weekly",
        "fct_last_click_weekly",
        "fct_survey_answers_weekly",
    )
]
EXPERIMENTS_KEY = model_key("dim_experiments")
CONTROLS_KEY = model_key("fct_controls_weekly")
# The mapped rows the quality checks read.
MAPPED = [
    model_key(name)
    for name in ("int_conversions_mapped", "int_ad_spend_mapped", "int_survey_responses_mapped")
]
# The mapped rows click attribution reads (journeys, with the survey).
PATHS = [
    model_key(name)
    for name in ("int_conversions_mapped", "int_touchpoints_mapped", "int_survey_responses_mapped")
]
