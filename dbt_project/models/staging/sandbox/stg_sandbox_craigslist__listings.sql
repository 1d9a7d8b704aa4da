{{ stage_raw_listings('sandbox_craigslist', 'craigslist') }}
