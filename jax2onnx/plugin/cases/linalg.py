"""Catalog: dot_general."""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..testcase import testcase

F = "linalg"


def _dg(dims, **kw):
    return lambda x, y: lax.dot_general(x, y, dims, **kw)


def _ints(low, high):
    def gen(rng, shapes, dtypes):
        return [rng.integers(low, high, s).astype(d) for s, d in zip(shapes, dtypes)]
    return gen


# jnp.matmul / jnp.einsum are intercepted as components elsewhere; these cases reach
# dot_general directly (lax.dot_general, jnp.dot, the @ of 2-D operands via lax.dot)
MM = (((1,), (0,)), ((), ()))
BMM = (((2,), (1,)), ((0,), (0,)))

testcase(F, "matmul", "lax.dot_general", fn=_dg(MM), inputs=[("B", 4), (4, 3)], expect_ops=("MatMul",),
         markers=("ir_smoke",), f64=True)
testcase(F, "matmul_rank3_lhs", "lax.dot_general", fn=_dg((((2,), (0,)), ((), ()))), inputs=[("B", 5, 4), (4, 3)],
         expect_ops=("MatMul",))
testcase(F, "batched_matmul", "lax.dot_general", fn=_dg(BMM), inputs=[("B", 5, 4), ("B", 4, 3)],
         expect_ops=("MatMul",), f64=True)
testcase(F, "dot_transposed_rhs", "lax.dot_general",
         fn=lambda x, w: lax.dot_general(x, w, (((1,), (1,)), ((), ()))), inputs=[("B", 4), (3, 4)],
         f64=True, expect_ops=("Gemm",), forbid_ops=("Einsum", "Transpose"))
testcase(F, "dot_vector", "lax.dot_general", fn=jnp.dot, inputs=[(4,), (4,)])
testcase(F, "dot_matrix_vector", "lax.dot_general", fn=jnp.dot, inputs=[("B", 4), (4,)], f64=True,
         expect_ops=("MatMul",))
testcase(F, "dot_vector_matrix", "lax.dot_general", fn=jnp.dot, inputs=[(4,), (4, "B")], expect_ops=("MatMul",))
testcase(F, "dot_batch_not_leading", "lax.dot_general", fn=_dg((((2,), (0,)), ((1,), (2,)))),
         inputs=[(4, "B", 5), (5, 6, "B")], f64=True, expect_ops=("Einsum",))
testcase(F, "dot_two_contracting", "lax.dot_general", fn=_dg((((1, 2), (0, 1)), ((), ()))),
         inputs=[("B", 3, 4), (3, 4, 5)], f64=True, expect_ops=("MatMul",), forbid_ops=("Einsum",))
# tensordot layouts (plugin/dot_layout.py): one MatMul or Gemm(transB) between Reshapes
NO_EINSUM = ("Einsum", "Transpose")
testcase(F, "dot_projection_to_heads", "lax.dot_general", fn=_dg((((2,), (0,)), ((), ()))),  # bsd,dhk->bshk
         inputs=[("B", 5, 8), (8, 2, 4)], f64=True, expect_ops=("MatMul",), forbid_ops=NO_EINSUM)
testcase(F, "dot_heads_to_projection", "lax.dot_general", fn=_dg((((2, 3), (0, 1)), ((), ()))),  # bshk,hkd->bsd
         inputs=[("B", 5, 2, 4), (2, 4, 8)], f64=True, expect_ops=("MatMul",), forbid_ops=NO_EINSUM)
testcase(F, "dot_tied_lm_head", "lax.dot_general", fn=_dg((((2,), (1,)), ((), ()))),  # bsd,vd->bsv
         inputs=[("B", 5, 8), (11, 8)], f64=True, expect_ops=("Gemm",), forbid_ops=NO_EINSUM)
testcase(F, "dot_transposed_rank3_rhs", "lax.dot_general", fn=_dg((((2,), (2,)), ((), ()))),  # bsd,hkd->bshk
         inputs=[("B", 5, 8), (3, 2, 8)], expect_ops=("Gemm",), forbid_ops=NO_EINSUM)
