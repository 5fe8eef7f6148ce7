"""Evidence bundles: export a run folder as a hashed, signed zip, and verify one offline."""
