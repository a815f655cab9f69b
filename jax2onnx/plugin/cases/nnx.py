"""Catalog: Flax NNX layers (weights as initializers, inference mode, symbolic batch)."""

from __future__ import annotations

import numpy as np

from ..testcase import component, testcase

F = "nnx"


def _rngs():
    from flax import nnx

    return nnx.Rngs(0)


def _randomize(module, seed=1):
    """Give every parameter/statistic non-trivial values (zero biases hide bugs)."""
    import jax
    from flax import nnx

    rng = np.random.default_rng(seed)
    graphdef, state = nnx.split(module)

    def perturb(path, x):
        if not hasattr(x, "dtype") or not jax.numpy.issubdtype(x.dtype, jax.numpy.floating):
            return x
        name = jax.tree_util.keystr(path)
        if "var" in name or "scale" in name:  # keep variances/scales positive
            return np.asarray(rng.uniform(0.5, 1.5, x.shape), x.dtype)
        return np.asarray(x + 0.1 * rng.standard_normal(x.shape), x.dtype)

    state = jax.tree_util.tree_map_with_path(perturb, state)
    return nnx.merge(graphdef, state)


def _layer(ctor, randomize=True):
    """A build= factory for one NNX layer (Flax imported lazily)."""

    def build():
        from flax import nnx

        m = ctor(nnx, _rngs())
        return _randomize(m) if randomize else m

    return build


def _case(name, component, ctor, inputs, **kw):
    kw.setdefault("rtol", 1e-4)
    kw.setdefault("atol", 1e-4)
    testcase(F, name, component, build=_layer(ctor), inputs=inputs, **kw)


# --- Linear family -----------------------------------------------------------------
_case("linear_2d", "nnx.Linear", lambda nnx, r: nnx.Linear(8, 6, rngs=r), [("B", 8)],
      expect_ops=("Gemm",), markers=("ir_smoke",))
_case("linear_3d", "nnx.Linear", lambda nnx, r: nnx.Linear(8, 6, rngs=r), [("B", 5, 8)],
      expect_ops=("MatMul", "Add"), forbid_ops=("Gemm",))
_case("linear_no_bias", "nnx.Linear", lambda nnx, r: nnx.Linear(8, 6, use_bias=False, rngs=r),
      [("B", 8)], expect_ops=("Gemm",))
# f64 variants: float32 weights meet a float64 input; Flax promotes, so the component
# steps aside (unpack → None) and the decomposition is converted instead
_case("linear_promoted_f64", "nnx.Linear", lambda nnx, r: nnx.Linear(8, 6, rngs=r), [("B", 8)], f64=True)
_case("linear_general_2axes", "nnx.LinearGeneral",
      lambda nnx, r: nnx.LinearGeneral((4, 6), (3, 5), axis=(-2, -1), rngs=r), [("B", 4, 6)])
_case("linear_general_out_tuple", "nnx.LinearGeneral",
      lambda nnx, r: nnx.LinearGeneral(8, (2, 4), rngs=r), [("B", 3, 8)])
_case("einsum", "nnx.Einsum", lambda nnx, r: nnx.Einsum("bnd,dh->bnh", (8, 6), (6,), rngs=r),
      [("B", 3, 8)])
_case("einsum_no_bias", "nnx.Einsum", lambda nnx, r: nnx.Einsum("bd,dkh->bkh", (8, 2, 3), rngs=r),
      [("B", 8)])

# --- convolutions (NHWC, like Flax) ------------------------------------------------------
_case("conv_1d", "nnx.Conv", lambda nnx, r: nnx.Conv(3, 4, (3,), rngs=r), [("B", 10, 3)],
      expect_ops=("Conv",))
_case("conv_2d_same", "nnx.Conv", lambda nnx, r: nnx.Conv(3, 4, (3, 3), rngs=r), [("B", 8, 8, 3)],
      expect_ops=("Conv",), markers=("ir_smoke",))
_case("conv_2d_valid_strided", "nnx.Conv",
      lambda nnx, r: nnx.Conv(3, 4, (3, 3), strides=(2, 2), padding="VALID", rngs=r),
      [("B", 9, 9, 3)], expect_ops=("Conv",))
