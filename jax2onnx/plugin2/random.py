"""``jax.random`` with JAX's numbers: the threefry2x32 PRNG in ONNX integer ops (onnx_ir).

Keys
    A typed key array ``key<fry>[*S]`` is carried as its key data ``uint32[*S, 2]``
    (see ``converter2/keys.py``); a raw ``uint32[2]`` key is the same tensor, so
    ``random_wrap``/``random_unwrap``/``random_clone`` emit no node.

Key-level primitives (``random_seed``, ``random_split``, ``random_fold_in``, ``random_bits``)
    are lowered the way JAX lowers them itself: the key implementation's own function
    (``impl.seed``/``split``/``fold_in``/``random_bits``, vmapped over leading key axes)
    is traced on the key data, under the ``jax_threefry_partitionable`` setting the
    eqn was traced with (recorded in its context), and its jaxpr is inlined. That jaxpr
    is made of ordinary primitives plus the two below, so the counter layout of both
    modes — partitionable (the default since JAX 0.5: counters are the 64-bit iota of
    the output shape, split hi/lo, one hash per element, result ``hi ^ lo``) and the
    original one (a flat uint32 iota of ``ceil(bits*size/32)`` counters split in two
    halves, hashed pairwise, concatenated) — is JAX's by construction.

``threefry2x32(k1, k2, x1, x2)``
    The Threefry-2x32 block cipher, 20 rounds, straight-line in uint32 ONNX ops
    (ORT has uint32 ``Add``, ``BitShift``, ``BitwiseOr``/``Xor``; ``Add`` wraps mod 2^32
    like JAX's). With ``ks = (k1, k2, k1 ^ k2 ^ 0x1BD11BDA)``::

        x0 += ks0; x1 += ks1
        for i in 0..4:                       # 5 groups of 4 rounds
            for r in R[i % 2]:               # R = (13,15,26,6), (17,29,16,24)
                x0 += x1; x1 = rotl(x1, r) ^ x0
            x0 += ks[(i+1) % 3]; x1 += ks[(i+2) % 3] + (i+1)

    ``rotl(v, r) = (v << r) | (v >> (32-r))``. Node cost: 2 Xor for ks, 2 Add to start,
    5 nodes per round (100), 2 Add per group on the counters plus 1 Add on the key side
    (15): **~120 nodes, independent of the number of values drawn**; the work is
    elementwise over the broadcast shape of keys and counters (symbolic dims kept).

``iota_2x32_shape(shape)``
    The row-major 64-bit iota of ``shape`` as two uint32 words: an int64 ``Range`` over
    ``prod(shape)`` reshaped; ``lo = c & 0xFFFFFFFF``, ``hi = c // 2^32`` (an ``Expand`` of
    0 when the size is static and below 2^32). 3–6 nodes.

Accuracy
    Every integer result (``random_bits``, ``split``, ``fold_in``, ``randint``, ``bernoulli``,
    ``permutation``, ``choice``, ``categorical``) is **bit-exact**: the ONNX graph runs the
    same uint32 arithmetic. Float draws start from exact bits (``uniform`` reinterprets
    bits as a float in [1, 2): exact, see ``float_bits``); distributions that apply
    transcendental functions afterwards (``normal`` through ``erf_inv``, ``gumbel``
    through ``log``, ``truncated_normal``) differ from XLA only by those functions'
    rounding (a few ulp).

Only the threefry implementation is supported (``rbg``/``unsafe_rbg`` lower to
``rng_bit_generator``, which has no ONNX form).
"""

from __future__ import annotations

import math

import numpy as np

from ..converter2.context import ir_dtype
from ..converter2.keys import physical_aval
from ..plugin.registry import register
from .opset_compat import BITWISE_SINCE, bitwise

PIPELINE = "onnx_ir"

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_KS_PARITY = 0x1BD11BDA


# ---- key plumbing: no node ------------------------------------------------------------------
@register(PIPELINE, "random_wrap", "random_unwrap", "random_clone")
def key_identity(ctx, x, **_):
    """Typed keys and their key data are the same ONNX tensor."""
    return x


# ---- key-level primitives: trace the key implementation, inline it ---------------------------
def _impl_of(aval):
    impl = getattr(aval.dtype, "_impl", None)
    if impl is None or getattr(impl, "name", "") != "threefry2x32":
        raise NotImplementedError(
            f"PRNG implementation {getattr(impl, 'name', aval.dtype)!r} is not supported; only "
            "threefry2x32 (JAX's default) lowers to ONNX")
    return impl