testcase(F, "dot_fully_contracted_lhs", "lax.dot_general", fn=_dg((((0, 1), (1, 2)), ((), ()))),
         inputs=[(3, 4), (5, 3, 4)], expect_ops=("Gemm",), forbid_ops=NO_EINSUM)
testcase(F, "dot_vector_times_tensor", "lax.dot_general", fn=_dg((((0,), (0,)), ((), ()))),
         inputs=[(4,), (4, 2, "B")])  # symbolic rhs dims: Einsum
testcase(F, "dot_contract_to_vector", "lax.dot_general", fn=_dg((((1, 2), (0, 1)), ((), ()))),
         inputs=[("B", 3, 4), (3, 4)], expect_ops=("MatMul",), forbid_ops=NO_EINSUM)
testcase(F, "dot_two_symbolic_free_dims", "lax.dot_general", fn=_dg((((2,), (1,)), ((), ()))),
         inputs=[("B", "T", 8), (6, 8)])  # symbolic: Einsum (a Gemm reshape would need both dims)
testcase(F, "dot_transposed_rhs_int32", "lax.dot_general", fn=_dg((((1,), (1,)), ((), ()))),
         inputs=[("B", 4), (3, 4)], input_dtypes=[np.int32, np.int32], input_gen=_ints(-20, 20),
         expect_ops=("Einsum",))  # no integer Gemm kernel in ORT
testcase(F, "dot_outer", "lax.dot_general", fn=_dg((((), ()), ((), ()))), inputs=[("B", 3), (4,)])
testcase(F, "einsum_attention_scores", "lax.dot_general",
         fn=_dg((((3,), (3,)), ((0, 2), (0, 2)))), inputs=[("B", 5, 2, 4), ("B", 6, 2, 4)], f64=True)
testcase(F, "einsum_two_batch_dims", "lax.dot_general",
         fn=_dg((((3,), (2,)), ((0, 1), (0, 1)))), inputs=[(2, "B", 3, 4), (2, "B", 4, 5)],
         expect_ops=("MatMul",))
testcase(F, "matmul_int32", "lax.dot_general", fn=jnp.dot, inputs=[("B", 4), (4, 3)],
         input_dtypes=[np.int32, np.int32], input_gen=_ints(-20, 20))
testcase(F, "einsum_int32", "lax.dot_general", fn=_dg((((2,), (2,)), ((0,), (0,)))),
         inputs=[("B", 3, 4), ("B", 2, 4)], input_dtypes=[np.int32, np.int32], input_gen=_ints(-20, 20))
testcase(F, "dot_int8_preferred_int32", "lax.dot_general",
         fn=_dg((((1,), (0,)), ((), ())), preferred_element_type=jnp.int32), inputs=[("B", 6), (6, 3)],
         input_dtypes=[np.int8, np.int8], input_gen=_ints(-128, 128))
testcase(F, "dot_int8_wraps", "lax.dot_general", fn=_dg((((1,), (0,)), ((), ()))), inputs=[("B", 6), (6, 3)],
         input_dtypes=[np.int8, np.int8], input_gen=_ints(-128, 128))
testcase(F, "dot_f16", "lax.dot_general", fn=jnp.dot, inputs=[("B", 8), (8, 3)],
         input_dtypes=[np.float16, np.float16], rtol=2e-2, atol=2e-2)
testcase(F, "dot_f16_preferred_f32", "lax.dot_general",
         fn=_dg((((1,), (1,)), ((), ())), preferred_element_type=jnp.float32), inputs=[("B", 8), (3, 8)],
         input_dtypes=[np.float16, np.float16], rtol=1e-3, atol=1e-3)
testcase(F, "dot_bool", "lax.dot_general", fn=_dg((((1,), (0,)), ((), ()))), inputs=[("B", 4), (4, 3)],
         input_dtypes=[np.bool_, np.bool_])
testcase(F, "matmul_empty_contraction", "lax.dot_general", fn=lax.dot, inputs=[("B", 0), (0, 3)])
