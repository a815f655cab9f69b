"""Catalog: jax.random (threefry2x32) with JAX's numbers — keys as inputs and constants.

Integer results (bits, keys, randint, bernoulli, categorical, permutation, choice) are
compared exactly (``rtol=atol=0``; integers always compare with ``array_equal``), and so
are ``uniform`` draws (exact bits, then exact IEEE arithmetic). Distributions through
transcendental functions (normal, gumbel, truncated_normal) use the default tolerance.

Input dtype ``"key"`` is a typed key (``jax.random.key``): the runner feeds JAX the key and
ONNX its uint32 key data. A raw ``uint32[2]`` key gets full-range random words.
"""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ..testcase import LEGACY_FROZEN, testcase

F = "random"
U32, I32, KEY = np.uint32, np.int32, "key"
EXACT = dict(rtol=0.0, atol=0.0)


def words(rng, shapes, dtypes):
    """Typed keys and raw uint32 keys with full-range words; normal floats; int32 seeds."""
    from ...testing.runner import is_key_dtype, random_keys

    out = []
    for s, d in zip(shapes, dtypes):
        if is_key_dtype(d):
            out.append(random_keys(rng, s, d))
        elif d == np.uint32:
            out.append(rng.integers(0, 2 ** 32, s, dtype=np.uint32))
        elif np.issubdtype(d, np.floating):
            out.append(rng.standard_normal(s).astype(d))
        else:
            out.append(rng.integers(-2 ** 31, 2 ** 31, s).astype(d))
    return out


#: nightly only (each JAX reference compiles its own XLA program: ~1 s of CPU per shape)
SLOW = {"gumbel", "truncated_normal", "randint", "bernoulli_p_input", "normal_batched_keys", "fold_in_batched",
        "uniform_range_raw", "key_constant", "categorical_axis0", "split_batched_keys", "normal_original",
        "uniform_original", "bits_uint16_original", "bits_uint16", "key_through_cond", "prngkey_from_seed_input",
        "split_raw", "permutation_array", "choice_replace", "bernoulli"}


def case(name, component, fn, inputs, input_dtypes=None, exact=False, **kw):
    if name in SLOW:
        kw["markers"] = tuple(kw.get("markers", ())) + ("slow",)
    testcase(F, name, component, fn=fn, inputs=inputs, input_dtypes=input_dtypes, input_gen=words,
             ir_only=LEGACY_FROZEN, **(EXACT if exact else {}), **kw)


# ---- keys: seed, wrap/unwrap, split, fold_in ---------------------------------------------------
case("key_from_seed_input", "jax.random.key", lambda s: jax.random.key_data(jax.random.key(s)),
     [()], [I32], exact=True, f64=True)
case("prngkey_from_seed_input", "jax.random.PRNGKey", lambda s: jax.random.PRNGKey(s), [()], [I32],
     exact=True, f64=True)
case("key_constant", "jax.random.key",
     lambda x: jax.random.uniform(jax.random.key(1234), x.shape) + x, [("B", 3)], f64=True)
case("split_raw", "jax.random.split", lambda k: jax.random.split(k, 4), [(2,)], [U32], exact=True, f64=True)
case("split_typed", "jax.random.split", lambda k: jax.random.split(k, (2, 3)), [()], [KEY], exact=True)
case("split_unpack_typed", "jax.random.split",
     lambda k: jax.random.key_data(jax.random.split(jax.random.split(k)[1], 3)[2]), [()], [KEY], exact=True)
case("split_batched_keys", "jax.random.split", jax.vmap(lambda k: jax.random.split(k, 2)),
     [("B",)], [KEY], exact=True)
case("fold_in_input", "jax.random.fold_in", lambda k, d: jax.random.fold_in(k, d), [(2,), ()], [U32, U32],
     exact=True)
case("fold_in_const_typed", "jax.random.fold_in", lambda k: jax.random.fold_in(k, 17), [()], [KEY], exact=True)
case("fold_in_batched", "jax.random.fold_in", jax.vmap(jax.random.fold_in, in_axes=(None, 0)),
     [(2,), ("B",)], [U32, I32], exact=True)

