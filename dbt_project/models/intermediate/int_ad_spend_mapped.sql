-- Each ad-spend row with its channel (from the platform mapping seed) and its spend in
-- the reporting currency. Rules are matched once per distinct platform x campaign, not
-- once per row, so large exports stay cheap.
with

spend as (

    -- Rows whose date or spend did not parse are visible in staging (and its tests),
    -- never counted as spend.
    select * from {{ ref('stg_landing__ad_spend') }}
    where spend_date is not null and spend is not null

),

rules as (

    select * from {{ ref('channel_map_platform') }}

),

rates as (

    select * from {{ ref('currency_rates') }}

),

platform_campaigns as (

    select distinct platform, campaign from spend

),

matched as (

    select
        platform_campaigns.platform,
        platform_campaigns.campaign,
        rules.channel
    from platform_campaigns
    inner join rules
        on regexp_matches(coalesce(platform_campaigns.platform, ''), coalesce(rules.platform_pattern, ''))
        and regexp_matches(lower(platform_campaigns.campaign), coalesce(rules.campaign_pattern, ''))
    qualify row_number() over (
        partition by platform_campaigns.platform, platform_campaigns.campaign
        order by rules.priority
    ) = 1

),

reporting_rate as (

    select rate_to_usd from rates where currency = '{{ var("reporting_currency") }}'

),

final as (

    select
        spend.spend_date,
        cast(date_trunc('week', spend.spend_date) as date) as week_start,
        spend.geo,
        spend.platform,
        spend.campaign,
        coalesce(matched.channel, 'other') as channel,
        matched.channel is not null as is_mapped,
        spend.currency,
        spend.spend as spend_local,
        rates.rate_to_usd / (select rate_to_usd from reporting_rate) as fx_rate,
        spend.spend * rates.rate_to_usd / (select rate_to_usd from reporting_rate) as spend,
        spend.impressions,
        spend.clicks,
        spend.engagements,
        spend._file_name,
        spend._line_number
    from spend
    left join matched
        on spend.platform = matched.platform
        and spend.campaign = matched.campaign
    left join rates
        on spend.currency = rates.currency

)

select * from final
