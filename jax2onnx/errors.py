"""Typed errors. Each says which stage failed (trace, lower, check, save) and what to do."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConversionError",
    "UnsupportedPrimitiveError",
    "LoweringError",
    "ShadowMismatchError",
    "UnsupportedSite",
]

REPORT_HINT = (
    "If you believe this should convert, please file an issue with a minimal "
    "repro (the function, the input shapes and dtypes) and this message."
)


class ConversionError(RuntimeError):
    """A conversion failed at a named stage; the cause chain is kept."""

    def __init__(self, stage: str, message: str):
        self.stage = stage
        super().__init__(f"[{stage}] {message}")


@dataclass(frozen=True)
class UnsupportedSite:
    """One equation whose primitive the chosen pipeline cannot lower."""

    primitive: str
    reason: str
    in_types: tuple[str, ...]
    source: str
    count: int = 1


class UnsupportedPrimitiveError(ConversionError):
    """Raised before lowering, listing every unsupported primitive at once."""

    def __init__(self, pipeline: str, sites: list[UnsupportedSite]):
        self.pipeline = pipeline
        self.sites = sites
        self.primitives = [s.primitive for s in sites]
        lines = [
            f"{len(sites)} unsupported primitive(s) for the {pipeline} pipeline:",
        ]
        for s in sites:
            lines.append(
                f"  - '{s.primitive}' ({s.count} use(s)); e.g. inputs "
                f"({', '.join(s.in_types) or 'none'}) at {s.source or '<unknown source>'}: "
                f"{s.reason}"
            )
        lines.append(REPORT_HINT)
        super().__init__("lower", "\n".join(lines))


class LoweringError(ConversionError):
    """A lowering raised; wraps the cause with the primitive, types and source line."""

    def __init__(self, pipeline: str, primitive: str, in_types, source: str, cause: BaseException):
        self.pipeline = pipeline
        self.primitive = primitive
        super().__init__(
            "lower",
            f"lowering '{primitive}' failed in the {pipeline} pipeline; inputs "
            f"({', '.join(in_types)}) at {source or '<unknown source>'}: "
            f"{type(cause).__name__}: {cause}\n{REPORT_HINT}",
        )


class ShadowMismatchError(ConversionError):
    """Shadow compare in strict mode found a metadata or numeric mismatch."""

    def __init__(self, report):
        self.report = report
        super().__init__("shadow", f"pipelines disagree: {report.summary()}")
