-- What product identity reads from each listing snapshot, with its key (a view: the Python
-- model int_product_identities reads only the days it has not seen).

with

snapshots as (select * from {{ ref('int_listing_snapshots') }}),

final as (

    select
        {{ product_identity_key() }} as identity_key,
        scrape_date,
        {{ product_identity_inputs() }}
    from snapshots

)

select * from final
