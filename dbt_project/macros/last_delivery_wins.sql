{#- Keep, per key, the row of the latest delivery (and its last line): the contract's
    "a row whose key was already loaded replaces the older version". Deliveries are
    numbered in arrival order by the loader (_delivery_id). -#}
{% macro last_delivery_wins(key_columns) -%}
qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by _delivery_id desc, _line_number desc
    ) = 1
{%- endmacro %}