# ---- bits in both counter layouts ---------------------------------------------------------------
def _original(fn):
    """``fn`` traced and run with jax_threefry_partitionable=False (the pre-0.5 layout)."""
    def wrapped(*args):
        with jax.threefry_partitionable(False):
            return fn(*args)
    return wrapped


for _mode, _wrap in (("", lambda f: f), ("_original", _original)):
    case(f"bits_raw{_mode}", "jax.random.bits", _wrap(lambda k: jax.random.bits(k, (3, 5))), [(2,)], [U32],
         exact=True)
    case(f"bits_like{_mode}", "jax.random.bits", _wrap(lambda k, x: jax.random.bits(k, x.shape)),
         [(), ("B", 5)], [KEY, np.float32], exact=True, sizes={"B": (3, 6)})
    case(f"bits_odd_size{_mode}", "jax.random.bits", _wrap(lambda k: jax.random.bits(k, (7,))), [()], [KEY],
         exact=True)
    for _w in ("uint8", "uint16"):
        case(f"bits_{_w}{_mode}", "jax.random.bits", _wrap(lambda k, _w=_w: jax.random.bits(k, (3, 5), _w)),
             [()], [KEY], exact=True)
    case(f"uniform{_mode}", "jax.random.uniform", _wrap(lambda k, x: jax.random.uniform(k, x.shape, x.dtype)),
         [(), ("B", 4)], [KEY, np.float32], exact=True, f64=True)
    case(f"normal{_mode}", "jax.random.normal", _wrap(lambda k, x: jax.random.normal(k, x.shape, x.dtype)),
         [(), ("B", 4)], [KEY, np.float32], f64=True)

# ---- distributions ---------------------------------------------------------------------------------
case("uniform_range_raw", "jax.random.uniform",
     lambda k, x: jax.random.uniform(k, x.shape, x.dtype, minval=-2.0, maxval=3.0), [(2,), ("B", 3)],
     [U32, np.float32], f64=True)  # XLA contracts the scale and shift into an FMA: within 1 ulp
case("normal_batched_keys", "jax.random.normal", jax.vmap(lambda k: jax.random.normal(k, (3,))),
     [("B",)], [KEY], sizes={"B": (2, 5)})
case("bernoulli", "jax.random.bernoulli", lambda k, x: jax.random.bernoulli(k, 0.3, x.shape),
     [(), ("B", 6)], [KEY, np.float32], exact=True, f64=True)
case("bernoulli_p_input", "jax.random.bernoulli", lambda k, p: jax.random.bernoulli(k, jax.nn.sigmoid(p)),
     [(2,), ("B", 6)], [U32, np.float32], exact=True, f64=True)
case("categorical", "jax.random.categorical", lambda k, logits: jax.random.categorical(k, logits),
     [(), ("B", 5)], [KEY, np.float32], exact=True, f64=True)
case("categorical_axis0", "jax.random.categorical",
     lambda k, logits: jax.random.categorical(k, logits, axis=0), [(2,), (5, 3)], [U32, np.float32], exact=True)
case("gumbel", "jax.random.gumbel", lambda k, x: jax.random.gumbel(k, x.shape, x.dtype), [(), ("B", 4)],
     [KEY, np.float32], f64=True)
case("truncated_normal", "jax.random.truncated_normal",
     lambda k, x: jax.random.truncated_normal(k, -1.5, 2.0, x.shape, x.dtype), [(), ("B", 4)],
     [KEY, np.float32], f64=True, rtol=1e-4, atol=1e-5)
case("randint", "jax.random.randint", lambda k, x: jax.random.randint(k, x.shape, -5, 17), [(), ("B", 4)],
     [KEY, np.float32], exact=True, f64=True)
case("randint_raw_key", "jax.random.randint", lambda k: jax.random.randint(k, (6,), 0, 1000), [(2,)], [U32],
     exact=True, f64=True)
case("permutation", "jax.random.permutation", lambda k: jax.random.permutation(k, 10), [()], [KEY],
     exact=True, f64=True)
case("permutation_array", "jax.random.permutation", lambda k, x: jax.random.permutation(k, x), [(2,), (6, 3)],
     [U32, np.float32], exact=True)
