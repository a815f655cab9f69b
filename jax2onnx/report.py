"""The export report: one Markdown document saying what a conversion did, or why it failed.

``to_onnx(..., report="export.md")`` (and ``jax2onnx convert --report``) writes it whether
the conversion succeeds or fails (the exception is still raised). Sections: a checklist of
stages (trace, lower, passes, checker, ORT load, verification when asked) with wall/CPU
time and peak memory (see :mod:`jax2onnx.stages` for how it is measured); the jaxpr
summary (equations by primitive, the user source lines with most equations); every
unsupported primitive with input types and source lines; the model summary (op
histogram, node/initializer counts and bytes, functions, symbolic dims); the
per-output verification table; on failure the exception chain.
"""

from __future__ import annotations

import datetime
import os
import platform
import traceback
from collections import Counter
from dataclasses import dataclass, field

from .stages import StageLog

__all__ = ["ExportReport", "with_report"]


@dataclass
class ExportReport:
    """Collects one conversion; :meth:`write` renders it to ``path``."""

    path: str | None = None
    log: StageLog = field(default_factory=StageLog)
    title: str = ""
    settings: dict = field(default_factory=dict)
    verification: list = field(default_factory=list)  # (label, VerificationRecord)
    error: BaseException | None = None
    model_path: str | None = None
    model_proto: object = None

    @classmethod
    def coerce(cls, report) -> "ExportReport":
        if isinstance(report, ExportReport):
            return report
        if isinstance(report, (str, os.PathLike)):
            return cls(path=os.fspath(report))
        raise TypeError(f"report must be a path (str / os.PathLike) or an ExportReport, got {type(report).__name__}")

    # -- after a successful conversion ------------------------------------------------
    def check_result(self, result) -> None:
        """Run the checker and an onnxruntime load on the converted model (recorded, not raised)."""
        if isinstance(result, (str, os.PathLike)):
            self.model_path = os.fspath(result)
            target = self.model_path
        else:
            if not hasattr(result, "SerializeToString"):
                from .converter2.serialize import to_proto

                result = to_proto(result)
            self.model_proto = result
            target = result
        with self.log.active():
            try:
                with self.log.run("checker"):
                    import onnx

                    onnx.checker.check_model(target, full_check=True)
            except Exception as e:
                self.log.stages[-1].note = f"{type(e).__name__}: {e}"
            try:
                with self.log.run("ORT load"):
                    import onnxruntime as ort

                    src = target if isinstance(target, str) else target.SerializeToString()
                    ort.InferenceSession(src, providers=["CPUExecutionProvider"])
            except Exception as e:
                self.log.stages[-1].note = f"{type(e).__name__}: {e}"

    def add_verification(self, label: str, record) -> None:
        self.verification.append((label, record))

    # -- rendering --------------------------------------------------------------------
    def render(self) -> str:
        out = [f"# jax2onnx export report{': ' + self.title if self.title else ''}", ""]
        from . import __version__

        status = "FAILED" if self.error is not None else "converted"
        bad_verify = [lbl for lbl, r in self.verification if not r]
        if self.error is None and bad_verify:
            status = "converted, verification FAILED"
        out.append(f"**Status: {status}** — jax2onnx {__version__}, Python {platform.python_version()}, "
                   f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}")
        out.append("")
        if self.settings:
            out.append(", ".join(f"`{k}={v}`" for k, v in self.settings.items()))
            out.append("")
        out += self._stages()
        program = self.log.notes.get("program")
        if program is not None:
            out += _jaxpr_summary(program)
        out += self._unsupported()
        out += self._model()
        out += self._verification()
        if self.error is not None:
            out += ["## Exception chain", "", "```text"]
            lib = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
            text = "".join(traceback.format_exception(self.error)).replace(lib, "")  # jax2onnx/...py
            out += text.rstrip().splitlines()
            out += ["```", ""]
        return "\n".join(out) + "\n"

    def write(self) -> str | None:
        if self.path is None:
            return None
        text = self.render()
        d = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(d, exist_ok=True)
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text)
        return self.path

    def _stages(self) -> list[str]:
        out = ["## Stages", "", f"Peak memory: {self.log.memory_method or 'not measured'}.", "",
               "| | stage | wall s | CPU s | peak RSS MB | note |", "|---|---|---:|---:|---:|---|"]
        for st in self.log.stages:
            mark = {True: "[x]", False: "[ ] **failed**", None: "[ ]"}[st.ok]
            if st.ok and st.note:  # checker / ORT failures are recorded, not raised
                mark = "[ ] **failed**"
            name = "&nbsp;&nbsp;" * st.depth + st.name
            mem = f"{st.peak_rss_mb:.0f}" if st.peak_rss_mb is not None else ""
            note = st.note.replace("\n", " ").replace("|", "\\|")[:300]
            out.append(f"| {mark} | {name} | {st.wall:.3f} | {st.cpu:.3f} | {mem} | {note} |")
        return out + [""]

    def _unsupported(self) -> list[str]:
        from .errors import UnsupportedPrimitiveError

        err = _find(self.error, UnsupportedPrimitiveError)
        if err is None:
            return []
        out = [f"## Unsupported primitives ({len(err.sites)}, {err.pipeline} pipeline)", "",
               "| primitive | uses | input types (first use) | source | reason |", "|---|---:|---|---|---|"]
        for s in err.sites:
            out.append(f"| `{s.primitive}` | {s.count} | {', '.join(s.in_types) or 'none'} | "
                       f"`{_short(s.source) if s.source else '?'}` | {s.reason.replace('|', '/')} |")
        return out + [""]

    def _model(self) -> list[str]:
        if self.model_path is None and self.model_proto is None:
            return []
        from .model_info import model_info

        info = model_info(self.model_path if self.model_path is not None else self.model_proto)
        sig = lambda items: ", ".join(f"`{n}: {t}[{', '.join(map(str, d))}]`" for n, t, d in items)  # noqa: E731
        out = ["## Model", "",
               f"- inputs: {sig(info.inputs)}", f"- outputs: {sig(info.outputs)}",
               f"- symbolic dims: {', '.join(info.symbols) or 'none'}",
               f"- opsets: {', '.join(f'{d} {v}' for d, v in info.opsets.items())}; IR version {info.ir_version}",
               f"- nodes: {info.graph_nodes} in the graph, {info.subgraph_nodes} in subgraphs, "
               f"{sum(n for *_, n in info.functions)} in {len(info.functions)} function(s)",
               f"- initializers: {info.initializers}, {info.weight_bytes:,} bytes"
               + (f" ({info.external_bytes:,} external in {', '.join(info.external_files)})" if info.external_bytes else "")]
        if info.file_bytes is not None:
            out.append(f"- file: `{self.model_path}`, {info.file_bytes:,} bytes")
        if info.functions:
            out.append("- functions: " + ", ".join(f"`{d}.{n}` ({k} nodes)" for d, n, k in info.functions))
        out += ["", "| op | count |", "|---|---:|"]
        out += [f"| {op} | {n} |" for op, n in info.ops.most_common()]
        return out + [""]

    def _verification(self) -> list[str]:
        if not self.verification:
            return []
        out = ["## Verification (onnxruntime vs JAX)", "",
               "| run | output | ok | max abs | max rel | rtol | atol | dtype | shape | note |",
               "|---|---:|---|---:|---:|---:|---:|---|---|---|"]
        for label, rec in self.verification:
            if rec.note:
                out.append(f"| {label} | | **no** | | | | | | | {rec.note} |")
            for o in rec.outputs:
                out.append(f"| {label} | {o.index} | {'yes' if o.ok else '**no**'} | {o.max_abs:.3g} | "
                           f"{o.max_rel:.3g} | {o.rtol:g} | {o.atol:g} | {o.actual_dtype} | {o.actual_shape} | {o.note} |")
        return out + [""]


