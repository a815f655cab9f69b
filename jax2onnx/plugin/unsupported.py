"""Primitives jax2onnx declares unsupported: one table, one line each, with a reason.

Every primitive the installed JAX / Equinox / Flax register
(:func:`jax2onnx.plugin.surface.installed_primitives`) is either lowered by the
onnx_ir pipeline or listed here as ``name: (reason, what to use instead)``.
``tests/test_primitive_coverage.py`` fails on a primitive that is neither, and
``scripts/primitive_coverage.py`` writes ``docs/primitive_coverage.md`` and lists
the entries below that have meanwhile been lowered (delete those lines).

Entries whose reason contains :data:`IN_PROGRESS` are being lowered on another
branch; they are replaced by their lowerings when it lands (none at the moment).
"""

from __future__ import annotations

__all__ = ["UNSUPPORTED", "IN_PROGRESS", "reason_for"]

#: the reason of a primitive another branch is lowering right now
IN_PROGRESS = "not yet lowered (in progress)"

_COLLECTIVE = ("multi-device collective: an ONNX model runs on one device",
               "convert the per-device function (outside shard_map/pmap), or a shard_map over one device")
_REF = ("mutable array references (jax.new_ref / state) are not converted",
        "write the function with immutable arrays (x.at[...].set(...))")
_HIJAX = ("hijax boxes/logs are an experimental JAX feature with no ONNX meaning",
          "use plain arrays and pytrees")
_GPU = ("GPU-only cuDNN/Pallas kernel with no portable definition",
        "use the portable jax.nn / jnp function (e.g. jax.nn.dot_product_attention implementation='xla')")
_AD = ("an autodiff-internal primitive that only appears while differentiating",
       "convert the function (or its jax.grad) after JAX has transformed it; the forward pass converts")
_RNG = ("random: only the default threefry2x32 PRNG (keys, bits, split, fold_in) is lowered",
        "use jax.random with the default key implementation, or pass random numbers in as an input")

