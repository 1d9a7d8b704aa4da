{#- What product identity reads from a listing row (a snapshot or fct_listings' latest state),
    and the key of that input. int_product_identity_inputs and fct_listings both use these, so
    the identities the Python model computes join back exactly. -#}

{% macro product_identity_inputs() %}
    title,
    brand,
    category_raw as category,
    -- only for_parts changes identity: the other conditions are the same product
    case when condition = 'for_parts' then 'for_parts' end as condition,
    coalesce(
        json_extract_string(attributes, '$.gtin'),
        json_extract_string(attributes, '$.upc'),
        json_extract_string(attributes, '$.ean'),
        json_extract_string(attributes, '$.isbn')
    ) as identifier,
    json_extract_string(attributes, '$.mpn') as mpn
{% endmacro %}


{% macro product_identity_key() %}
    md5(concat_ws(chr(31),
        title,
        coalesce(brand, chr(0)),
        coalesce(category_raw, chr(0)),
        (condition = 'for_parts')::varchar,
        coalesce(
            json_extract_string(attributes, '$.gtin'),
            json_extract_string(attributes, '$.upc'),
            json_extract_string(attributes, '$.ean'),
            json_extract_string(attributes, '$.isbn'),
            chr(0)
        ),
        coalesce(json_extract_string(attributes, '$.mpn'), chr(0))
    ))
{% endmacro %}
