"""Shadow compare (RFC §6.3): lower the same jaxpr with the other pipeline and diff."""

from .compare import shadow_compare

__all__ = ["shadow_compare"]
