"""Hypothesis strategies for fuzzing conversions: shapes, dtypes, axes, slices, dot_general, conv.

Every strategy draws *static* configuration (shapes, axes, parameters); arrays
are made afterwards with a seeded numpy generator (:func:`arrays_for`), which
keeps examples small to shrink and the data reproducible.

>>> from hypothesis import given, settings
>>> @settings(max_examples=5, derandomize=True, database=None)
... @given(shapes(max_rank=2))
... def check(s):
...     assert 0 <= len(s.dims) <= 2 and all(1 <= d <= 6 for d in s.dims)
>>> check()
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from hypothesis import strategies as st

__all__ = [
    "Shape", "shapes", "dtypes", "FLOAT_DTYPES", "INT_DTYPES", "axes", "axis", "permutations",
    "broadcast_pairs", "slice_specs", "DotGeneralConfig", "dot_general_configs", "ConvConfig",
    "conv_configs", "arrays_for", "MIN_DIM", "MAX_DIM", "FftConfig", "fft_configs",
]

MIN_DIM, MAX_DIM = 1, 6
FLOAT_DTYPES = (np.float32,)
INT_DTYPES = (np.int32,)
#: the symbol used for a symbolic leading (batch) axis
BATCH = "B"


@dataclass(frozen=True)
class Shape:
    """A concrete shape; ``symbolic`` says the leading axis is exported as the symbol ``B``."""

    dims: tuple[int, ...]
    symbolic: bool = False

    @property
    def rank(self) -> int:
        return len(self.dims)

    def spec(self) -> tuple:
        """The ``to_onnx`` input spec: the leading axis becomes ``"B"`` when symbolic."""
        if self.symbolic and self.dims:
            return (BATCH,) + self.dims[1:]
        return self.dims


def _dims(min_rank: int, max_rank: int, min_dim: int = MIN_DIM, max_dim: int = MAX_DIM):
    return st.lists(st.integers(min_dim, max_dim), min_size=min_rank, max_size=max_rank).map(tuple)


@st.composite
def shapes(draw, min_rank: int = 0, max_rank: int = 4, min_dim: int = MIN_DIM, max_dim: int = MAX_DIM,
           symbolic: bool | None = None) -> Shape:
    """Ranks ``min_rank..max_rank``, dims ``min_dim..max_dim``, an optional symbolic batch axis.

    ``symbolic=None`` lets Hypothesis choose (only for rank >= 1).
    """
    dims = draw(_dims(min_rank, max_rank, min_dim, max_dim))
    sym = draw(st.booleans()) if symbolic is None else symbolic
    return Shape(dims, bool(sym and dims))


def dtypes(floats: bool = True, ints: bool = False):
    """A numpy dtype out of the families asked for."""
    pool = (FLOAT_DTYPES if floats else ()) + (INT_DTYPES if ints else ())
    return st.sampled_from(pool)


def axis(rank: int):
    """One valid axis of a rank ``rank`` array (``rank`` >= 1)."""
    return st.integers(0, rank - 1)


def axes(rank: int, min_size: int = 0, max_size: int | None = None):
    """A sorted tuple of distinct axes."""
    top = rank if max_size is None else min(rank, max_size)
    return st.lists(st.integers(0, rank - 1), min_size=min(min_size, rank), max_size=top,
                    unique=True).map(lambda a: tuple(sorted(a))) if rank else st.just(())


def permutations(rank: int):
    """A permutation of ``range(rank)``."""
    return st.permutations(list(range(rank))).map(tuple)


@st.composite
def broadcast_pairs(draw, max_rank: int = 4, symbolic: bool | None = None) -> tuple[Shape, Shape]:
    """Two numpy-broadcastable shapes: the second is a suffix of the first with some dims set to 1.

    The pair may come in either order. A symbolic batch stays on an axis both
    operands share in full, so the two inputs never disagree on what ``B`` is.
    """
    full = draw(shapes(min_rank=1, max_rank=max_rank, symbolic=False))
    k = draw(st.integers(0, full.rank))
    tail = list(full.dims[full.rank - k:])
    ones = draw(st.lists(st.booleans(), min_size=k, max_size=k))
    small = tuple(1 if o else d for d, o in zip(tail, ones))
    sym = draw(st.booleans()) if symbolic is None else symbolic
    # batch symbolic only when it is the full shape's axis 0 and the small one lacks it
    sym = bool(sym and k < full.rank)
    a, b = Shape(full.dims, sym), Shape(small, False)
    return (b, a) if draw(st.booleans()) else (a, b)


@st.composite
def slice_specs(draw, dims: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(start, limit, strides) for ``lax.slice`` on ``dims``: non-empty, in bounds."""
    starts, limits, strides = [], [], []
    for d in dims:
        s = draw(st.integers(0, d - 1))
        e = draw(st.integers(s + 1, d))
        starts.append(s)
        limits.append(e)
        strides.append(draw(st.integers(1, 3)))
    return tuple(starts), tuple(limits), tuple(strides)


@dataclass(frozen=True)
class DotGeneralConfig:
    """Operand shapes and ``dimension_numbers`` for ``lax.dot_general``."""

    lhs: tuple[int, ...]
    rhs: tuple[int, ...]
    dimension_numbers: tuple


