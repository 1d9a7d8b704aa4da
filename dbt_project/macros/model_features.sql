{#- The columns the resale model reads beside the canonical ones, from the fct_listings row
    `l`: the warehouse's product key and the few marketplace attributes that describe the item
    itself. Attributes tied to the listing's own price (fees, totals, current bids,
    pre-conversion prices) would leak the asking price and stay out. -#}
{% macro listing_model_features(l) %}
    {{ l }}.product_id,
    json_extract_string({{ l }}.attributes, '$.description') as description,
    json_extract_string({{ l }}.attributes, '$.size') as size,
    json_extract_string({{ l }}.attributes, '$.listing_type') as listing_type,
    try_cast(json_extract_string({{ l }}.attributes, '$.year') as double) as year,
    try_cast(json_extract_string({{ l }}.attributes, '$.odometer') as double) as odometer
{% endmacro %}
