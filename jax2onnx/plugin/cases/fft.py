"""Catalog: lax.fft and jnp.fft (onnx_ir only; algorithms and accuracy in plugin2/fft.py)."""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import LEGACY_FROZEN, testcase as _declare

F = "fft"
C64, F32 = np.complex64, np.float32
SIZES = (1, 2, 5, 8, 16, 17, 64)
TOL = dict(rtol=1e-4, atol=1e-4)  # float32 error grows like eps * |signal| * sqrt(n)


def testcase(name, component, fn, inputs, dtypes, **kw):
    kw.setdefault("f64", True)
    for k, v in TOL.items():
        kw.setdefault(k, v)
    return _declare(F, name, component, fn=fn, inputs=inputs, input_dtypes=dtypes, ir_only=LEGACY_FROZEN, **kw)


def _uses(op):
    def check(model):
        assert any(n.op_type == op for n in model.graph.node), [n.op_type for n in model.graph.node]
    return check


for n in SIZES:
    m = n // 2 + 1
    path = "DFT" if n > 1 and n & (n - 1) == 0 else None
    testcase(f"fft_{n}", "lax.fft", jnp.fft.fft, [("B", n)], [C64],
             expect_ops=(path,) if path else (), markers=("ir_smoke",) if n == 8 else ())
    testcase(f"ifft_{n}", "lax.fft", jnp.fft.ifft, [("B", n)], [C64])
    testcase(f"rfft_{n}", "lax.fft", jnp.fft.rfft, [("B", n)], [F32])
    testcase(f"irfft_{n}", "lax.fft", lambda z, n=n: jnp.fft.irfft(z, n), [("B", m)], [C64])

# lengths above MATMUL_SMALL_N that are not powers of two: Bluestein on power-of-two DFTs
for n in (100, 127):
    testcase(f"fft_{n}", "lax.fft", jnp.fft.fft, [("B", n)], [C64], expect_ops=("DFT",), forbid_ops=("MatMul",))
    testcase(f"ifft_{n}", "lax.fft", jnp.fft.ifft, [("B", n)], [C64], forbid_ops=("MatMul",))
    testcase(f"rfft_{n}", "lax.fft", jnp.fft.rfft, [("B", n)], [F32], forbid_ops=("MatMul",))
    testcase(f"irfft_{n}", "lax.fft", lambda z, n=n: jnp.fft.irfft(z, n), [("B", n // 2 + 1)], [C64],
             forbid_ops=("MatMul",))
testcase("fft2_bluestein_axis", "lax.fft", lambda z: jnp.fft.fft2(z), [("B", 3, 70)], [C64])

# opset 18 has no DFT: every length goes through the DFT matrix
testcase("fft_16_opset18", "lax.fft", jnp.fft.fft, [("B", 16)], [C64], opset=18, expect_ops=("MatMul",),
         forbid_ops=("DFT",))
testcase("irfft_8_opset18", "lax.fft", lambda z: jnp.fft.irfft(z, 8), [("B", 5)], [C64], opset=18,
         forbid_ops=("DFT",))
testcase("rfft_100_opset18", "lax.fft", jnp.fft.rfft, [("B", 100)], [F32], opset=18, forbid_ops=("DFT",))
testcase("lax_fft_ifft", "lax.fft", lambda z: lax.fft(z, "IFFT", (6,)), [("B", 6)], [C64])
testcase("fft_axis0", "lax.fft", lambda z: jnp.fft.fft(z, axis=0), [(8, "B")], [C64])
testcase("fft_n_pad_truncate", "lax.fft", lambda z: (jnp.fft.fft(z, n=12), jnp.fft.rfft(z.real, n=5)),
         [("B", 8)], [C64])
testcase("fft_norm_ortho", "lax.fft", lambda x: jnp.fft.rfft(x, norm="ortho"), [("B", 10)], [F32])
testcase("fft2", "lax.fft", jnp.fft.fft2, [("B", 4, 6)], [C64])
testcase("ifft2", "lax.fft", jnp.fft.ifft2, [("B", 5, 8)], [C64])
testcase("rfft2", "lax.fft", jnp.fft.rfft2, [("B", 4, 6)], [F32])
testcase("irfft2", "lax.fft", lambda z: jnp.fft.irfft2(z, (4, 6)), [("B", 4, 4)], [C64])
testcase("fftn_3d", "lax.fft", lambda z: jnp.fft.fftn(z, axes=(1, 2, 3)), [("B", 3, 4, 5)], [C64])
testcase("rfftn_3d", "lax.fft", lambda x: jnp.fft.rfftn(x, axes=(1, 2, 3)), [("B", 4, 3, 8)], [F32])
testcase("irfftn_3d", "lax.fft", lambda z: jnp.fft.irfftn(z, (4, 3, 8), axes=(1, 2, 3)),
         [("B", 4, 3, 5)], [C64])
testcase("fftshift", "jnp.fft.fftshift",
         lambda z: (jnp.fft.fftshift(jnp.fft.fft(z), axes=-1), jnp.fft.ifftshift(z, axes=-1)), [("B", 7)], [C64])
testcase("fftfreq", "jnp.fft.fftfreq",
         lambda x: x * jnp.fft.fftfreq(8, 0.5)[None, :] + jnp.fft.rfftfreq(14)[None, :8], [("B", 8)], [F32])
testcase("power_spectrum", "lax.fft",
         lambda x: jnp.abs(jnp.fft.rfft(x * jnp.hanning(x.shape[-1]), axis=-1)) ** 2, [("B", 32)], [F32])
testcase("fft_roundtrip", "lax.fft", lambda x: jnp.fft.irfft(jnp.fft.rfft(x) * 2, x.shape[-1]),
         [("B", 17)], [F32])