def _inline_impl(ctx, fn, args, avals):
    """Trace ``fn`` on the physical avals (the eqn's partitionable mode and x64 setting)."""
    import jax

    specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in map(physical_aval, avals)]
    partitionable = getattr(getattr(ctx.eqn, "ctx", None), "threefry_partitionable", None)
    if partitionable is None:
        partitionable = jax.config.jax_threefry_partitionable
    with jax.enable_x64(ctx.root.x64), jax.threefry_partitionable(bool(partitionable)):
        closed = jax.make_jaxpr(fn)(*specs)
    outs = ctx.inline(closed.jaxpr, list(args), list(closed.consts))
    return outs[0]


@register(PIPELINE, "random_seed")
def random_seed(ctx, seeds, *, impl):
    from jax._src.random import prng  # pinned jax: the key implementation's own seed function

    _impl_of(ctx.out_avals[0])
    return _inline_impl(ctx, lambda s: prng.random_seed_impl_base(s, impl=impl), [seeds], ctx.in_avals)


@register(PIPELINE, "random_split")
def random_split(ctx, keys, *, shape):
    from jax._src.random import prng

    aval = ctx.in_avals[0]
    impl = _impl_of(aval)
    return _inline_impl(ctx, lambda k: prng.random_split_impl_base(impl, k, aval.ndim, shape=shape),
                        [keys], ctx.in_avals)


@register(PIPELINE, "random_fold_in")
def random_fold_in(ctx, keys, msgs):
    from jax._src.random import prng

    kaval, maval = ctx.in_avals
    impl = _impl_of(kaval)
    return _inline_impl(ctx, lambda k, m: prng.random_fold_in_impl_base(impl, k, m, kaval.shape),
                        [keys, msgs], ctx.in_avals)


@register(PIPELINE, "random_bits")
def random_bits(ctx, keys, *, bit_width, shape):
    from jax._src.random import prng

    aval = ctx.in_avals[0]
    impl = _impl_of(aval)
    return _inline_impl(
        ctx, lambda k: prng.random_bits_impl_base(impl, k, aval.ndim, bit_width=bit_width, shape=shape),
        [keys], ctx.in_avals)


# ---- the counters and the hash -----------------------------------------------------------------
@register(PIPELINE, "iota_2x32_shape")
def iota_2x32_shape(ctx, *, shape):
    """(hi, lo) uint32 words of the row-major uint64 iota of ``shape``."""
    size = math.prod(shape)
    target = ctx.shape(shape)
    counts = ctx.op("Range", ctx.const(np.array(0, np.int64)), ctx.scalar_dim(size),
                    ctx.const(np.array(1, np.int64)))
    counts = ctx.op("Reshape", counts, target)
    u32 = ir_dtype(np.uint32)
    low_word = (ctx.op("BitwiseAnd", counts, ctx.const(np.array(0xFFFFFFFF, np.int64))) if ctx.opset >= BITWISE_SINCE
                else ctx.op("Mod", counts, ctx.const(np.array(1 << 32, np.int64))))  # counts >= 0
    lo = ctx.op("Cast", low_word, to=u32)
    if isinstance(size, int) and size <= 0xFFFFFFFF:
        hi = ctx.op("Expand", ctx.const(np.array(0, np.uint32)), target)
    else:
        hi = ctx.op("Cast", ctx.op("Div", counts, ctx.const(np.array(1 << 32, np.int64))), to=u32)
    return hi, lo


def _u32(ctx, c):
    return ctx.const(np.array(c, np.uint32))


def _rotl(ctx, v, r: int):
    left = ctx.op("BitShift", v, _u32(ctx, r), direction="LEFT")
    right = ctx.op("BitShift", v, _u32(ctx, 32 - r), direction="RIGHT")
    if ctx.opset < BITWISE_SINCE:  # the two halves' bits are disjoint: | is +
        return ctx.op("Add", left, right)
    return ctx.op("BitwiseOr", left, right)


def _xor(ctx, a, b):
    return bitwise(ctx, "BitwiseXor", a, b, dtype=np.uint32)  # bit planes before opset 18


def threefry_hash(ctx, k1, k2, x1, x2):
    """Threefry-2x32 (20 rounds) of counters (x1, x2) under key (k1, k2); all uint32."""
    ks = (k1, k2, _xor(ctx, _xor(ctx, k1, k2), _u32(ctx, _KS_PARITY)))
    x0, x1 = ctx.op("Add", x1, ks[0]), ctx.op("Add", x2, ks[1])
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x0 = ctx.op("Add", x0, x1)
            x1 = _xor(ctx, _rotl(ctx, x1, r), x0)
        x0 = ctx.op("Add", x0, ks[(i + 1) % 3])
        x1 = ctx.op("Add", x1, ctx.op("Add", ks[(i + 2) % 3], _u32(ctx, i + 1)))  # key side: small
    return x0, x1


@register(PIPELINE, "threefry2x32")
def threefry2x32(ctx, k1, k2, x1, x2, **_):
    return threefry_hash(ctx, k1, k2, x1, x2)
