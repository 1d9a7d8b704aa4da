{{ stage_raw_listings('ebay_api', 'ebay') }}
