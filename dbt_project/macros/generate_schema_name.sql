{#- Use the configured schema name as is (staging, intermediate, marts, seeds) instead of
    dbt's default "<target schema>_<custom schema>", so tables sit where the data contract
    names them: marts.fct_media_weekly, not main_marts.fct_media_weekly. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
