{{ stage_raw_listings('ebay', 'ebay') }}
