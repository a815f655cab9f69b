"""Testing helpers: ORT sessions, running catalog testcases, Hypothesis strategies."""
