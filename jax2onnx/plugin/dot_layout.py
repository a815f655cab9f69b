"""How a ``dot_general`` maps onto ONNX ops: the layout analysis both pipelines share.

Pure functions of ranks, shapes and dimension numbers (no graph building):

* :func:`is_matmul` — ONNX ``MatMul`` (with its broadcasting) is exactly this dot.
* :func:`tensordot_plan` — a dot without batch dims whose lhs contracts its
  trailing axes becomes one ``MatMul`` (rhs contracts its leading axes) or one
  ``Gemm(transB=1)`` (rhs contracts its trailing axes), with Reshapes around it.
  Attention projections (``bsd,dhk->bshk``, ``bshk,hkd->bsd``) and tied LM heads
  (``bsd,vd->bsv``) are this shape; runtimes run them several times faster than
  a generic ``Einsum``. Reshapes of weights fold into the initializer.
* :func:`einsum_equation` — everything else.

Example: ``lhs (B, 128, 768) · rhs (50257, 768)`` contracting ``[2]`` with ``[1]``
→ ``TensordotPlan(op="Gemm", lhs_target=(-1, 768), rhs_target=None,
out_target=(-1, 128, 50257))``.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["is_matmul", "einsum_equation", "tensordot_plan", "TensordotPlan", "GEMM_DTYPES"]

#: compute dtypes ORT's CPU ``Gemm`` kernel covers
GEMM_DTYPES = frozenset({"float32", "float64"})


def is_matmul(lhs_rank: int, rhs_rank: int, lc, rc, lb, rb) -> bool:
    """True when ONNX ``MatMul`` (with its broadcasting) computes exactly this dot_general."""
    nb = len(lb)
    if tuple(lb) != tuple(range(nb)) or tuple(rb) != tuple(range(nb)) or len(lc) != 1:
        return False
    if lc[0] != lhs_rank - 1 or rc[0] != nb:
        return False
    if nb == 0:  # (..., k) @ (k,) or (k, n): leading lhs dims broadcast like dot_general
        return rhs_rank in (1, 2)
    return lhs_rank == nb + 2 and rhs_rank == nb + 2


def einsum_equation(lhs_rank: int, rhs_rank: int, lc, rc, lb, rb) -> str:
    """The Einsum equation of a dot_general: batch dims, then free lhs, then free rhs."""
    if lhs_rank + rhs_rank > len(string.ascii_letters):
        raise NotImplementedError(f"dot_general with {lhs_rank + rhs_rank} axes exceeds Einsum's letters")
    letters = iter(string.ascii_letters)
    lhs = [next(letters) for _ in range(lhs_rank)]
    rhs: list = [None] * rhs_rank
    for l, r in zip(lc, rc):
        rhs[r] = lhs[l]
    for l, r in zip(lb, rb):
        rhs[r] = lhs[l]
    rhs = [c if c is not None else next(letters) for c in rhs]
    out = [lhs[i] for i in lb]
    out += [lhs[i] for i in range(lhs_rank) if i not in lc and i not in lb]
    out += [rhs[i] for i in range(rhs_rank) if i not in rc and i not in rb]
    return f"{''.join(lhs)},{''.join(rhs)}->{''.join(out)}"


@dataclass(frozen=True)
class TensordotPlan:
    """``op`` is ``"MatMul"`` or ``"Gemm"`` (with ``transB=1``); a target of ``None``
    means no Reshape. Targets are ints only: ``0`` copies the input's dim at that
    index (lhs free dims are always leading), ``-1`` stands for the one symbolic dim."""

    op: str
    lhs_target: tuple | None
    rhs_target: tuple | None
    out_target: tuple | None


def _positive_ints(dims) -> bool:
    return all(isinstance(d, (int, np.integer)) and d > 0 for d in dims)


def _free_lhs_as_target(dims) -> tuple | None:
    """Static free dims as ints, one symbolic dim as ``-1``; ``None`` if more are symbolic."""
    symbolic = [i for i, d in enumerate(dims) if not isinstance(d, (int, np.integer))]
    if len(symbolic) > 1 or not _positive_ints([d for i, d in enumerate(dims) if i not in symbolic]):
        return None
    return tuple(-1 if i in symbolic else int(d) for i, d in enumerate(dims))


def tensordot_plan(lhs_shape: Sequence, rhs_shape: Sequence, lc, rc, lb, rb,
                   compute_dtype: str) -> TensordotPlan | None:
    """MatMul/Gemm plan for a batch-free dot whose lhs contracts its trailing axes, else ``None``."""
    lr, rr, n = len(lhs_shape), len(rhs_shape), len(lc)
    if lb or rb or n == 0 or tuple(lc) != tuple(range(lr - n, lr)):
        return None
    n_free_lhs = lr - n
    contracted = [rhs_shape[r] for r in rc]
    if tuple(rc) == tuple(range(n)):
        op, free_rhs = "MatMul", list(rhs_shape[n:])
    elif tuple(rc) == tuple(range(rr - n, rr)) and compute_dtype in GEMM_DTYPES:
        op, free_rhs = "Gemm", list(rhs_shape[:rr - n])
    else:
        return None
    if not _positive_ints(contracted) or not _positive_ints(free_rhs):
        return None  # symbolic or empty weights: Einsum handles those
    k, m = math.prod(int(d) for d in contracted), math.prod(int(d) for d in free_rhs)
    free_rhs = tuple(int(d) for d in free_rhs)
    if op == "MatMul":
        if is_matmul(lr, rr, lc, rc, lb, rb):
            return None  # already a plain MatMul
        lhs_target = (0,) * n_free_lhs + (k,) if n > 1 else None
        if not free_rhs:  # (..., K) @ (K,) drops the axis like the dot does
            rhs_target = (k,) if rr != 1 else None
            return TensordotPlan(op, lhs_target, rhs_target, None)
        rhs_target = (k, m) if rr != 2 else None
        out_target = (0,) * n_free_lhs + free_rhs if len(free_rhs) != 1 else None
        return TensordotPlan(op, lhs_target, rhs_target, out_target)
    # Gemm wants 2-D operands: (M, K) x (N, K)^T
    free_lhs = _free_lhs_as_target(lhs_shape[:n_free_lhs])
    if free_lhs is None or not free_rhs:
        return None
    lhs_target = (-1, k) if lr != 2 or n_free_lhs != 1 else None
    rhs_target = (m, k) if rr != 2 else None
    out_target = free_lhs + free_rhs if n_free_lhs != 1 or len(free_rhs) != 1 else None
    return TensordotPlan(op, lhs_target, rhs_target, out_target)
