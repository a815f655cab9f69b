"""`make demo`: convert the README MLP with both pipelines, run in ORT, compare with JAX."""

from __future__ import annotations

import os
import sys
import tempfile
import warnings

import numpy as np


def main() -> int:
    from jax2onnx import allclose, flags, to_onnx
    from jax2onnx.plugin.cases.examples import readme_mlp
    from jax2onnx.testing.graph import node_count

    model = readme_mlp()
    outdir = tempfile.mkdtemp(prefix="jax2onnx-demo-")
    rng = np.random.default_rng(0)
    rows, ok = [], True
    # both pipelines selected explicitly (JAX2ONNX_USE_ONNX_IR does not change what a row is);
    # legacy is deprecated: the demo silences its one DeprecationWarning and says so
    ir_label = "onnx_ir (default)" if flags.DEFAULT_USE_ONNX_IR else "onnx_ir"
    for label, use_ir in ((ir_label, True), ("legacy (deprecated)", False)):
        path = os.path.join(outdir, f"readme_mlp_{'ir' if use_ir else 'legacy'}.onnx")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            to_onnx(model, [("B", 30)], return_mode="file", output_path=path, use_onnx_ir=use_ir)
        import onnx

        proto = onnx.load(path)
        onnx.checker.check_model(proto, full_check=True)
        dims = [d.dim_param or d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
        errs = []
        for batch in (1, 7):
            rec = allclose(model, path, [rng.standard_normal((batch, 30)).astype(np.float32)])
            ok &= bool(rec)
            errs.append(f"B={batch}: {rec.max_abs_error:.2e}{'' if rec else ' MISMATCH'}")
        rows.append((label, node_count(proto), dims, ", ".join(errs), path))
    print("jax2onnx demo: README MLP (Linear → BatchNorm → Dropout → gelu → Linear), input ('B', 30)")
    for label, nodes, dims, errs, path in rows:
        print(f"  {label:19s} nodes={nodes:3d}  input={dims}  max abs error {errs}\n  {'':19s} file={path}")
    print("OK: both pipelines match JAX" if ok else "FAILED: a pipeline does not match JAX")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
