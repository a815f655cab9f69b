# Two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= 2

.PHONY: demo test nightly generate check-generated parity bench clean

$(VPY):
	$(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install -q -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(VPY) -m jax2onnx.demo

generate: $(STAMP)
	$(VPY) scripts/generate_tests.py
	$(VPY) scripts2/generate_tests2.py

check-generated: $(STAMP)
	$(VPY) scripts/generate_tests.py --check
	$(VPY) scripts2/generate_tests2.py --check

test: $(STAMP)
	HYPOTHESIS_PROFILE=ci $(VPY) -m pytest -q -n $(JOBS) -m "not slow" tests tests2

nightly: $(STAMP)
	HYPOTHESIS_PROFILE=nightly JAX2ONNX_SHADOW_COMPARE=1 $(VPY) -m pytest -q -n $(JOBS) tests tests2

clean:
	rm -rf $(VENV) .artifacts .pytest_cache
