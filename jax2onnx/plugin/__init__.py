"""The neutral registry shared by both pipelines (RFC §5).

- :mod:`.registry` — lowerings per pipeline, looked up lazily by primitive name;
- :mod:`.index` — which family module lowers which primitive;
- :mod:`.testcase` — the testcase catalog feeding both generated test trees.
"""

from .registry import PIPELINES, lookup, override, register, registered
from .testcase import COMPONENTS, Testcase, all_cases, component, get_case, testcase

__all__ = [
    "PIPELINES",
    "lookup",
    "override",
    "register",
    "registered",
    "Testcase",
    "testcase",
    "component",
    "all_cases",
    "get_case",
    "COMPONENTS",
]
