"""Graph input and output names: the user's names are kept exactly, defaults go around them.

Precedence, highest first: names the user gives (``input_names``,
``output_names``), default input names (the callable's parameter names, else
``in_<i>``), default output names (``out_<i>``). Weights and every internal
value are renamed by the pipelines around all of these. Two user names that are
equal (within or across the two lists) are an error listing the repeats.

>>> resolve_names(["out_0"], None, ["x"], 1, 1)
(['out_0'], ['out_0_1'])
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

__all__ = ["check_names", "check_user_names", "resolve_names", "repeated"]


def repeated(names: Sequence[str]) -> list[str]:
    """Names that occur more than once, in first-occurrence order."""
    counts = Counter(names)
    return [n for n in dict.fromkeys(names) if counts[n] > 1]


def check_user_names(input_names, output_names) -> tuple[list[str] | None, list[str] | None]:
    """Both user name lists (as lists): types first, then every repeat (within and across) at once."""
    ins = _check_list("input_names", input_names)
    outs = _check_list("output_names", output_names)
    problems = []
    for kind, names in (("input_names", ins), ("output_names", outs)):
        dup = repeated(names or [])
        if dup:
            problems.append(f"{kind} must be unique; repeated: {dup} (in {names!r})")
    if ins is not None and outs is not None:
        both = [n for n in dict.fromkeys(ins) if n in set(outs)]
        if both:
            problems.append(
                f"input_names and output_names must not share names (every graph input and output "
                f"needs its own name); in both: {both} (input_names={ins!r}, output_names={outs!r})"
            )
    if problems:
        raise ValueError("; ".join(problems))
    return ins, outs


def _check_list(kind: str, given) -> list[str] | None:
    if given is None:
        return None
    if isinstance(given, (str, bytes)) or not hasattr(given, "__iter__"):
        raise TypeError(f"{kind} must be a list of non-empty strings, got {given!r}")
    given = list(given)
    bad = [n for n in given if not isinstance(n, str) or not n]
    if bad:
        raise TypeError(f"{kind} must be a list of non-empty strings; not accepted: {bad!r} in {given!r}")
    return given


def check_names(kind: str, given, count: int | None = None) -> list[str] | None:
    """Validate one user name list (type, emptiness, count, repeats); None when not given."""
    given = _check_list(kind, given)
    if given is None:
        return None
    if count is not None and len(given) != count:
        what = kind.split("_")[0]
        raise ValueError(f"{kind} has {len(given)} names but there are {count} {what}s; give one name per {what}")
    dup = repeated(given)
    if dup:
        raise ValueError(f"{kind} must be unique; repeated: {dup} (in {given!r})")
    return given


def _fresh(base: str, taken: set[str]) -> str:
    k = 1
    while f"{base}_{k}" in taken:
        k += 1
    return f"{base}_{k}"


def resolve_names(input_names, output_names, arg_hint, n_in: int, n_out: int) -> tuple[list[str], list[str]]:
    """(graph input names, graph output names) for ``n_in`` inputs and ``n_out`` outputs."""
    check_user_names(input_names, output_names)
    ins = check_names("input_names", input_names, n_in)
    outs = check_names("output_names", output_names, n_out)
    taken = set(ins or ()) | set(outs or ())
    if ins is None:
        hint = list(arg_hint or [])
        ins = []
        for i in range(n_in):
            n = hint[i] if i < len(hint) and isinstance(hint[i], str) and hint[i] else f"in_{i}"
            if n in taken:
                n = f"in_{i}" if f"in_{i}" not in taken else _fresh(n, taken)
            ins.append(n)
            taken.add(n)
    if outs is None:
        outs = []
        for i in range(n_out):
            n = f"out_{i}"
            if n in taken:
                n = _fresh(n, taken)
            outs.append(n)
            taken.add(n)
    return ins, outs
