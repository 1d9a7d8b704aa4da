-- no listing has a negative price or shipping cost
select listing_key, price, shipping_price
from {{ ref('fct_listings') }}
where price < 0 or shipping_price < 0
