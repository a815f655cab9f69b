"""Name scopes from the user's module structure, so ONNX nodes read ``block1/linear1/Gemm``.

While a Flax NNX model is traced, each submodule call enters ``jax.named_scope``
with the attribute name it has in its parent; JAX's name stack then carries
``block1/linear1`` into every equation, and both converters prefix node names
with it. Patched ``__call__``s are restored on exit, also on error.
"""

from __future__ import annotations

import contextlib
import sys

__all__ = ["module_scopes"]


@contextlib.contextmanager
def module_scopes(root):
    """Scope submodule calls of ``root`` (an ``nnx.Module``) by attribute name."""
    if "flax.nnx" not in sys.modules:
        yield
        return
    import jax
    from flax import nnx

    if not isinstance(root, nnx.Module):
        yield
        return
    names = {id(node): str(path[-1]) for path, node in nnx.iter_graph(root)
             if path and isinstance(node, nnx.Module)}
    classes = {type(node) for _, node in nnx.iter_graph(root) if isinstance(node, nnx.Module)}
    restore = []
    try:
        for cls in classes:
            own = cls.__dict__.get("__call__")
            current = cls.__call__

            def scoped(self, *args, _call=current, **kwargs):
                name = names.get(id(self))
                if name is None:
                    return _call(self, *args, **kwargs)
                with jax.named_scope(name):
                    return _call(self, *args, **kwargs)

            cls.__call__ = scoped
            restore.append((cls, own))
        yield
    finally:
        for cls, own in reversed(restore):
            if own is None:
                delattr(cls, "__call__")
            else:
                cls.__call__ = own
