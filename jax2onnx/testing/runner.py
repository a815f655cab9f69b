"""Run one catalog testcase on the current pipeline: convert → checker → ORT → JAX."""

from __future__ import annotations

import zlib

import numpy as np

from ..plugin.testcase import Testcase, get_case, missing_feature, variant_opset
from .graph import op_histogram
from .installed import opset_unavailable

__all__ = ["run_case", "concrete_inputs", "DEFAULT_SIZES", "is_key_dtype", "random_keys"]

DEFAULT_SIZES = (2, 7)


def _spec_shape_dtype(spec, dtype_hint):
    if isinstance(spec, tuple):
        return spec, dtype_hint
    return tuple(spec.shape), getattr(spec, "dtype", dtype_hint)


def _input_dtypes(case: Testcase, variant: str) -> list:
    out = []
    for i, spec in enumerate(case.inputs):
        given = case.input_dtypes[i] if case.input_dtypes else None
        _, dt = _spec_shape_dtype(spec, given)
        if is_key_dtype(dt):  # typed PRNG keys ("key" = JAX's default key<fry>)
            out.append(key_dtype(dt))
            continue
        dt = np.dtype(dt if dt is not None else np.float32)
        if variant == "f64":
            dt = {np.dtype(np.float32): np.dtype(np.float64), np.dtype(np.int32): np.dtype(np.int64),
                  np.dtype(np.complex64): np.dtype(np.complex128)}.get(dt, dt)
        out.append(dt)
    return out


def is_key_dtype(dt) -> bool:
    """A typed PRNG key dtype, or the catalog's shorthand ``"key"``."""
    if isinstance(dt, str):
        return dt == "key"
    if dt is None or isinstance(dt, np.dtype) or isinstance(dt, type):
        return False
    import jax

    return jax.dtypes.issubdtype(dt, jax.dtypes.prng_key)


def key_dtype(dt):
    import jax

    return jax.eval_shape(lambda: jax.random.key(0)).dtype if isinstance(dt, str) else dt


def random_keys(rng, shape, dtype):
    """Typed keys with random (full-range uint32) key data."""
    import jax

    data_shape = jax.eval_shape(jax.random.key_data, jax.ShapeDtypeStruct(shape, dtype)).shape
    return jax.random.wrap_key_data(rng.integers(0, 2 ** 32, data_shape, dtype=np.uint32),
                                    impl=dtype._impl)  # the key type's own implementation


def _bind(shape, env: dict) -> tuple[int, ...]:
    return tuple(env[d] if isinstance(d, str) else int(d) for d in shape)


def concrete_inputs(case: Testcase, dtypes, env: dict, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = [_bind(_spec_shape_dtype(s, None)[0], env) for s in case.inputs]
    if case.input_gen is not None:
        return [a if is_key_dtype(getattr(a, "dtype", None)) else np.asarray(a)
                for a in case.input_gen(rng, shapes, dtypes)]
    arrays = []
    for shape, dt in zip(shapes, dtypes):
        if is_key_dtype(dt):
            arrays.append(random_keys(rng, shape, dt))
        elif np.issubdtype(dt, np.floating):
            arrays.append(rng.standard_normal(shape).astype(dt))
        elif np.issubdtype(dt, np.complexfloating):  # fed to ORT packed as (re, im) by allclose
            arrays.append((rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt))
        elif dt == np.bool_:
            arrays.append(rng.integers(0, 2, shape).astype(bool))
        else:
            arrays.append(rng.integers(0, 5, shape).astype(dt))
    return arrays


def _sizes(case: Testcase, sym: str) -> tuple[int, int]:
    return case.sizes.get(sym, DEFAULT_SIZES)


def convert_case(case: Testcase, variant: str, fn=None, use_onnx_ir=None):
    """Convert ``case`` for ``variant``; returns (model, fn, dtypes, symbolic?)."""
    from .. import to_onnx

    fn = fn or case.make_callable()
    dtypes = _input_dtypes(case, variant)
    symbolic = variant != "static" and bool(case.symbols())
    specs = []
    for spec, dt in zip(case.inputs, dtypes):
        shape = _spec_shape_dtype(spec, None)[0]
        if not symbolic:
            shape = _bind(shape, {s: _sizes(case, s)[0] for s in case.symbols()})
        specs.append(_spec(shape, dt))
    from ..shadow import case_context

    # shadow compare (when on) uses this case's tolerance and its valid inputs
    env0 = {s: _sizes(case, s)[0] for s in case.symbols()}
    seed = zlib.crc32(f"{case.family}/{case.name}".encode())
    with case_context(f"{case.family}/{case.name}[{variant}]", case.rtol, case.atol,
                      inputs=lambda: concrete_inputs(case, dtypes, env0, seed)):
        model = to_onnx(fn, specs, input_params=case.input_params, opset=variant_opset(case, variant),
                        enable_double_precision=(variant == "f64"), use_onnx_ir=use_onnx_ir,
                        model_name=case.name)
    return model, fn, dtypes, symbolic


def _spec(shape, dtype):
    """A ShapeDtypeStruct (symbols parsed by jax.export; the front end re-scopes them)."""
    import jax

    if any(isinstance(d, str) for d in shape):
        shape = jax.export.symbolic_shape(", ".join(str(d) for d in shape)) if shape else ()
    return jax.ShapeDtypeStruct(tuple(shape), dtype)


def _expected_ops(case: Testcase, variant: str) -> list[str]:
    """``expect_ops``, less the ops an ``op<k>`` variant's opset does not have yet
    (``Gelu`` at 13: the lowering decomposes it there)."""
    opset = variant_opset(case, variant)
    if opset == case.opset:
        return list(case.expect_ops)
    import onnx.defs

    def exists(op):
        try:
            onnx.defs.get_schema(op, opset, "")
            return True
        except onnx.defs.SchemaError:
            return False

    return [op for op in case.expect_ops if exists(op)]


def run_case(family: str, name: str, variant: str, use_onnx_ir=None) -> None:
    """The body of every generated test."""
    import onnx

    from ..verify import allclose

    case = get_case(family, name)
    unavailable = missing_feature(case) or opset_unavailable(variant_opset(case, variant))
    if unavailable:  # an older onnx/onnxruntime of the supported range (docs/dependencies.md)
        import pytest

        pytest.skip(unavailable)
    model, fn, dtypes, symbolic = convert_case(case, variant, use_onnx_ir=use_onnx_ir)
    onnx.checker.check_model(model, full_check=True)
    hist = op_histogram(model)
    for op in _expected_ops(case, variant):
        assert op in hist, f"expected op {op} in the graph; ops: {hist}"
    for op in case.forbid_ops:
        assert op not in hist, f"op {op} must not appear; ops: {hist}"
    if case.check is not None:
        case.check(model)
    if case.skip_numeric:
        return
    syms = case.symbols()
    envs = [{s: _sizes(case, s)[k] for s in syms} for k in (0, 1)] if symbolic else [
        {s: _sizes(case, s)[0] for s in syms}]
    seed = zlib.crc32(f"{family}/{name}".encode())
    for env in envs:
        arrays = concrete_inputs(case, dtypes, env, seed)
        record = allclose(fn, model, arrays, case.input_params, rtol=case.rtol, atol=case.atol,
                          enable_double_precision=(variant == "f64"))
        assert record, f"{family}/{name}[{variant}] at {env or 'static shapes'}: {record.summary()}"
