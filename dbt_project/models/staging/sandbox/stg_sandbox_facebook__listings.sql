{{ stage_raw_listings('sandbox_facebook', 'facebook') }}