UNSUPPORTED: dict[str, tuple[str, str]] = {
    # ---- other branches are lowering these right now ------------------------------
    **{p: _RNG for p in (
        "random_gamma", "threefry4x32", "philox2x32", "philox4x32", "rng_bit_generator", "rng_uniform")},
    # ---- multi-device collectives --------------------------------------------------
    **{p: _COLLECTIVE for p in (
        "all_gather", "all_gather_done", "all_gather_invariant", "all_gather_reduced",
        "all_gather_reduced_start", "all_gather_start", "all_to_all", "all_to_all_done",
        "all_to_all_start", "axis_index", "pbroadcast", "pbroadcast_done", "pbroadcast_start",
        "pmax", "pmin", "ppermute", "ppermute_done", "ppermute_start", "precv", "preduced",
        "psend", "psum", "psum_done", "psum_invariant", "psum_invariant_start", "psum_start",
        "ragged_all_to_all", "reduce_scatter", "reduce_scatter_done", "reduce_scatter_start",
        "unreduced_psum", "unreduced_psum_start", "unreduced_reduce_scatter",
        "unreduced_reduce_scatter_start", "reduced_vary_cast_p", "vary_unreduced_cast_p")},
    # ---- only in older supported JAX (the oldest set, constraints/oldest.txt) -------------
    # declared-but-absent on the newest JAX is fine: the table covers the whole supported range
    **{p: _COLLECTIVE for p in (
        "xla_pmap", "pgather", "shard_to_full", "full_to_shard",
        "global_array_to_host_local_array", "host_local_array_to_global_array")},
    "custom_transpose_call": ("an autodiff-internal primitive (custom_transpose) that only appears "
                              "while transposing", _AD[1]),
    # ---- mutable state ----------------------------------------------------------------
    **{p: _REF for p in (
        "accum_grad_in_ref", "addupdate", "broadcast_to", "create_linear", "empty_ref",
        "free_ref", "freeze", "get", "new_ref", "pin", "run_state", "swap", "unpin")},
    **{p: _HIJAX for p in (
        "box_get", "box_set", "new_box", "log_extend", "log_read", "new_log",
        "call_hi_primitive", "call_hi_primitive_linearized", "from_edtype", "to_edtype")},
    "new_variable": ("Flax hijax Variables (flax_hijax_variable=True) are not converted",
                     "use Flax's default (non-hijax) Variables"),
    "get_variable": ("Flax hijax Variables (flax_hijax_variable=True) are not converted",
                     "use Flax's default (non-hijax) Variables"),
    "set_variable": ("Flax hijax Variables (flax_hijax_variable=True) are not converted",
                     "use Flax's default (non-hijax) Variables"),
    # ---- backend kernels ------------------------------------------------------------
    **{p: _GPU for p in (
        "cudnn_fusion", "dot_product_attention_fwd", "dot_product_attention_bwd",
        "dot_product_attention_fwd_wrapper", "dot_product_attention_bwd_wrapper",
        "dot_product_attention_fp8_fwd", "dot_product_attention_fp8_bwd",
        "dot_product_attention_fp8_fwd_wrapper", "dot_product_attention_fp8_bwd_wrapper",
        "scaled_matmul", "scaled_matmul_wrapper", "core_map", "with_memory_space_constraint")},
    "ffi_call": ("a foreign-function (XLA FFI) call runs native code ONNX cannot contain",
                 "write the computation in jnp, or register an onnx_function"),
    "custom_partitioning": ("custom SPMD partitioning rules run Python at compile time",
                            "convert the undecorated function"),
    "call_exported": ("a serialized jax.export module holds StableHLO, not a jaxpr",
                      "convert the original JAX function"),
    "scaled_dot": ("low-precision scaled dot (fp8/fp4 block scales) has no ONNX kernel in onnxruntime",
                   "dequantize and use jnp.dot"),
    "ragged_dot_general": ("ragged (grouped) matmul has no ONNX equivalent yet",
                           "use a dense dot with masking, or a loop over groups"),
    "mulhi": ("high half of a widening integer multiply; not lowered yet",
              "widen to a larger integer type and shift"),
    # ---- autodiff internals ---------------------------------------------------------
    **{p: _AD for p in ("custom_lin", "linear_call", "remat_opt", "unreachable", "zeros_like",
                        "custom_jvp_call_jaxpr")},
    "select_and_gather_add": ("only appears in the gradient of max pooling", _AD[1]),
    "select_and_scatter": ("only appears in the gradient of windowed reductions", _AD[1]),
    # ---- tokens, effects, compile-time machinery -----------------------------------
    "after_all": ("XLA ordering tokens have no ONNX meaning", "drop the ordered effect"),
    "create_token": ("XLA ordering tokens have no ONNX meaning", "drop the ordered effect"),
    "check": ("jax.experimental.checkify checks run host code", "convert the unchecked function"),
    "inspect_sharding": ("a compile-time sharding inspection callback", "remove jax.debug.inspect_array_sharding"),
    "shape_assertion": ("jax.export's runtime shape assertions", "convert the function itself, not its export"),
    "dimension_size": ("jax.export internal for symbolic dimensions", "convert the function itself"),
    "eval_jaxpr": ("an internal evaluator used by JAX's own tooling", "convert the function itself"),
    "dce_sink": ("an internal DCE barrier of JAX's state discharge", "convert the function itself"),
    "tie": ("an internal JAX primitive", "convert the function itself"),
    "stage": ("an internal JAX staging primitive", "convert the function itself"),
    "empty": ("uninitialized buffers (lax.empty) have no defined values to compare", "use jnp.zeros"),
    "empty2": ("uninitialized buffers (lax.empty) have no defined values to compare", "use jnp.zeros"),
    "announce_jaxpr": ("eqx.debug.announce_transform is a tracing-time debugging aid", "remove it"),
    "noinline": ("eqx.internal.noinline calls a function chosen by a runtime index",
                 "call the function directly"),
    "io_callback": ("a host callback cannot run inside an ONNX model (refused naming the function; "
                    "only jax.debug.print and eqx.error_if are dropped)",
                    "compute it outside the model, or pass its result in as an input"),
    "debug_callback": ("a host callback cannot run inside an ONNX model (refused naming the function; "
                       "jax.debug.print is dropped)", "remove jax.debug.callback / jax.debug.breakpoint"),
    "nontraceable": ("equinox marks this computation as not traceable by design", "convert the function outside it"),
}


def reason_for(primitive: str) -> str | None:
    """``"reason; instead: …"`` for a declared-unsupported primitive, else None."""
    entry = UNSUPPORTED.get(primitive)
    if entry is None:
        return None
    return f"{entry[0]}; instead: {entry[1]}"
