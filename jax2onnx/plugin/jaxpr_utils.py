"""Pipeline-neutral jaxpr helpers: walking sub-jaxprs and the all-at-once support scan."""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterator

from ..errors import UnsupportedSite
from ..frontend.source import source_line, type_str
from .registry import eqn_has_complex, lookup_eqn

__all__ = ["sub_jaxprs", "iter_eqns", "iter_eqns_with_source", "find_unsupported", "closed_parts"]


def closed_parts(j):
    """(jaxpr, consts) for a Jaxpr or ClosedJaxpr."""
    if hasattr(j, "consts") and hasattr(j, "jaxpr"):
        return j.jaxpr, list(j.consts)
    return j, []


def sub_jaxprs(eqn) -> Iterator:
    """Every Jaxpr held in an eqn's params (call bodies, branches, loop bodies)."""
    for value in eqn.params.values():
        items = value if isinstance(value, (tuple, list)) else (value,)
        for item in items:
            if hasattr(item, "eqns"):
                yield item
            elif hasattr(item, "jaxpr") and hasattr(getattr(item, "jaxpr"), "eqns"):
                yield item.jaxpr


def iter_eqns(jaxpr) -> Iterator:
    for eqn in jaxpr.eqns:
        yield eqn
        for sub in sub_jaxprs(eqn):
            yield from iter_eqns(sub)


def iter_eqns_with_source(jaxpr, outer: str | None = None) -> Iterator:
    """``(eqn, user source line)``; an eqn whose frames are all library code (inside a
    library's jit) takes the line of the nearest enclosing eqn that has one."""
    for eqn in jaxpr.eqns:
        line = source_line(eqn, fallback=outer)
        yield eqn, line
        for sub in sub_jaxprs(eqn):
            yield from iter_eqns_with_source(sub, line if line else outer)


def find_unsupported(jaxpr, pipeline: str) -> list[UnsupportedSite]:
    """Every primitive without a lowering, grouped, with a count and one example each.

    Source lines are looked up only when something is unsupported (a second walk):
    finding the user's frame costs more than the lookup of every lowering.
    """
    found: "OrderedDict[str, list]" = OrderedDict()
    for eqn in iter_eqns(jaxpr):
        name = eqn.primitive.name
        if eqn_has_complex(eqn):
            name += " (complex)"
        if name in found:
            found[name][1] += 1
            continue
        res = lookup_eqn(pipeline, eqn)
        if isinstance(res, str):
            found[name] = [eqn, 1, res]
    if not found:
        return []
    sources = {}
    examples = {id(entry[0]) for entry in found.values()}
    for eqn, src in iter_eqns_with_source(jaxpr):
        if id(eqn) in examples and id(eqn) not in sources:
            sources[id(eqn)] = src
    return [
        UnsupportedSite(
            primitive=name,
            reason=reason,
            in_types=tuple(type_str(v.aval) for v in eqn.invars),
            source=sources.get(id(eqn)),
            count=count,
        )
        for name, (eqn, count, reason) in found.items()
    ]
