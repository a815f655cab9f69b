"""Fuzz FFT lengths/kinds/axes and complex arithmetic shapes on the onnx_ir pipeline.

Complex numbers and FFT are onnx_ir capabilities (legacy is frozen): these tests convert
with onnx_ir only. FFT numbers are compared the way JAX's own FFT tests do: the largest
error relative to the largest magnitude of the result.
"""

import jax
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from jax import lax

from jax2onnx import allclose, to_onnx
from jax2onnx.plugin.complex_repr import is_complex, pack, unpack
from jax2onnx.testing import ort
from jax2onnx.testing.strategies import broadcast_pairs, fft_configs, shapes

SECOND_BATCH = 5


def _spec(dims, symbolic, dtype):
    if symbolic:
        dims = jax.export.symbolic_shape(", ".join(["B"] + [str(d) for d in dims[1:]]))
    return jax.ShapeDtypeStruct(tuple(dims), np.dtype(dtype))


def _signal(rng, dims, dtype):
    a = rng.standard_normal(dims) + (1j * rng.standard_normal(dims) if is_complex(dtype) else 0)
    return np.asarray(a).astype(dtype)


@given(cfg=fft_configs())
def test_fft(cfg):
    import onnx

    fn = lambda x: lax.fft(x, cfg.kind, cfg.lengths)  # noqa: E731
    with jax.enable_x64(cfg.x64):
        model = to_onnx(fn, [_spec(cfg.input_dims, cfg.symbolic, cfg.dtype)], enable_double_precision=cfg.x64)
        onnx.checker.check_model(model, full_check=True)
        sess = ort.session(model)
        batches = [cfg.batch[0] if cfg.batch else None] + ([SECOND_BATCH] if cfg.symbolic else [])
        for b in batches:
            dims = ((b,) + cfg.input_dims[1:]) if b is not None else cfg.input_dims
            x = _signal(np.random.default_rng(len(dims)), dims, cfg.dtype)
            expected = np.asarray(fn(x))
            out = ort.run(sess, [pack(x)])[0]
            actual = unpack(out, expected.dtype) if is_complex(expected.dtype) else out
            scale = max(float(np.abs(expected).max()), 1e-30) if expected.size else 1.0
            err = float(np.abs(actual - expected).max()) / scale if expected.size else 0.0
            n = int(np.prod(cfg.lengths))
            tol = (1e-14 if cfg.x64 else 2e-6) * max(1.0, np.sqrt(n)) * 4
            assert err <= tol, f"{cfg}: max error / max |X| = {err:.3g} > {tol:.3g}"


_BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
           "div": lambda a, b: a / b, "eq": lambda a, b: a == b}
_UNARY = {"exp": jax.numpy.exp, "log": jax.numpy.log, "sqrt": jax.numpy.sqrt, "abs": jax.numpy.abs,
          "sign": jax.numpy.sign, "conj": jax.numpy.conj, "square": jax.numpy.square,
          "sum": lambda z: z.sum(axis=-1), "prod": lambda z: z.prod(axis=0), "cube": lambda z: z ** 3}


def _arrays(dims_list, dtype, seed):
    rng = np.random.default_rng(seed)
    out = []
    for dims in dims_list:
        z = rng.standard_normal(dims) + 1j * rng.standard_normal(dims)
        out.append((z + 0.25 * z / np.maximum(np.abs(z), 1e-6)).astype(dtype))  # |z| >= 0.25
    return out


def _check(fn, shape_list, dtype, x64):
    import onnx

    symbolic = any(s.symbolic for s in shape_list)
    with jax.enable_x64(x64):
        model = to_onnx(fn, [_spec(s.spec(), s.symbolic, dtype) if s.symbolic else
                             jax.ShapeDtypeStruct(s.dims, dtype) for s in shape_list],
                        enable_double_precision=x64)
    onnx.checker.check_model(model, full_check=True)
    for b in [None] + ([SECOND_BATCH] if symbolic else []):
        dims = [((b,) + s.dims[1:]) if (b is not None and s.symbolic) else s.dims for s in shape_list]
        record = allclose(fn, model, _arrays(dims, dtype, 0), rtol=1e-4, atol=1e-4, enable_double_precision=x64)
        assert record, record.summary()


@given(pair=broadcast_pairs(max_rank=3), op=st.sampled_from(sorted(_BINARY)), x64=st.booleans())
def test_complex_binary(pair, op, x64):
    _check(_BINARY[op], list(pair), np.complex128 if x64 else np.complex64, x64)


@given(shape=shapes(min_rank=1, max_rank=3), op=st.sampled_from(sorted(_UNARY)), x64=st.booleans())
def test_complex_unary(shape, op, x64):
    _check(_UNARY[op], [shape], np.complex128 if x64 else np.complex64, x64)
