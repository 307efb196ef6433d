{#- The host of a referrer URL, lower-cased, without scheme, "www.", port or path:
    'https://www.Google.com/search?q=x' -> 'google.com'. Empty when there is none. -#}
{% macro referrer_host(column) -%}
    nullif(
        regexp_replace(
            regexp_extract(lower(trim({{ column }})), '^(?:[a-z][a-z0-9+.-]*://)?([^/?#:]*)', 1),
            '^www\.',
            ''
        ),
        ''
    )
{%- endmacro %}
