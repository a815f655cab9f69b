"""The record a shadow comparison produces: :class:`ShadowReport` (JSON-serializable).

>>> r = ShadowReport(name="f", chosen="legacy", other="onnx_ir")
>>> r.mismatch, r.to_dict()["name"]
(False, 'f')
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["PipelineResult", "NumericOutput", "ShadowReport"]


@dataclass
class PipelineResult:
    """One pipeline's side: did it convert, how fast, what did it emit."""

    pipeline: str
    status: str = "ok"  # "ok" | "error"
    error_type: str = ""
    error_message: str = ""
    seconds: float = 0.0
    node_count: int = 0
    op_histogram: dict[str, int] = field(default_factory=dict)
    inputs: list[dict] = field(default_factory=list)  # {"dtype", "shape"} per graph input
    outputs: list[dict] = field(default_factory=list)


@dataclass
class NumericOutput:
    """How one output of the two models compares on the same inputs."""

    index: int
    max_abs: float
    max_rel: float
    rtol: float
    atol: float
    ok: bool
    note: str = ""


@dataclass
class ShadowReport:
    """Both pipelines on one traced program, and how their models differ.

    ``metadata_diffs`` and a numeric ``"mismatch"`` are mismatches; structural
    differences (``histogram_diff``) are recorded only: two graphs may differ and
    both be right. ``numeric_status`` is ``"ok"``, ``"mismatch"``, ``"skipped"``
    (with ``numeric_note`` saying why) or ``"not_run"`` (a pipeline failed).
    """

    name: str
    chosen: str
    other: str
    results: dict[str, PipelineResult] = field(default_factory=dict)
    histogram_diff: dict[str, int] = field(default_factory=dict)  # other - chosen, per op
    node_count_diff: int = 0
    metadata_diffs: list[str] = field(default_factory=list)
    numeric_status: str = "not_run"
    numeric_note: str = ""
    numeric: list[NumericOutput] = field(default_factory=list)
    input_bytes: int = 0
    max_bytes: int = 0
    rtol: float = 1e-5
    atol: float = 1e-5
    case: str = ""  # "family/name[variant]" when run under a catalog testcase

    @property
    def mismatch(self) -> bool:
        """True when the two models disagree on metadata or numbers."""
        return bool(self.metadata_diffs) or self.numeric_status == "mismatch"

    @property
    def other_failed(self) -> bool:
        res = self.results.get(self.other)
        return res is not None and res.status != "ok"

    def summary(self) -> str:
        """One line: what was compared and what disagreed."""
        head = f"{self.case or self.name}: {self.chosen} vs {self.other}"
        if self.other_failed:
            res = self.results[self.other]
            return f"{head}: {self.other} failed ({res.error_type}: {res.error_message[:200]})"
        parts = []
        if self.metadata_diffs:
            parts.append("metadata: " + "; ".join(self.metadata_diffs))
        if self.numeric_status == "mismatch":
            bad = [o for o in self.numeric if not o.ok]
            detail = "; ".join(
                f"out{o.index} max_abs={o.max_abs:.3g} max_rel={o.max_rel:.3g} (rtol={o.rtol:g}, atol={o.atol:g})"
                + (f" [{o.note}]" if o.note else "") for o in bad)
            parts.append("numeric: " + (detail or self.numeric_note))
        elif self.numeric_status in ("skipped", "not_run"):
            parts.append(f"numeric {self.numeric_status}: {self.numeric_note}")
        if self.histogram_diff:
            parts.append("ops differ: " + ", ".join(f"{k}{v:+d}" for k, v in sorted(self.histogram_diff.items())))
        return f"{head}: {'MISMATCH' if self.mismatch else 'agree'}" + (f" ({' | '.join(parts)})" if parts else "")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["mismatch"] = self.mismatch
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, default=_jsonable)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ShadowReport":
        from dataclasses import fields

        # derived ("mismatch") and sink-added ("worker") keys are not constructor fields
        names = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in names}
        d["results"] = {k: PipelineResult(**v) for k, v in d.get("results", {}).items()}
        d["numeric"] = [NumericOutput(**o) for o in d.get("numeric", [])]
        return cls(**d)


def _jsonable(x):
    # inf/nan floats are valid in Python's json; anything else odd becomes text
    return str(x)