def _short(source: str) -> str:
    """A source location relative to the working directory when it lies below it."""
    cwd = os.getcwd() + os.sep
    return source[len(cwd):] if source.startswith(cwd) else source


def _find(exc, cls):
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, cls):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _sub_jaxprs(eqn):
    for v in eqn.params.values():
        for item in v if isinstance(v, (list, tuple)) else (v,):
            j = getattr(item, "jaxpr", item)  # ClosedJaxpr -> Jaxpr
            if hasattr(j, "eqns"):
                yield j


def _jaxpr_summary(program, top: int = 10) -> list[str]:
    from .frontend.source import source_line

    prims: Counter = Counter()
    lines: Counter = Counter()
    total = 0

    def walk(jaxpr, fallback, depth):
        nonlocal total
        for eqn in jaxpr.eqns:
            total += 1
            prims[eqn.primitive.name] += 1
            line = source_line(eqn, fallback=fallback or "")
            if line:
                lines[line] += 1
            for sub in _sub_jaxprs(eqn):
                walk(sub, line, depth + 1)

    jaxpr = program.jaxpr
    walk(jaxpr, None, 0)
    out = ["## Jaxpr", "",
           f"{len(jaxpr.eqns)} top-level equations ({total} counting nested jaxprs); "
           f"{len(program.input_names)} input(s), {len(program.weight_names)} weight(s), "
           f"{len(program.output_names)} output(s).", "",
           "| primitive | equations |", "|---|---:|"]
    out += [f"| `{p}` | {n} |" for p, n in prims.most_common()]
    if lines:
        out += ["", f"User source lines with the most equations (top {top}):", "",
                "| source | equations |", "|---|---:|"]
        out += [f"| `{_short(ln)}` | {n} |" for ln, n in lines.most_common(top)]
    return out + [""]


def with_report(report, convert):
    """Run ``convert()`` under a report; write it on success and on failure (then re-raise)."""
    rep = ExportReport.coerce(report)
    try:
        with rep.log.active():
            result = convert()
        rep.check_result(result)
        return result
    except BaseException as e:
        rep.error = e
        raise
    finally:
        rep.write()
