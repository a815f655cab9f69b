"""Channels-first model interfaces for channels-last JAX functions (``inputs_as_nchw``).

The tf2onnx convention: the ONNX model takes (``inputs_as_nchw``) or returns
(``outputs_as_nchw``) ``[N, C, *spatial]`` tensors while the JAX function works on
``[N, *spatial, C]``. An input gets one ``Transpose`` to channels-last right after
the graph input, an output one ``Transpose`` to channels-first right before it.
The convolution lowerings wrap ``Conv`` in the opposite transposes, so
:class:`~jax2onnx.converter2.passes.FuseTransposesPass` cancels the pair where a
convolution (or pooling) is the first consumer / last producer, and the model's
first ``Conv`` reads the graph input directly.

Symbolic dimensions keep working: a symbol's source axis is mapped into the
channels-first layout.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["resolve", "to_first_perm", "to_last_perm", "graph_axis"]


def to_first_perm(rank: int) -> list[int]:
    """Permutation taking ``[N, *spatial, C]`` to ``[N, C, *spatial]``."""
    return [0, rank - 1] + list(range(1, rank - 1))


def to_last_perm(rank: int) -> list[int]:
    """Permutation taking ``[N, C, *spatial]`` to ``[N, *spatial, C]``."""
    return [0] + list(range(2, rank)) + [1]


def graph_axis(axis: int, rank: int) -> int:
    """Where channels-last axis ``axis`` sits in the channels-first graph tensor."""
    return to_first_perm(rank).index(axis)


def _pick(kind: str, given, names: Sequence[str], ranks: Sequence[int]) -> frozenset[int]:
    if given is None:
        return frozenset()
    if isinstance(given, (str, int)):
        given = [given]
    try:
        items = list(given)
    except TypeError:
        raise TypeError(f"{kind} must be a list of names or indices, got {given!r}") from None
    picked = set()
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise TypeError(f"{kind}: {item!r} is neither a name nor an index")
        if isinstance(item, str):
            if item not in names:
                raise ValueError(f"{kind}: no {kind.split('s_as')[0]} named {item!r}; the names are {list(names)}")
            i = list(names).index(item)
        else:
            if not -len(names) <= item < len(names):
                raise ValueError(f"{kind}: index {item} is out of range for {len(names)} "
                                 f"{kind.split('s_as')[0]}s ({list(names)})")
            i = item % len(names)
        if ranks[i] < 3:
            raise ValueError(f"{kind}: {names[i]!r} has rank {ranks[i]}; a channels-first layout needs "
                             f"rank >= 3 ([N, C, spatial...])")
        picked.add(i)
    return frozenset(picked)


def resolve(program, inputs_as_nchw, outputs_as_nchw) -> tuple[frozenset[int], frozenset[int]]:
    """Validate the user's lists against the traced program: (input indices, output indices)."""
    in_ranks = [len(v.aval.shape) for v in program.input_vars]
    out_ranks = [len(v.aval.shape) for v in program.jaxpr.outvars]
    picked = (_pick("inputs_as_nchw", inputs_as_nchw, program.input_names, in_ranks),
              _pick("outputs_as_nchw", outputs_as_nchw, program.output_names, out_ranks))
    for kind, idx, names, avals in (("inputs_as_nchw", picked[0], program.input_names,
                                     [v.aval for v in program.input_vars]),
                                    ("outputs_as_nchw", picked[1], program.output_names,
                                     [v.aval for v in program.jaxpr.outvars])):
        for i in idx:
            dt = avals[i].dtype
            if not isinstance(dt, np.dtype) or dt.kind == "c":  # typed PRNG keys, complex carriers
                raise ValueError(f"{kind}: {names[i]!r} is {dt}; the channels-first layout applies "
                                 f"to real-valued tensors")
    return picked
