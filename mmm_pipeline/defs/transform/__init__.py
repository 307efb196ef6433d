"""Transform: the dbt project (staging, intermediate, marts) run by dagster-dbt."""