_case("conv_2d_explicit_pad_dilated", "nnx.Conv",
      lambda nnx, r: nnx.Conv(3, 4, (3, 3), padding=((1, 2), (0, 1)), kernel_dilation=(2, 1), rngs=r),
      [("B", 8, 8, 3)], expect_ops=("Conv",))
_case("conv_2d_groups", "nnx.Conv",
      lambda nnx, r: nnx.Conv(4, 6, (3, 3), feature_group_count=2, use_bias=False, rngs=r),
      [("B", 6, 6, 4)], expect_ops=("Conv",))
_case("conv_2d_causal_1d", "nnx.Conv", lambda nnx, r: nnx.Conv(2, 3, (3,), padding="CAUSAL", rngs=r),
      [("B", 7, 2)])
_case("conv_2d_circular", "nnx.Conv", lambda nnx, r: nnx.Conv(2, 3, (3, 3), padding="CIRCULAR", rngs=r),
      [("B", 5, 5, 2)])
_case("conv_3d", "nnx.Conv", lambda nnx, r: nnx.Conv(2, 3, (2, 2, 2), rngs=r), [("B", 4, 4, 4, 2)],
      expect_ops=("Conv",))
_case("conv_transpose_1d", "nnx.ConvTranspose", lambda nnx, r: nnx.ConvTranspose(3, 4, (3,), rngs=r),
      [("B", 6, 3)])
_case("conv_transpose_2d_strided", "nnx.ConvTranspose",
      lambda nnx, r: nnx.ConvTranspose(3, 2, (3, 3), strides=(2, 2), padding="VALID", rngs=r),
      [("B", 5, 5, 3)])
_case("conv_transpose_2d_same", "nnx.ConvTranspose",
      lambda nnx, r: nnx.ConvTranspose(3, 2, (3, 3), strides=(2, 2), padding="SAME", rngs=r),
      [("B", 4, 4, 3)])
_case("conv_transpose_3d", "nnx.ConvTranspose", lambda nnx, r: nnx.ConvTranspose(2, 2, (2, 2, 2), rngs=r),
      [("B", 3, 3, 3, 2)])

# --- normalization -------------------------------------------------------------------
_case("batch_norm", "nnx.BatchNorm", lambda nnx, r: nnx.BatchNorm(6, rngs=r), [("B", 6)],
      expect_ops=("BatchNormalization",))
_case("batch_norm_4d", "nnx.BatchNorm", lambda nnx, r: nnx.BatchNorm(3, rngs=r), [("B", 4, 4, 3)],
      expect_ops=("BatchNormalization",))
_case("batch_norm_no_scale", "nnx.BatchNorm",
      lambda nnx, r: nnx.BatchNorm(5, use_scale=False, use_bias=False, rngs=r), [("B", 2, 5)])
_case("layer_norm", "nnx.LayerNorm", lambda nnx, r: nnx.LayerNorm(8, rngs=r), [("B", 5, 8)],
      expect_ops=("LayerNormalization",), markers=("ir_smoke",))
_case("layer_norm_no_bias", "nnx.LayerNorm", lambda nnx, r: nnx.LayerNorm(8, use_bias=False, rngs=r),
      [("B", 8)], expect_ops=("LayerNormalization",))
_case("layer_norm_promoted_f64", "nnx.LayerNorm", lambda nnx, r: nnx.LayerNorm(8, rngs=r), [("B", 3, 8)],
      f64=True)
_case("layer_norm_no_scale", "nnx.LayerNorm",
      lambda nnx, r: nnx.LayerNorm(8, use_scale=False, epsilon=1e-3, rngs=r), [("B", 3, 8)])
_case("rms_norm", "nnx.RMSNorm", lambda nnx, r: nnx.RMSNorm(8, rngs=r), [("B", 5, 8)],
      expect_ops=("RMSNormalization",))
_case("group_norm", "nnx.GroupNorm", lambda nnx, r: nnx.GroupNorm(6, num_groups=3, rngs=r),
      [("B", 4, 4, 6)], expect_ops=("GroupNormalization",))
_case("group_norm_3d_no_affine", "nnx.GroupNorm",
      lambda nnx, r: nnx.GroupNorm(4, num_groups=2, use_scale=False, use_bias=False, rngs=r),
      [("B", 5, 4)], expect_ops=("GroupNormalization",))
_case("group_norm_2d", "nnx.GroupNorm", lambda nnx, r: nnx.GroupNorm(8, num_groups=2, rngs=r), [("B", 8)])

