"""``jax.nn`` components (declared below)."""
