"""Evaluate a JAX symbolic dimension (``2*B + 1``) with a pipeline's own arithmetic.

Pure helper shared by both pipelines: each passes ``leaf(symbol)`` (the runtime
value of one symbol) and ``binop(op_type, a, b)`` (emit Add/Sub/Mul/Div/Mod);
this module walks the expression through JAX's own evaluator.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["evaluate_dim", "symbols_of", "same_dim"]


def same_dim(a, b) -> bool:
    """True when two dims (ints or symbolic expressions) are known equal; False if undecidable."""
    try:
        return bool(a == b)
    except Exception:  # JAX raises when symbolic equality cannot be decided
        return False


def symbols_of(expr) -> list[str]:
    """The symbol names an expression uses."""
    return sorted(str(v) for v in expr._get_vars())


class _Dim:
    """Arithmetic on runtime dimension values; ints stay Python ints where possible."""

    def __init__(self, value, binop, const):
        self.value, self._binop, self._const = value, binop, const

    def _wrap(self, v):
        return v if isinstance(v, _Dim) else _Dim(self._const(int(v)), self._binop, self._const)

    def _emit(self, op, a, b):
        return _Dim(self._binop(op, self._wrap(a).value, self._wrap(b).value), self._binop, self._const)

    def __add__(self, o):
        return self if isinstance(o, int) and o == 0 else self._emit("Add", self, o)

    def __radd__(self, o):
        return self.__add__(o)

    def __sub__(self, o):
        return self._emit("Sub", self, o)

    def __rsub__(self, o):
        return self._emit("Sub", o, self)

    def __mul__(self, o):
        return self if isinstance(o, int) and o == 1 else self._emit("Mul", self, o)

    def __rmul__(self, o):
        return self.__mul__(o)

    def __neg__(self):
        return self._emit("Mul", self, -1)

    def __floordiv__(self, o):
        # floor, not truncation: SAME padding of a symbolic length divides negative terms
        # (e.g. floordiv(-L, 2)); ONNX Mod (fmod=0) takes the divisor's sign like Python
        return self._emit("Div", self - (self % o), o)

    def __rfloordiv__(self, o):
        return self._wrap(o) // self

    def __mod__(self, o):
        return self._emit("Mod", self, o)

    def __divmod__(self, o):
        return self // o, self % o

    def __pow__(self, n):
        out = self
        for _ in range(int(n) - 1):
            out = out * self
        return out


def evaluate_dim(expr, leaf: Callable[[str], Any], binop: Callable, const: Callable[[int], Any]):
    """Runtime value (pipeline object) of ``expr``; ``const`` makes an int64 [1] constant."""
    env = {name: _Dim(leaf(name), binop, const) for name in symbols_of(expr)}
    result = expr._evaluate(env)
    if isinstance(result, _Dim):
        return result.value
    return const(int(result))
