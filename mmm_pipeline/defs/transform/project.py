"""The dbt project, built once per process.

The manifest is produced at set-up (``make install`` runs ``dagster-dbt project
prepare-and-package``); ``prepare_if_dev`` re-parses only under ``dagster dev`` so edits
to models show up in the UI without a reinstall.
"""

from functools import cache

from dagster_dbt import DbtProject

from mmm_pipeline.settings import DBT_PROJECT_DIR


@cache
def mmm_dbt_project() -> DbtProject:
    """Return the dbt project, its manifest prepared when in development.

    Returns
    -------
    DbtProject
        The project at ``DBT_PROJECT_DIR``, with its profiles there too.
    """
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()
    return project
