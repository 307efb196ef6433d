{#- Join the mapped UTM x referrer combinations (int_utm_combinations_mapped, aliased
    utm_channels) to sessions aliased `sessions_alias`; '' stands for "not captured" on
    both sides, so the join is plain equality. -#}
{% macro join_utm_channels(sessions_alias) -%}
left join utm_channels
        on coalesce({{ sessions_alias }}.utm_source, '') = utm_channels.utm_source_key
        and coalesce({{ sessions_alias }}.utm_medium, '') = utm_channels.utm_medium_key
        and coalesce({{ sessions_alias }}.utm_campaign, '') = utm_channels.utm_campaign_key
        and coalesce({{ sessions_alias }}.referrer_host, '') = utm_channels.referrer_host_key
{%- endmacro %}
