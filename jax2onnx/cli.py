"""``jax2onnx`` command line: ``convert`` and ``inspect`` (also ``python -m jax2onnx``).

    jax2onnx convert MODULE:FACTORY --input "B,30" [--input "B,16:int32"] [--opset N]
        [--pipeline onnx_ir|legacy] [--external-data] [--verify] [--report r.md] -o model.onnx
    jax2onnx inspect model.onnx

``MODULE`` is an importable dotted name (the current directory is on the path) or a
``.py`` file. ``FACTORY`` names an attribute of it, resolved by this rule:

- a class, or a function that can be called with no arguments (every parameter has a
  default), is called once; its result must be callable and is what is converted
  (``def make(): return MLP(..., rngs=nnx.Rngs(0))``);
- anything else callable (a function taking the model inputs, a module instance) is
  converted as it is.

``--input`` gives one positional input: comma-separated dims (ints or symbol names),
optionally ``:dtype`` (default float32). ``--verify`` runs the model in onnxruntime and
the function in JAX on random inputs at two sizes of every symbol (2 and 5) and prints
per-output errors.

Exit codes: 0 ok, 2 bad usage (arguments, module, factory, input specs), 3 unsupported
model (primitives no lowering exists for), 4 conversion error (any other failure while
converting), 5 verification failed.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import os
import sys

__all__ = ["main"]

EXIT_OK, EXIT_USAGE, EXIT_UNSUPPORTED, EXIT_CONVERSION, EXIT_VERIFY = 0, 2, 3, 4, 5
VERIFY_SIZES = (2, 5)


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jax2onnx", description="Convert JAX functions and modules to ONNX.")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert", help="convert MODULE:FACTORY to an ONNX file",
                       description="Convert MODULE:FACTORY to ONNX. FACTORY: a class or zero-argument "
                                   "function is called and its result converted; any other callable is "
                                   "converted as is.")
    c.add_argument("target", metavar="MODULE:FACTORY")
    c.add_argument("--input", "-i", action="append", default=[], metavar="DIMS[:DTYPE]",
                   help='one per positional input, e.g. "B,30" or "B,16:int32"')
    c.add_argument("--opset", type=int, default=23)
    c.add_argument("--pipeline", choices=("onnx_ir", "legacy"), default=None,
                   help="default: onnx_ir (or JAX2ONNX_USE_ONNX_IR)")
    c.add_argument("--external-data", action="store_true", help="weights in a .data file next to the model")
    c.add_argument("--double", action="store_true", help="enable_double_precision (float64)")
    c.add_argument("--verify", action="store_true", help="compare with JAX at two sizes of every symbol")
    c.add_argument("--rtol", type=float, default=1e-4)
    c.add_argument("--atol", type=float, default=1e-4)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--report", metavar="PATH.md", help="write a Markdown export report")
    c.add_argument("--model-name", default=None)
    c.add_argument("-o", "--output", required=True, metavar="model.onnx")
    i = sub.add_parser("inspect", help="print an ONNX model's signature, ops and weights")
    i.add_argument("model", metavar="model.onnx")
    i.add_argument("--top", type=int, default=None, help="only the N most used ops")
    return p


def _load_module(name: str):
    if name.endswith(".py") or os.sep in name:
        path = os.path.abspath(name)
        if not os.path.isfile(path):
            raise UsageError(f"no such file: {name}")
        mod_name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        sys.path.insert(0, os.path.dirname(path))
        spec.loader.exec_module(module)
        return module
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name and name.startswith(e.name):
            raise UsageError(f"cannot import module {name!r}: {e}") from e
        raise


def _zero_arg(obj) -> bool:
    try:
        if inspect.isclass(obj):  # the constructor's own parameters (a metaclass may hide them)
            inspect.signature(obj.__init__).bind(None)
            return True
        inspect.signature(obj).bind()
        return True
    except TypeError:
        return False
    except ValueError:  # no signature (builtins)
        return False


def resolve_target(target: str):
    """The callable to convert for ``MODULE:FACTORY`` (the rule in the module docstring)."""
    module_name, sep, attr = target.rpartition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"target must be MODULE:FACTORY, got {target!r}")
    module = _load_module(module_name)
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise UsageError(f"{module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    is_factory = inspect.isclass(obj) or (
        (inspect.isfunction(obj) or inspect.ismethod(obj)) and _zero_arg(obj))
    if is_factory:
        if inspect.isclass(obj) and not _zero_arg(obj):
            raise UsageError(f"{attr} is a class whose constructor needs arguments; "
                             f"write a zero-argument factory function that builds it")
        obj = obj()
        if not callable(obj):
            raise UsageError(f"{attr}() returned {type(obj).__name__}, which is not callable")
    elif not callable(obj):
        raise UsageError(f"{attr} is a {type(obj).__name__}, not a callable")
    return obj


def parse_inputs(texts: list[str], double: bool = False):
    """``["B,30", "B,16:int32"]`` -> ShapeDtypeStructs sharing one symbolic scope."""
    import jax
    import numpy as np
    from jax import export

    if not texts:
        raise UsageError("give at least one --input (e.g. --input 'B,30')")
    scope = export.SymbolicScope()
    specs = []
    for text in texts:
        dims, _, dtype = text.partition(":")
        dtype = dtype.strip() or ("float64" if double else "float32")
        try:
            dt = np.dtype(dtype)
        except TypeError as e:
            raise UsageError(f"--input {text!r}: unknown dtype {dtype!r}") from e
        items = [d.strip() for d in dims.split(",")] if dims.strip() else []
        for d in items:
            if not (d.isdigit() or d.isidentifier()):
                raise UsageError(f"--input {text!r}: dim {d!r} is neither an int nor a symbol name")
        try:
            shape = export.symbolic_shape(",".join(items), scope=scope) if items else ()
        except Exception as e:
            raise UsageError(f"--input {text!r}: {e}") from e
        specs.append(jax.ShapeDtypeStruct(shape, dt))
    return specs


def _concrete(specs, size: int, rng):
    import numpy as np

    arrays = []
    for s in specs:
        shape = tuple(d if isinstance(d, int) else size for d in s.shape)
        dt = np.dtype(s.dtype)
        if dt == np.bool_:
            arrays.append(rng.random(shape) < 0.5)
        elif np.issubdtype(dt, np.integer):
            arrays.append(rng.integers(0, 4, shape).astype(dt))
        else:
            arrays.append(rng.standard_normal(shape).astype(dt))
    return arrays


def _progress():
    if not sys.stderr.isatty():
        return None
    return lambda name: print(f"jax2onnx: {name} ...", file=sys.stderr, flush=True)


def _convert(args) -> int:
    from .errors import UnsupportedPrimitiveError
    from .report import ExportReport, _find

    try:
        fn = resolve_target(args.target)
        specs = parse_inputs(args.input, args.double)
    except UsageError as e:
        print(f"jax2onnx: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    rep = ExportReport(title=args.target, settings={
        "inputs": " ".join(args.input), "opset": args.opset, "pipeline": args.pipeline or "default"})
    rep.log.on_start = _progress()
    from . import to_onnx

    kwargs = dict(opset=args.opset, return_mode="file", output_path=args.output,
                  external_data=True if args.external_data else None,
                  enable_double_precision=args.double)
    if args.model_name:
        kwargs["model_name"] = args.model_name
    if args.pipeline is not None:
        kwargs["use_onnx_ir"] = args.pipeline == "onnx_ir"
    if args.pipeline == "legacy":  # Python hides the DeprecationWarning outside __main__
        print("jax2onnx: note: the legacy pipeline is deprecated and frozen (removed in 0.3.0)", file=sys.stderr)
    code = EXIT_OK
    try:
        try:
            path = to_onnx(fn, specs, report=rep, **kwargs)
        except (ValueError, TypeError) as e:
            if not rep.log.stages:  # rejected before tracing: the arguments were wrong
                rep.error = e
                print(f"jax2onnx: error: {e}", file=sys.stderr)
                return EXIT_USAGE
            raise
        except Exception as e:
            unsupported = _find(e, UnsupportedPrimitiveError)
            print(f"jax2onnx: conversion failed: {type(e).__name__}: {e}", file=sys.stderr)
            return EXIT_UNSUPPORTED if unsupported is not None else EXIT_CONVERSION
        failed = [st for st in rep.log.stages if st.ok is False or (st.ok and st.note)]
        for st in failed:
            print(f"jax2onnx: {st.name} failed: {st.note}", file=sys.stderr)
        if failed:
            code = EXIT_CONVERSION
        print(f"wrote {path}")
        if args.verify and code == EXIT_OK:
            code = _verify(fn, path, specs, args, rep)
        return code
    finally:
        if args.report:
            rep.path = args.report
            rep.write()
            print(f"report: {args.report}", file=sys.stderr)


def _verify(fn, path, specs, args, rep) -> int:
    import numpy as np

    from .verify import allclose

    rng = np.random.default_rng(args.seed)
    symbolic = any(not isinstance(d, int) for s in specs for d in s.shape)
    ok = True
    with rep.log.active():
        for size in VERIFY_SIZES if symbolic else VERIFY_SIZES[:1]:
            arrays = _concrete(specs, size, rng)
            label = f"symbols={size}" if symbolic else "static"
            try:
                with rep.log.run(f"verify ({label})"):
                    record = allclose(fn, path, arrays, rtol=args.rtol, atol=args.atol,
                                      enable_double_precision=args.double)
            except Exception as e:
                print(f"verify {label}: error {type(e).__name__}: {e}", file=sys.stderr)
                ok = False
                continue
            rep.add_verification(label, record)
            print(f"verify {label}: {'ok' if record else 'FAILED'}")
            for o in record.outputs:
                print(f"  output {o.index}: max_abs={o.max_abs:.3g} max_rel={o.max_rel:.3g} "
                      f"{o.actual_dtype}{o.actual_shape} {'ok' if o.ok else 'MISMATCH'} {o.note}".rstrip())
            if record.note:
                print(f"  {record.note}")
            ok = ok and bool(record)
    return EXIT_OK if ok else EXIT_VERIFY


def _inspect(args) -> int:
    from .model_info import format_info, model_info

    if not os.path.isfile(args.model):
        print(f"jax2onnx: error: no such file: {args.model}", file=sys.stderr)
        return EXIT_USAGE
    try:
        info = model_info(args.model)
    except Exception as e:
        print(f"jax2onnx: error: cannot read {args.model}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(format_info(info, args.top))
    return EXIT_OK


def main(argv=None) -> int:
    args = _parser().parse_args(argv)  # exits with 2 on bad usage
    if args.command == "convert":
        return _convert(args)
    return _inspect(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
