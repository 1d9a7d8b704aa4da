-- The marketplaces a user can resell on (seed marketplace_fees, is_exit_channel, in today's
-- fee schedule): the exits the resale model predicts a price at for each active listing.

with

fees as (select * from {{ ref('int_marketplace_fees_filtered_to_today') }}),

final as (

    select distinct marketplace
    from fees
    where is_exit_channel

)

select * from final
