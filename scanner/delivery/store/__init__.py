"""Upload a run folder (and its evidence bundle) to a folder or a bucket: ``--store``."""
