{{ stage_raw_listings('mercari', 'mercari') }}
