"""``jax.nn.dot_product_attention`` as one custom primitive, with an Approach-B batching rule.

Covered: rank-3 ``(T, N, H)`` or rank-4 ``(B, T, N, H)`` query/key/value with the
same number of heads, optional ``bias`` and boolean ``mask`` (broadcastable to
``(B, N, T, S)``), ``scale`` and ``is_causal``. Sequence lengths, local windows,
grouped heads and ``implementation="cudnn"`` run the original instead.

Under ``jax.vmap`` the primitive is bound again (never decomposed), so the
exported graph keeps one ``Attention`` (or MatMul–Softmax–MatMul) block:

- per-sample rank 3 ``(T, N, H)``: the mapped axis becomes the attention batch;
- per-sample rank 4 ``(B, T, N, H)``: the mapped axis and ``B`` are merged, then
  split again after the primitive.
"""

from __future__ import annotations

import numpy as np

from ..custom import declare, suspended
from . import fallbacks


def _same_dim(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:  # undecidable symbolic comparison
        return False


def _unpack(query, key, value, bias=None, mask=None, *, scale=None, is_causal=False,
            query_seq_lengths=None, key_value_seq_lengths=None, local_window_size=None,
            implementation=None, return_residual=False):
    if query_seq_lengths is not None or key_value_seq_lengths is not None or local_window_size is not None:
        return None
    if implementation not in (None, "xla") or return_residual or not isinstance(is_causal, bool):
        return None
    if scale is not None and not isinstance(scale, (int, float, np.integer, np.floating)):
        return None
    q, k, v = query, key, value
    if not all(hasattr(t, "shape") for t in (q, k, v)) or not (q.ndim == k.ndim == v.ndim) or q.ndim not in (3, 4):
        return None
    if not isinstance(q.shape[-1], (int, np.integer)) or not _same_dim(q.shape[-2], k.shape[-2]):
        return None  # symbolic head size or grouped heads: not covered
    if mask is not None and np.dtype(getattr(mask, "dtype", None)) != np.dtype(bool):
        return None
    operands = (q, k, v) + tuple(t for t in (bias, mask) if t is not None)
    return operands, {"has_bias": bias is not None, "has_mask": mask is not None,
                      "scale": None if scale is None else float(scale), "is_causal": is_causal}


def _split(operands, has_bias, has_mask):
    q, k, v, *rest = operands
    bias = rest.pop(0) if has_bias else None
    mask = rest.pop(0) if has_mask else None
    return q, k, v, bias, mask


def _apply(orig, *operands, has_bias, has_mask, scale, is_causal):
    q, k, v, bias, mask = _split(operands, has_bias, has_mask)
    return orig(q, k, v, bias, mask, scale=scale, is_causal=is_causal)


def declare_attention(family: str, module: str):
    """Declare ``nn.dot_product_attention`` (called by the ``jax.nn`` declarations)."""
    comp = None

    def batch_rule(args, dims, *, has_bias, has_mask, scale, is_causal):
        """Approach B: move the mapped axis to the front and bind the primitive again."""
        from jax import lax
        import jax.numpy as jnp

        size = next(a.shape[d] for a, d in zip(args, dims) if d is not None)
        with suspended():  # plain lax/jnp here; only the bind below is the custom primitive
            moved = []
            for a, d in zip(args, dims):
                if d is None:
                    a = jnp.broadcast_to(a, (size,) + tuple(a.shape))
                elif d != 0:
                    a = jnp.moveaxis(a, d, 0)
                moved.append(a)
            q, k, v, bias, mask = _split(moved, has_bias, has_mask)
            per_sample_rank = q.ndim - 1

            def lift(t):  # per-sample bias/mask to rank 4 (as the original does), after the mapped axis
                return None if t is None else lax.expand_dims(t, tuple(range(1, 5 - (t.ndim - 1))))

            bias, mask = lift(bias), lift(mask)
            if per_sample_rank == 3:
                # (V, T, N, H): V is the attention batch; per-sample B was 1
                bias = None if bias is None else lax.squeeze(bias, (1,))
                mask = None if mask is None else lax.squeeze(mask, (1,))
                merged = [q, k, v]
            else:
                b = q.shape[1]

                def merge(t):
                    t = jnp.broadcast_to(t, (t.shape[0], b) + tuple(t.shape[2:]))
                    return jnp.reshape(t, (-1,) + tuple(t.shape[2:]))

                merged = [merge(t) for t in (q, k, v)]
                bias = None if bias is None else merge(jnp.broadcast_to(bias, (size,) + tuple(bias.shape[1:])))
                mask = None if mask is None else merge(jnp.broadcast_to(mask, (size,) + tuple(mask.shape[1:])))
            operands = merged + [t for t in (bias, mask) if t is not None]
        out = comp.primitive.bind(*operands, has_bias=has_bias, has_mask=has_mask, scale=scale,
                                  is_causal=is_causal)
        if per_sample_rank == 4:
            with suspended():
                out = jnp.reshape(out, (size, b) + tuple(out.shape[1:]))
        return out, 0

    comp = declare(
        "nn.dot_product_attention", family=family, targets=[(module, "dot_product_attention")],
        unpack=_unpack, apply=_apply, batching=batch_rule, fallback=fallbacks.dot_product_attention,
        onnx_ops=("Attention",),
        docs="https://docs.jax.dev/en/latest/_autosummary/jax.nn.dot_product_attention.html",
    )
    return comp
