{#- Fails with the duplicated keys when a combination of columns is not unique: the
    grain test of a mart ("one row per week x geo x channel"). -#}
{% test unique_key_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