# --- dropout, embedding, attention -----------------------------------------------------
_case("dropout_eval", "nnx.Dropout", lambda nnx, r: nnx.Dropout(0.5, rngs=r), [("B", 8)],
      forbid_ops=("RandomUniform", "RandomUniformLike", "Dropout"))
_case("dropout_call_deterministic", "nnx.Dropout", lambda nnx, r: nnx.Dropout(0.3, rngs=r), [("B", 4, 8)],
      input_params={"deterministic": True}, forbid_ops=("RandomUniform", "RandomUniformLike", "Dropout"))


def _tokens(rng, shapes, dtypes):
    return [rng.integers(0, 20, s).astype(d) for s, d in zip(shapes, dtypes)]


_case("embed", "nnx.Embed", lambda nnx, r: nnx.Embed(20, 8, rngs=r), [("B", 5)],
      input_dtypes=[np.int32], input_gen=_tokens, expect_ops=("Gather",))


def _mha(nnx, r):
    return nnx.MultiHeadAttention(num_heads=2, in_features=8, qkv_features=8, decode=False, rngs=r)


_case("mha_self", "nnx.MultiHeadAttention", _mha, [("B", 5, 8)])


def _mha_masked(nnx, r):
    class Masked(nnx.Module):
        def __init__(self):
            self.attn = _mha(nnx, r)

        def __call__(self, x, mask):
            return self.attn(x, mask=mask)

    return Masked()


def _mask_inputs(rng, shapes, dtypes):
    x = rng.standard_normal(shapes[0]).astype(dtypes[0])
    mask = rng.integers(0, 2, shapes[1]).astype(bool)
    mask[..., 0] = True  # every query sees at least one key
    return [x, mask]


_case("mha_masked", "nnx.MultiHeadAttention", _mha_masked, [("B", 5, 8), ("B", 1, 5, 5)],
      input_dtypes=[np.float32, np.bool_], input_gen=_mask_inputs)


def _mha_causal(nnx, r):
    class Causal(nnx.Module):
        def __init__(self):
            self.attn = nnx.MultiHeadAttention(num_heads=2, in_features=8, qkv_features=8,
                                               out_features=6, decode=False, rngs=r)

        def __call__(self, x):
            return self.attn(x, mask=nnx.make_causal_mask(x[..., 0]))

    return Causal()


_case("mha_causal_mask", "nnx.MultiHeadAttention", _mha_causal, [("B", 6, 8)])


def _mha_cross(nnx, r):
    class Cross(nnx.Module):
        def __init__(self):
            self.attn = nnx.MultiHeadAttention(num_heads=2, in_features=8, qkv_features=4,
                                               in_kv_features=6, decode=False, rngs=r)

        def __call__(self, q, kv):
            return self.attn(q, kv)

    return Cross()


_case("mha_cross", "nnx.MultiHeadAttention", _mha_cross, [("B", 3, 8), ("B", 5, 6)])


# --- pooling ---------------------------------------------------------------------
def _pool(kind, **kw):
    def fn(x):
        from flax import nnx

        return getattr(nnx, kind)(x, **kw)

    return fn


testcase(F, "avg_pool_2d", "nnx.avg_pool", fn=_pool("avg_pool", window_shape=(2, 2), strides=(2, 2)),
         inputs=[("B", 6, 6, 3)])
testcase(F, "avg_pool_same", "nnx.avg_pool",
         fn=_pool("avg_pool", window_shape=(3, 3), strides=(1, 1), padding="SAME"),
         inputs=[("B", 5, 5, 2)], atol=1e-5)
testcase(F, "max_pool_2d", "nnx.max_pool", fn=_pool("max_pool", window_shape=(2, 2), strides=(2, 2)),
         inputs=[("B", 6, 6, 3)])
testcase(F, "max_pool_1d_same", "nnx.max_pool",
         fn=_pool("max_pool", window_shape=(3,), strides=(2,), padding="SAME"), inputs=[("B", 7, 2)])


# --- activations (flax.nnx re-exports) ------------------------------------------------------
def _act(name, **kw):
    def fn(x):
        from flax import nnx

        return getattr(nnx, name)(x, **kw)

    fn.__name__ = name
    return fn


