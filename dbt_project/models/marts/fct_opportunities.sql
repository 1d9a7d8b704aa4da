with

listings as (select * from {{ ref('fct_listings') }}),

predictions as (select * from {{ source('lake', 'resale_predictions') }}),

comps as (select * from {{ ref('fct_sold_comps') }}),

fees as (

    select * from {{ ref('marketplace_fees') }}
    qualify row_number() over (partition by marketplace order by valid_from desc) = 1

),

comps_per_product as (

    select product_key, count(*) as comps_count
    from comps
    group by product_key

),

priced as (

    select
        listings.listing_key,
        listings.source,
        listings.listing_id,
        listings.title,
        listings.url,
        listings.image_url,
        listings.condition,
        listings.category_raw,
        listings.product_key,
        listings.price,
        listings.currency,
        listings.shipping_price,
        listings.price + coalesce(listings.shipping_price, 0) as landed_cost,
        predictions.pred_p10,
        predictions.pred_p50,
        predictions.pred_p90,
        coalesce(comps_per_product.comps_count, 0) as comps_count,
        case
            when predictions.currency <> listings.currency then 'currency_mismatch'
            else listings.exclusion_reason
        end as exclusion_reason
    from listings
    inner join predictions
        on listings.source = predictions.source
        and listings.listing_id = predictions.listing_id
    left join comps_per_product on listings.product_key = comps_per_product.product_key
    where listings.status = 'active'

),

exits as (

    select
        priced.*,
        fees.marketplace as exit_marketplace,
        {{ exit_fees('priced.pred_p50', 'fees') }} as exit_fees,
        {{ exit_fees('priced.pred_p10', 'fees') }} as exit_fees_p10
    from priced
    cross join fees
    where fees.currency = priced.currency
    qualify row_number() over (
        partition by priced.listing_key order by exit_fees, fees.marketplace
    ) = 1

),

final as (

    select
        listing_key,
        source,
        listing_id,
        title,
        url,
        image_url,
        condition,
        category_raw,
        product_key,
        price,
        currency,
        shipping_price,
        landed_cost,
        pred_p10,
        pred_p50,
        pred_p90,
        exit_marketplace,
        round(exit_fees, 2) as exit_fees,
        round(pred_p50 - exit_fees - landed_cost, 2) as profit,
        round(pred_p10 - exit_fees_p10 - landed_cost, 2) as profit_p10,
        round((pred_p50 - exit_fees - landed_cost) / nullif(pred_p50, 0), 4) as margin,
        round((pred_p50 - exit_fees - landed_cost) / nullif(landed_cost, 0), 4) as roi,
        -- the most one can pay and still break even if it resells only at p10
        round(greatest(pred_p10 - exit_fees_p10 - coalesce(shipping_price, 0), 0), 2) as max_offer,
        comps_count,
        case
            when comps_count >= 10 and (pred_p90 - pred_p10) / pred_p50 < 0.6 then 'high'
            when comps_count >= 3 then 'medium'
            else 'low'
        end as confidence,
        exclusion_reason
    from exits

)

select * from final
