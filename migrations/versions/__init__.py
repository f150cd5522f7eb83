"""Migration scripts, one chain: each names its ``down_revision``."""
