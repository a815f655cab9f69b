"""Integration tree: real models from real libraries, checked by :mod:`._check`.

At the end of the run, the numbers each test recorded (library, model, status,
nodes, max abs error vs JAX, conversion seconds) are printed as one table. They
travel in ``user_properties``, so the table is complete under pytest-xdist too.
"""

from __future__ import annotations

import os

from ._check import PROP

# Keras picks its backend at first import; test_keras.py sets this too (for direct runs)
os.environ.setdefault("KERAS_BACKEND", "jax")


def _rows(terminalreporter):
    rows = {}
    for key in ("passed", "xfailed", "xpassed", "failed"):
        for rep in terminalreporter.stats.get(key, ()):
            for name, value in getattr(rep, "user_properties", ()):
                if name == PROP:
                    rows[rep.nodeid] = value
    return [rows[k] for k in sorted(rows)]


def pytest_terminal_summary(terminalreporter):
    rows = _rows(terminalreporter)
    if not rows:
        return
    w = terminalreporter
    w.section("integration: library x model")
    w.write_line(f"{'library':<13} {'model':<42} {'nodes':>6} {'max err':>9} {'conv s':>7}  status")
    for r in rows:
        w.write_line(f"{r['library']:<13} {r['model']:<42} {r['nodes']:>6} {r['max_abs_error']:>9.2e} "
                     f"{r['seconds']:>7.2f}  {r['status']}")