_ACTIVATIONS = {
    "relu": {}, "relu6": {}, "gelu": {}, "gelu_exact": {"approximate": False}, "silu": {}, "swish": {},
    "sigmoid": {}, "tanh": {}, "elu": {}, "celu": {}, "selu": {}, "leaky_relu": {}, "softplus": {},
    "soft_sign": {}, "log_sigmoid": {}, "hard_sigmoid": {}, "hard_silu": {}, "hard_swish": {},
    "hard_tanh": {}, "softmax": {}, "log_softmax": {}, "logsumexp": {"axis": -1}, "standardize": {},
    "glu": {}, "identity": {},
}

for _name, _kw in _ACTIVATIONS.items():
    _fn_name = "gelu" if _name == "gelu_exact" else _name
    testcase(F, f"act_{_name}", f"nnx.{_fn_name}", fn=_act(_fn_name, **_kw), inputs=[("B", 6)],
             f64=True, rtol=1e-5, atol=1e-5)
# the re-exports are the jax.nn components (plugin/patches.REEXPORTS): one op each
for _name, _op, _gone in (("gelu", "Gelu", "Tanh"), ("relu", "Relu", "Max"), ("softmax", "Softmax", "ReduceMax")):
    testcase(F, f"act_{_name}_one_op", f"nnx.{_name}", fn=_act(_name), inputs=[("B", 6)],
             expect_ops=(_op,), forbid_ops=(_gone,))
testcase(F, "act_one_hot", "nnx.one_hot", fn=_act("one_hot", num_classes=5), inputs=[("B", 3)],
         input_dtypes=[np.int32], input_gen=lambda rng, s, d: [rng.integers(0, 5, s[0]).astype(d[0])])
_case("act_prelu", "nnx.PReLU", lambda nnx, r: nnx.PReLU(), [("B", 6)])


# --- transformations through the layer components (batching rule, fallback JVP) -------------
def _grad_through_layers():
    import jax
    from flax import nnx

    linear = _randomize(nnx.Linear(4, 3, rngs=_rngs()))
    norm = _randomize(nnx.LayerNorm(3, rngs=_rngs()))
    return lambda x: jax.grad(lambda y: (norm(linear(y)) ** 2).sum())(x)


testcase(F, "grad_linear_layer_norm", "nnx.Linear", build=_grad_through_layers, inputs=[("B", 4)],
         rtol=1e-4, atol=1e-4)


def _vmap_linear():
    import jax
    from flax import nnx

    linear = _randomize(nnx.Linear(6, 5, rngs=_rngs()))
    return jax.vmap(linear)  # each example is 1-D; the batching rule rebinds on (B, 6) → Gemm


testcase(F, "vmap_linear", "nnx.Linear", build=_vmap_linear, inputs=[("B", 6)], expect_ops=("Gemm",),
         rtol=1e-4, atol=1e-4)


# --- component metadata (ONNX ops each layer becomes; macro ops come from plugin/components/nnx.py)
_NNX_DOCS = "https://flax.readthedocs.io/en/latest/api_reference/flax.nnx/nn/"
for _comp, _ops, _page in (
    ("nnx.Linear", ("Gemm", "MatMul", "Add"), "linear"),
    ("nnx.LinearGeneral", ("Einsum", "MatMul", "Add"), "linear"),
    ("nnx.Einsum", ("Einsum", "MatMul", "Add"), "linear"),
    ("nnx.Conv", ("Conv", "Transpose", "Pad"), "linear"),
    ("nnx.ConvTranspose", ("Conv", "Transpose", "Pad", "Slice"), "linear"),
    ("nnx.BatchNorm", ("BatchNormalization", "Transpose"), "normalization"),
    ("nnx.LayerNorm", ("LayerNormalization",), "normalization"),
    ("nnx.RMSNorm", ("RMSNormalization",), "normalization"),
    ("nnx.GroupNorm", ("GroupNormalization", "Transpose"), "normalization"),
    ("nnx.Dropout", ("Identity",), "stochastic"),
    ("nnx.Embed", ("Gather",), "linear"),
    ("nnx.MultiHeadAttention", ("Einsum", "Attention", "Add"), "attention"),
    ("nnx.avg_pool", ("Conv", "Div"), "pooling"),
    ("nnx.max_pool", ("MaxPool",), "pooling"),
):
    component(_comp, onnx_ops=_ops, docs=_NNX_DOCS + _page + ".html")