case("choice_replace", "jax.random.choice", lambda k: jax.random.choice(k, 7, (4,)), [()], [KEY], exact=True)
case("choice_no_replace", "jax.random.choice", lambda k: jax.random.choice(k, 9, (4,), replace=False),
     [()], [KEY], exact=True)
case("choice_p", "jax.random.choice",
     lambda k, x: jax.random.choice(k, x, (5,), p=jnp.array([0.1, 0.2, 0.3, 0.4])), [(), (4, 2)],
     [KEY, np.float32], exact=True)


# ---- typical models ----------------------------------------------------------------------------------
def dropout_train(key, x, rate=0.25):
    """Dropout in training mode with an explicit key input."""
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0.0)


case("dropout_train", "jax.random.bernoulli", dropout_train, [(), ("B", 16)], [KEY, np.float32], f64=True)


def _nnx_dropout():
    def f(key, x):
        return nnx.Dropout(0.5)(x, deterministic=False, rngs=nnx.Rngs(dropout=key))
    return f


case("nnx_dropout_train", "nnx.Dropout", None, [(), ("B", 8)], [KEY, np.float32], build=_nnx_dropout)


class _DropoutMLP(nnx.Module):
    """Linear -> Dropout whose key lives in the module (nnx.Rngs): a constant key in ONNX."""

    def __init__(self):
        self.lin = nnx.Linear(4, 8, rngs=nnx.Rngs(0))
        self.drop = nnx.Dropout(0.5, rngs=nnx.Rngs(dropout=3))

    def __call__(self, x, train=False):
        return self.drop(self.lin(x), deterministic=not train)


testcase(F, "nnx_dropout_module_rngs", "nnx.Dropout", build=_DropoutMLP, inputs=[("B", 4)],
         input_params={"train": True}, ir_only=LEGACY_FROZEN)


def diffusion_step(key, x_t, eps):
    """One DDPM ancestral sampling step: x_{t-1} = (x_t - b eps) / sqrt(a) + sigma z."""
    alpha, alpha_bar, sigma = 0.98, 0.5, 0.14
    z = jax.random.normal(key, x_t.shape, x_t.dtype)
    mean = (x_t - (1 - alpha) / jnp.sqrt(1 - alpha_bar) * eps) / jnp.sqrt(alpha)
    return mean + sigma * z


case("diffusion_step", "jax.random.normal", diffusion_step, [(), ("B", 8), ("B", 8)],
     [KEY, np.float32, np.float32], f64=True)

_W = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)


def rl_policy(key, obs):
    """A stochastic policy: logits = obs @ W, action ~ categorical(logits); also its log-prob."""
    logits = obs @ jnp.asarray(_W, obs.dtype)
    action = jax.random.categorical(key, logits)
    logp = jnp.take_along_axis(jax.nn.log_softmax(logits), action[:, None], axis=1)[:, 0]
    return action, logp


case("rl_policy_categorical", "jax.random.categorical", rl_policy, [(), ("B", 4)], [KEY, np.float32],
     f64=True)


def diffusion_sampler(key, x):
    """Four ancestral steps in a fori_loop that carries (x, key) and splits the key each step."""
    def body(t, carry):
        x, key = carry
        key, sub = jax.random.split(key)
        eps = jnp.tanh(x) * (0.1 + 0.01 * t)  # a stand-in for the noise model
        return diffusion_step(sub, x, eps), key
    return jax.lax.fori_loop(0, 4, body, (x, key))[0]


case("diffusion_sampler_loop", "jax.random.split", diffusion_sampler, [(), ("B", 8)], [KEY, np.float32])
case("keys_in_scan", "jax.random.normal",
     lambda keys: jax.lax.scan(lambda c, k: (c + jax.random.normal(k, (3,)), jax.random.bits(k, (2,))),
                               jnp.zeros(3), keys), [(4,)], [KEY])
case("key_through_cond", "jax.random.fold_in",
     lambda k, x: jax.random.uniform(jax.lax.cond(x.sum() > 0, lambda k: jax.random.fold_in(k, 1),
                                                  lambda k: k, k), x.shape), [(), ("B", 3)], [KEY, np.float32],
     exact=True)
