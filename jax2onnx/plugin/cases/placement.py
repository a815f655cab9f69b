"""Catalog: wrapper primitives that are the identity on one device (optimization_barrier,
device_put, sharding_constraint, checkpoint_name, single-device shard_map, composite),
stack/unstack/tile, the generic variadic reduce, approx_top_k and dropped callbacks."""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.ad_checkpoint import checkpoint_name
from jax.sharding import NamedSharding, PartitionSpec as P

from ..testcase import LEGACY_FROZEN, testcase

F = "placement"
_FROZEN = dict(ir_only=LEGACY_FROZEN)


def _mesh():
    return jax.make_mesh((1,), ("d",))


def _sharded(x):
    return lax.with_sharding_constraint(x * 2.0, NamedSharding(_mesh(), P())) + 1.0


def _shard_map(x):
    return jax.shard_map(lambda y: jnp.sin(y) * 2.0, mesh=_mesh(), in_specs=P(), out_specs=P())(x)


testcase(F, "optimization_barrier", "lax.optimization_barrier",
         fn=lambda x, y: sum(lax.optimization_barrier((x * 2.0, y + 1.0))), inputs=[("B", 4), ("B", 4)],
         f64=True, **_FROZEN)
testcase(F, "device_put", "jax.device_put", fn=lambda x: jax.device_put(x) * 3.0, inputs=[("B", 4)],
         f64=True, **_FROZEN)
testcase(F, "sharding_constraint", "lax.with_sharding_constraint", fn=_sharded, inputs=[("B", 4)],
         f64=True, **_FROZEN)
testcase(F, "checkpoint_name", "jax.ad_checkpoint.checkpoint_name",
         fn=lambda x: checkpoint_name(jnp.tanh(x), "h") * 2.0, inputs=[("B", 4)], f64=True, **_FROZEN)
testcase(F, "shard_map_one_device", "jax.shard_map", fn=_shard_map, inputs=[("B", 4)], f64=True, **_FROZEN)
testcase(F, "reshard_one_device", "jax.sharding.reshard",
         fn=lambda x: jax.sharding.reshard(x, NamedSharding(_mesh(), P())) * 2.0, inputs=[("B", 4)],
         f64=True, **_FROZEN)


def _custom_vmapped():
    @jax.custom_batching.custom_vmap
    def f(x):
        return jnp.sin(x) + 1.0

    @f.def_vmap
    def _rule(axis_size, in_batched, x):
        return jnp.sin(x) + 1.0, in_batched[0]

    return f


testcase(F, "custom_vmap", "jax.custom_batching.custom_vmap", fn=lambda x: _custom_vmapped()(x) * 2.0,
         inputs=[("B", 4)], f64=True, **_FROZEN)
testcase(F, "composite", "lax.composite",
         fn=lambda x: lax.composite(lambda y: jnp.exp(y) - 1.0, name="my.expm1")(x), inputs=[("B", 4)],
         f64=True, **_FROZEN)
testcase(F, "stack", "jnp.stack", fn=lambda x, y: jnp.stack([x, y, x * y], axis=1),
         inputs=[("B", 4), ("B", 4)], f64=True, **_FROZEN)
testcase(F, "stack_one", "jnp.stack", fn=lambda x: jnp.stack([x]), inputs=[("B", 4)], **_FROZEN)
testcase(F, "unstack", "jnp.unstack", fn=lambda x: jnp.unstack(x, axis=1), inputs=[("B", 3, 2)],
         f64=True, **_FROZEN)
testcase(F, "unstack_batch_axis", "jnp.unstack", fn=lambda x: jnp.unstack(x * 2.0), inputs=[(3, "B")],
         f64=True, **_FROZEN)
testcase(F, "tile", "lax.tile", fn=lambda x: lax.tile(x, (2, 3)),
         inputs=[("B", 4)], f64=True, requires=("jax.lax.tile",), **_FROZEN)
testcase(F, "reduce_monoids", "lax.reduce",
         fn=lambda x, y: lax.reduce((x, y), (0.0, 1.0), lambda a, b: (a[0] + b[0], a[1] * b[1]), (1,)),
         inputs=[("B", 5), ("B", 5)], f64=True, forbid_ops=("Loop",), **_FROZEN)
testcase(F, "reduce_max_batch_axis", "lax.reduce",
         fn=lambda x: lax.reduce(x, -jnp.inf, lax.max, (0,)), inputs=[("B", 5)], f64=True, **_FROZEN)


def _argmax_pairs(x):
    """A variadic reduce that is no monoid per operand: (value, index) argmax."""
    idx = lax.broadcasted_iota(jnp.int32, x.shape, 1)

    def comp(a, b):
        take_b = b[0] > a[0]
        return (jnp.where(take_b, b[0], a[0]), jnp.where(take_b, b[1], a[1]))

    return lax.reduce((x, idx), (jnp.array(-jnp.inf, x.dtype), jnp.int32(0)), comp, (1,))


testcase(F, "reduce_pairs_fold", "lax.reduce", fn=_argmax_pairs, inputs=[("B", 6)], f64=True,
         **_FROZEN)  # a scan over the 6 elements: short enough for the loop optimizer to unroll
testcase(F, "approx_max_k", "lax.approx_max_k", fn=lambda x: lax.approx_max_k(x, 3), inputs=[("B", 8)],
         f64=True, **_FROZEN)
testcase(F, "approx_min_k_axis0", "lax.approx_min_k",
         fn=lambda x: lax.approx_min_k(x, 2, reduction_dimension=0), inputs=[(6, "B")], f64=True, **_FROZEN)


def _printing(x):
    jax.debug.print("x = {}", x)
    return jnp.sin(x) * 2.0


def _checked(x):
    import equinox as eqx

    y = eqx.error_if(x, jnp.any(x > 100.0), "x too large")
    return y * 2.0


def _eqx_internals(x):
    import equinox.internal as eqxi

    y = eqxi.nondifferentiable_backward(x * 2.0)
    return jnp.where(eqxi.unvmap_all(y > -10.0), y, -y), eqxi.unvmap_any(y > 1.0), eqxi.unvmap_max(y)


testcase(F, "eqx_unvmap_and_markers", "eqx.internal", fn=_eqx_internals, inputs=[("B", 4)], f64=True,
         **_FROZEN)
testcase(F, "debug_print_dropped", "jax.debug.print", fn=_printing, inputs=[("B", 4)], f64=True, **_FROZEN)
testcase(F, "eqx_error_if_dropped", "eqx.error_if", fn=_checked, inputs=[("B", 4)], f64=True, **_FROZEN)
