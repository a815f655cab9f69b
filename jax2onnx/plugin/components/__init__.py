"""Component declarations (custom primitives), one module per target family; imported lazily."""
