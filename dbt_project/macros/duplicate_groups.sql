{% macro duplicate_groups() %}
    -- a listing's duplicate groups: the same title at the same price, or the same seller with
    -- the same photo at the same price (stock photos of different sellers are not duplicates)
    {'status': status, 'title': lower(title), 'price': price, 'currency': currency}
        as title_group,
    case when image_url is not null then {
        'status': status,
        'seller_id': seller_id,
        'image_url': image_url,
        'price': price,
        'currency': currency
    } end as photo_group
{% endmacro %}
