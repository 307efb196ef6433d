-- Every distinct UTM x referrer-host combination seen on conversions or touchpoints,
-- with the channel of the first matching rule in channel_map_utm. Mapping the few
-- thousand combinations instead of millions of rows keeps regex matching cheap; the
-- combination's key columns use '' for "not captured" so they join with plain equality.
with

conversions as (

    select utm_source, utm_medium, utm_campaign, referrer_host
    from {{ ref('stg_landing__conversions') }}

),

touchpoints as (

    select utm_source, utm_medium, utm_campaign, referrer_host
    from {{ ref('stg_landing__touchpoints') }}

),

rules as (

    select * from {{ ref('channel_map_utm') }}

),

combinations as (

    select distinct
        coalesce(utm_source, '') as utm_source_key,
        coalesce(utm_medium, '') as utm_medium_key,
        coalesce(utm_campaign, '') as utm_campaign_key,
        coalesce(referrer_host, '') as referrer_host_key
    from (select * from conversions union all select * from touchpoints)

),

matched as (

    select
        combinations.*,
        rules.channel,
        rules.priority as rule_priority
    from combinations
    inner join rules
        on regexp_matches(combinations.utm_source_key, coalesce(rules.utm_source_pattern, ''))
        and regexp_matches(combinations.utm_medium_key, coalesce(rules.utm_medium_pattern, ''))
        and regexp_matches(combinations.utm_campaign_key, coalesce(rules.utm_campaign_pattern, ''))
        and regexp_matches(combinations.referrer_host_key, coalesce(rules.referrer_host_pattern, ''))
    qualify row_number() over (
        partition by utm_source_key, utm_medium_key, utm_campaign_key, referrer_host_key
        order by rules.priority
    ) = 1

),

final as (

    select
        combinations.utm_source_key,
        combinations.utm_medium_key,
        combinations.utm_campaign_key,
        combinations.referrer_host_key,
        coalesce(matched.channel, 'other') as channel,
        matched.channel is not null as is_mapped,
        matched.rule_priority
    from combinations
    left join matched
        using (utm_source_key, utm_medium_key, utm_campaign_key, referrer_host_key)

)

select * from final
