"""Hypothesis profiles for the fuzz tests, chosen with ``HYPOTHESIS_PROFILE``.

``ci`` is part of ``make test``: few examples, derandomized (the same examples on
every run), no deadline (conversions are slow and timing on shared CI is noisy).
``nightly`` runs hundreds of examples per test with a random seed.
"""

from __future__ import annotations

__all__ = ["register_profiles", "load_profile", "PROFILES"]

PROFILES = ("ci", "nightly", "dev")


def register_profiles() -> None:
    """Register ``ci``, ``nightly`` and ``dev`` with Hypothesis (idempotent)."""
    from hypothesis import HealthCheck, settings

    common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                        HealthCheck.filter_too_much],
                  print_blob=True)
    settings.register_profile("ci", max_examples=6, derandomize=True, database=None, **common)
    settings.register_profile("nightly", max_examples=200, derandomize=False, database=None, **common)
    settings.register_profile("dev", max_examples=25, derandomize=False, **common)


def load_profile(name: str | None = None) -> str:
    """Register the profiles and load ``name`` (default: ``HYPOTHESIS_PROFILE``, else ``ci``)."""
    from hypothesis import settings

    from .. import flags

    register_profiles()
    name = name or flags.hypothesis_profile()
    if name not in PROFILES:
        raise ValueError(f"HYPOTHESIS_PROFILE={name!r} is not one of {PROFILES}")
    settings.load_profile(name)
    return name
