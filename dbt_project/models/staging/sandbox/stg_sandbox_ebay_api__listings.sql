{{ stage_raw_listings('sandbox_ebay_api', 'ebay') }}
