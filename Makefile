# Two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= 2

# Exact versions come from constraints files: latest.txt (the newest tested set, `make test`,
# CI) and oldest.txt (the oldest supported set, `make test-oldest` in its own venv);
# pyproject.toml declares the ranges between them (docs/dependencies.md).
LATEST := constraints/latest.txt
OLDEST := constraints/oldest.txt
OLD_VENV := .venv-oldest
OLD_VPY := $(OLD_VENV)/bin/python
OLD_STAMP := $(OLD_VENV)/.installed
TEST_ARGS = -m pytest -q -n $(JOBS) -m "not slow" tests tests2

.PHONY: demo test test-oldest integration nightly generate check-generated parity bench clean

$(VPY):
	$(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml $(LATEST) | $(VPY)
	$(VPY) -m pip install -q -e ".[test,integration]" -c $(LATEST)
	touch $(STAMP)

$(OLD_VPY):
	$(PY) -m venv $(OLD_VENV)
	$(OLD_VPY) -m pip install -q --upgrade pip

$(OLD_STAMP): pyproject.toml $(OLDEST) | $(OLD_VPY)
	$(OLD_VPY) -m pip install -q -e ".[test,integration]" -c $(OLDEST)
	touch $(OLD_STAMP)

demo: $(STAMP)
	$(VPY) -m jax2onnx.demo

generate: $(STAMP)
	$(VPY) scripts/generate_tests.py
	$(VPY) scripts2/generate_tests2.py

check-generated: $(STAMP)
	$(VPY) scripts/generate_tests.py --check
	$(VPY) scripts2/generate_tests2.py --check

test: $(STAMP)
	HYPOTHESIS_PROFILE=ci $(VPY) $(TEST_ARGS)

# The same suite against the oldest supported versions (constraints/oldest.txt), in .venv-oldest.
test-oldest: $(OLD_STAMP)
	HYPOTHESIS_PROFILE=ci $(OLD_VPY) $(TEST_ARGS)

# Real models from real libraries (Keras export, Hugging Face Flax, Haiku, Linen RNNs,
# Equinox, diffrax), slow ones included; `make test` runs their CI subset (not slow).
integration: $(STAMP)
	$(VPY) -m pytest -q -n $(JOBS) -rxX tests/integration

# Both trees in full with shadow compare on (xdist), then report.json, index.html and the gate.
parity: $(STAMP)
	$(VPY) scripts/parity_report.py -n $(JOBS) --out parity

# What the nightly CI job runs: the parity run with the nightly Hypothesis profile
# (hundreds of fuzz examples per test), then the full integration tree (run even when the gate
# is red); exit status = the gate's if it failed, else the integration run's.
nightly: $(STAMP)
	HYPOTHESIS_PROFILE=nightly $(VPY) scripts/parity_report.py -n $(JOBS) --out parity; gate=$$?; \
	$(MAKE) integration; integration=$$?; \
	exit $$(( gate != 0 ? gate : integration ))

# Conversion benchmarks (issue 9): fresh subprocess per measurement, medians over
# rounds; JSON + markdown in benchmarks/results/. BENCH_ARGS e.g. "--rounds 5 --models mlp,gpt2".
BENCH_ARGS ?=
bench: $(STAMP)
	$(VPY) -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(OLD_VENV) .artifacts .pytest_cache
