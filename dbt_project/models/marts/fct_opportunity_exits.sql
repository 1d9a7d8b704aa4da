-- Every live active listing priced once per exit marketplace it could be resold on: the
-- resale model's p10/p50/p90 for that exit (converted from the model's currency into the
-- listing's at the listing date's rate), the exit's fees and outbound shipping, net proceeds,
-- profit at p50 and at p10, the expected days to sell there, the probability of a sale within
-- 30 days, profit per day, and exit_score, the risk-aware value fct_opportunities ranks by.
--
-- Days to sell: sales per day listed (a constant-hazard model over sold comps and listings
-- that ended unsold, whose days up count as exposure without a sale), per product, condition
-- and exit marketplace, shrunk toward the category at that exit, the exit, then all exits
-- (a gamma prior worth `prior_sales` sales at the level above): a product with two comps
-- mostly takes its category's speed, one with fifty its own.

{%- set prior_sales = var('time_to_sell_prior_sales', 3) %}
{%- set holding_cost = var('holding_cost_pct_per_day', 0.1) %}
{%- set unknown_days = var('unknown_days_to_sell', 30) %}

with

-- not materialized: DuckDB copies a CTE used twice whole, before any filter
matched as not materialized (select * from {{ ref('int_listings_matched') }}),

fx_rates as (select * from {{ ref('int_fx_rates') }}),

predictions as (select * from {{ source('lake', 'resale_predictions') }}),

fees as (select * from {{ ref('int_marketplace_fees_filtered_to_today') }}),

shipping as (select * from {{ ref('typical_shipping') }}),

source_latest as (

    select source, max(last_seen_on) as latest_on
    from matched
    group by source

),

listings as (

    -- active listings still live: seen in their source's latest scrape
    select matched.*
    from matched
    inner join source_latest
        on matched.source = source_latest.source
        and matched.last_seen_on = source_latest.latest_on
    where matched.status = 'active'

),

ended as (

    -- every sold or unsold-ended listing: the days it was up, and whether it sold
    select
        product_id,
        condition,
        category_raw,
        marketplace as exit_marketplace,
        status = 'sold' as sold,
        greatest(date_diff('minute', listed_at, coalesce(
            try_cast(json_extract_string(attributes, '$.ended_at') as timestamptz),
            -- a sold Mercari item was last updated when it sold (sold_at is when we saw it)
            case when status = 'sold' then
                try_cast(json_extract_string(attributes, '$.updated_at') as timestamptz)
            end,
            sold_at,
            status_changed_at
        )) / 1440.0, 0.25) as days_up
    from matched
    where status in ('sold', 'ended')
        and exclusion_reason is null
        and listed_at is not null

),

speed_all as (

    select count(*) filter (where sold) / nullif(sum(days_up), 0) as rate from ended

),

speed_exit as (

    select
        ended.exit_marketplace,
        (count(*) filter (where ended.sold) + {{ prior_sales }})
            / (sum(ended.days_up) + {{ prior_sales }} / any_value(speed_all.rate)) as rate
    from ended
    cross join speed_all
    group by ended.exit_marketplace

),

speed_category as (

    select
        exit_marketplace,
        category_raw,
        count(*) filter (where sold) as sales,
        sum(days_up) as days_up
    from ended
    group by exit_marketplace, category_raw

),

speed_product as (

    select
        exit_marketplace,
        product_id,
        condition,
        count(*) filter (where sold) as sales,
        sum(days_up) as days_up
    from ended
    group by exit_marketplace, product_id, condition

),

with_buyer_fees as (

    select
        listings.*,
        json_extract_string(listings.attributes, '$.description') as description,
        coalesce(listings.shipping_price, 0) as shipping_cost,
        {{ buyer_fees('listings.price', 'fees') }} as buyer_fees,
        coalesce(fees.buyer_fee_pct, 0) as buyer_fee_pct,
        coalesce(fees.buyer_fixed_fee, 0) as buyer_fixed_fee,
        rate.valid_from as fx_rate_date
    from listings
    left join fees
        on listings.marketplace = fees.marketplace
        and listings.currency = fees.currency
        and fees.category = '*'
    asof left join fx_rates as rate
        on listings.currency = rate.currency
        and coalesce(listings.listed_at, listings.last_seen_at)::date >= rate.valid_from

),

