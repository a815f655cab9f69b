"""Testcase catalog entries, one module per family."""