@st.composite
def dot_general_configs(draw, max_batch: int = 1, max_contract: int = 2, max_free: int = 2) -> DotGeneralConfig:
    """Random batch, contracting and free axes, placed at random positions in each operand."""
    nb = draw(st.integers(0, max_batch))
    nc = draw(st.integers(0, max_contract))
    nl = draw(st.integers(0, max_free))
    nr = draw(st.integers(0, max_free))
    small = st.integers(1, 4)
    batch = [draw(small) for _ in range(nb)]
    contract = [draw(small) for _ in range(nc)]
    lfree = [draw(small) for _ in range(nl)]
    rfree = [draw(small) for _ in range(nr)]

    def place(roles):
        order = draw(st.permutations(list(range(len(roles)))))
        return [roles[i] for i in order]

    lroles = place([("b", i) for i in range(nb)] + [("c", i) for i in range(nc)] + [("f", i) for i in range(nl)])
    rroles = place([("b", i) for i in range(nb)] + [("c", i) for i in range(nc)] + [("f", i) for i in range(nr)])
    size = {"b": batch, "c": contract}
    lshape = tuple(size[k][i] if k in size else lfree[i] for k, i in lroles)
    rshape = tuple(size[k][i] if k in size else rfree[i] for k, i in rroles)
    lc = tuple(lroles.index(("c", i)) for i in range(nc))
    rc = tuple(rroles.index(("c", i)) for i in range(nc))
    lb = tuple(lroles.index(("b", i)) for i in range(nb))
    rb = tuple(rroles.index(("b", i)) for i in range(nb))
    return DotGeneralConfig(lshape, rshape, ((lc, rc), (lb, rb)))


@dataclass(frozen=True)
class ConvConfig:
    """A 1-D or 2-D ``lax.conv_general_dilated`` in NC(H)W / OI(H)W layout."""

    lhs: tuple[int, ...]
    rhs: tuple[int, ...]
    strides: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    lhs_dilation: tuple[int, ...]
    rhs_dilation: tuple[int, ...]
    groups: int


@st.composite
def conv_configs(draw, max_spatial: int = 2) -> ConvConfig:
    """Random spatial rank, channels, groups, kernel, strides, explicit padding, rhs dilation.

    ``lhs_dilation`` stays 1 (transposed convolution is a separate configuration).
    Every drawn configuration has a non-empty output.
    """
    ns = draw(st.integers(1, max_spatial))
    groups = draw(st.integers(1, 2))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    n = draw(st.integers(1, 2))
    spatial, kernel, strides, pads, dil = [], [], [], [], []
    for _ in range(ns):
        k = draw(st.integers(1, 3))
        d = draw(st.integers(1, 2))
        lo, hi = draw(st.integers(0, 2)), draw(st.integers(0, 2))
        eff = (k - 1) * d + 1
        size = draw(st.integers(max(1, eff - lo - hi), eff + 4))
        spatial.append(size)
        kernel.append(k)
        dil.append(d)
        pads.append((lo, hi))
        strides.append(draw(st.integers(1, 2)))
    return ConvConfig((n, cin, *spatial), (cout, cin // groups, *kernel), tuple(strides), tuple(pads),
                      (1,) * ns, tuple(dil), groups)


def arrays_for(shapes_: Sequence[tuple[int, ...]], dtypes_: Sequence, seed: int = 0, *,
               positive: bool = False, nonzero: bool = False) -> list[np.ndarray]:
    """Seeded arrays: floats ~N(0,1) (or in [0.5, 2] when ``positive``), complex with N(0,1)
    parts, ints in [-3, 3]."""
    rng = np.random.default_rng(seed)
    out = []
    for shape, dt in zip(shapes_, dtypes_):
        dt = np.dtype(dt)
        if np.issubdtype(dt, np.complexfloating):  # |z| >= 0.25 when nonzero
            a = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
            if nonzero:
                a = a + 0.25 * a / np.maximum(np.abs(a), 1e-6)
        elif np.issubdtype(dt, np.floating):
            a = rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape)
            if nonzero and not positive:
                a = np.where(np.abs(a) < 0.25, 0.25 * np.sign(a) + (a == 0) * 0.25, a)
        elif dt == np.bool_:
            a = rng.integers(0, 2, shape).astype(bool)
        else:
            lo = 1 if positive else -3
            a = rng.integers(lo, 4, shape)
            if nonzero:
                a = np.where(a == 0, 1, a)
        out.append(np.asarray(a).astype(dt))
    return out


@dataclass(frozen=True)
class FftConfig:
    """One ``lax.fft``: kind (FFT, IFFT, RFFT, IRFFT), lengths over the trailing axes, input shape."""

    kind: str
    lengths: tuple[int, ...]
    batch: tuple[int, ...]
    symbolic: bool
    x64: bool

    @property
    def input_dims(self) -> tuple[int, ...]:
        last = self.lengths[-1] // 2 + 1 if self.kind == "IRFFT" else self.lengths[-1]
        return self.batch + self.lengths[:-1] + (last,)

    @property
    def dtype(self):
        if self.kind == "RFFT":
            return np.float64 if self.x64 else np.float32
        return np.complex128 if self.x64 else np.complex64


@st.composite
def fft_configs(draw, max_axes: int = 3, max_len: int = 130) -> FftConfig:
    """FFT configurations: every length 1..max_len is reachable (powers of two and not)."""
    kind = draw(st.sampled_from(("FFT", "IFFT", "RFFT", "IRFFT")))
    k = draw(st.integers(1, max_axes))
    one_len = st.one_of(st.integers(1, 20), st.sampled_from((32, 64, 100, 128)), st.integers(1, max_len))
    lengths = tuple(draw(st.lists(one_len if k == 1 else st.integers(1, 9), min_size=k, max_size=k)))
    batch = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=2)))
    symbolic = bool(batch) and draw(st.booleans())
    return FftConfig(kind, lengths, batch, symbolic, draw(st.booleans()))