priced as (

    select
        with_buyer_fees.*,
        predictions.exit_marketplace,
        predictions.currency as prediction_currency,
        predictions.sell_probability,
        -- listing-currency units per model-currency unit: the model prices in the reporting
        -- currency (or the listing's own); another currency has no rate and is not priced
        case
            when predictions.currency = with_buyer_fees.currency then 1.0
            when predictions.currency = with_buyer_fees.reporting_currency
                then 1.0 / with_buyer_fees.fx_to_reporting
        end as to_listing,
        predictions.pred_p10 * to_listing as pred_p10,
        predictions.pred_p50 * to_listing as pred_p50,
        predictions.pred_p90 * to_listing as pred_p90
    from with_buyer_fees
    inner join predictions
        on with_buyer_fees.source = predictions.source
        and with_buyer_fees.listing_id = predictions.listing_id

),

exit_fees as (

    -- the exit's fee row for the listing's category (else its default), in the listing's
    -- currency or else the reporting currency (then fees are worked out there and converted)
    select
        priced.*,
        case when fees.currency = priced.currency then 1.0 else priced.fx_to_reporting end
            as fee_fx,
        {{ exit_fees('priced.pred_p50 * fee_fx', 'fees') }} / fee_fx as exit_fees,
        {{ exit_fees('priced.pred_p10 * fee_fx', 'fees') }} / fee_fx as exit_fees_p10
    from priced
    inner join fees
        on fees.marketplace = priced.exit_marketplace
        and fees.is_exit_channel
        and fees.currency in (priced.currency, priced.reporting_currency)
        and fees.category in (priced.category_raw, '*')
    qualify row_number() over (
        partition by priced.listing_key, priced.exit_marketplace
        order by fees.currency <> priced.currency, fees.category = '*'
    ) = 1

),

with_shipping as (

    select
        exit_fees.*,
        shipping.outbound_shipping
        / case when shipping.currency = exit_fees.currency then 1.0 else exit_fees.fx_to_reporting end
            as outbound_shipping
    from exit_fees
    inner join shipping
        on shipping.currency in (exit_fees.currency, exit_fees.reporting_currency)
        and shipping.category in (exit_fees.category_raw, '*')
    qualify row_number() over (
        partition by exit_fees.listing_key, exit_fees.exit_marketplace
        order by shipping.currency <> exit_fees.currency, shipping.category = '*'
    ) = 1

),

with_speed as (

    select
        with_shipping.*,
        coalesce(speed_product.sales, 0) as exit_comps_count,
        -- shrink: product toward category toward exit toward all exits
        coalesce(speed_exit.rate, speed_all.rate) as exit_rate,
        (coalesce(speed_category.sales, 0) + {{ prior_sales }})
            / (coalesce(speed_category.days_up, 0) + {{ prior_sales }} / exit_rate)
            as category_rate,
        (coalesce(speed_product.sales, 0) + {{ prior_sales }})
            / (coalesce(speed_product.days_up, 0) + {{ prior_sales }} / category_rate)
            as sales_per_day
    from with_shipping
    cross join speed_all
    left join speed_exit on with_shipping.exit_marketplace = speed_exit.exit_marketplace
    left join speed_category
        on with_shipping.exit_marketplace = speed_category.exit_marketplace
        and with_shipping.category_raw is not distinct from speed_category.category_raw
    left join speed_product
        on with_shipping.exit_marketplace = speed_product.exit_marketplace
        and with_shipping.product_id = speed_product.product_id
        and with_shipping.condition = speed_product.condition

),

valued as (

    select
        *,
        price + shipping_cost + buyer_fees as landed_cost,
        pred_p50 - exit_fees - outbound_shipping as net_proceeds,
        1.0 / nullif(sales_per_day, 0) as expected_days_to_sell,
        1 - exp(-30 * sales_per_day) as sell_probability_30d
    from with_speed

),

final as (

    select
        listing_key || '|' || exit_marketplace as listing_exit_key,
        listing_key,
        source,
        marketplace,
        listing_id,
        title,
        description,
        url,
        image_url,
        condition,
        category_raw,
        product_id,
        price,
        currency,
        shipping_cost as shipping_price,
        round(buyer_fees, 2) as buyer_fees,
        buyer_fee_pct,
        buyer_fixed_fee,
        round(landed_cost, 2) as landed_cost,
        exit_marketplace,
        round(pred_p10, 2) as exit_pred_p10,
        round(pred_p50, 2) as exit_pred_p50,
        round(pred_p90, 2) as exit_pred_p90,
        round(exit_fees, 2) as exit_fees,
        round(exit_fees_p10, 2) as exit_fees_p10,
        round(outbound_shipping, 2) as outbound_shipping,
        round(net_proceeds, 2) as net_proceeds,
        round(net_proceeds - landed_cost, 2) as profit,
        round(pred_p10 - exit_fees_p10 - outbound_shipping - landed_cost, 2) as profit_p10,
        exit_comps_count,
        round(expected_days_to_sell, 1) as expected_days_to_sell,
        round(sell_probability_30d, 4) as sell_probability_30d,
        round((net_proceeds - landed_cost) / greatest(expected_days_to_sell, 1), 2)
            as profit_per_day,
        -- risk-aware value: the profit if it resells only at p10, less the cost of the money
        -- tied up until it sells (holding_cost_pct_per_day of the landed cost a day)
        round(
            pred_p10 - exit_fees_p10 - outbound_shipping - landed_cost
            - landed_cost * {{ holding_cost }} / 100.0
            * coalesce(expected_days_to_sell, {{ unknown_days }}),
            2
        ) as exit_score,
        sell_probability,
        prediction_currency,
        fx_to_reporting,
        reporting_currency,
        case when currency <> prediction_currency then fx_rate_date end as fx_rate_date,
        case
            when to_listing is null then 'currency_mismatch'
            else exclusion_reason
        end as exclusion_reason
    from valued

)

select * from final
