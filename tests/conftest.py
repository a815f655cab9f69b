"""Legacy tree: the pipeline follows the normal flag resolution (default: legacy)."""
