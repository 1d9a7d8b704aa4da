-- The fee schedule in force today for each marketplace, category and currency.

with

fees as (select * from {{ ref('marketplace_fees') }}),

final as (

    select *
    from fees
    where valid_from <= current_date
    qualify row_number() over (
        partition by marketplace, category, currency order by valid_from desc
    ) = 1

)

select * from final
