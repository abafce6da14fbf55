# The Python module (python/, a PyO3 crate of the cargo workspace) and the Spark backfill that
# uses it (etl/backfill.py). `make wheel` builds the abi3 wheel (CPython >= 3.9) for x86-64 with
# maturin, zig linking it against manylinux2014's glibc (2.17), so Glue 5.0's pip (glibc 2.34)
# and any newer Linux take it; `make wheel-arm64` builds the aarch64 one (built, not tested here).
# `make test-python` installs the x86-64 wheel into .venv/python and runs its tests against the
# CLI, the backfill on local Spark against `accesslog replay`, and the Athena tests on the lake
# the backfill writes.
PY_VENV := $(VENV_ROOT)/python
WHEEL_DIR := target/wheels
MATURIN := PATH="$(CURDIR)/$(PY_VENV)/bin:$$PATH" $(PY_VENV)/bin/maturin build -m python/Cargo.toml \
	--zig --compatibility manylinux2014 --out $(WHEEL_DIR)

$(PY_VENV)/.ok: requirements/python.txt
	rm -rf $(PY_VENV)
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install -q --disable-pip-version-check -r requirements/python.txt
	touch $@

TEST_TARGETS += test-python

.PHONY: wheel wheel-arm64 test-python

wheel: $(PY_VENV)/.ok ## the `accesslog` Python wheel (abi3, manylinux2014 x86-64) in target/wheels
	rm -f $(WHEEL_DIR)/accesslog-*-manylinux*x86_64*.whl
	$(MATURIN) --target x86_64-unknown-linux-gnu
	@ls $(WHEEL_DIR)/accesslog-*-manylinux*x86_64*.whl

wheel-arm64: $(PY_VENV)/.ok ## the same wheel for aarch64 (Glue's Graviton workers), built only
	rustup target list --installed | grep -q '^aarch64-unknown-linux-gnu$$' || rustup target add aarch64-unknown-linux-gnu
	rm -f $(WHEEL_DIR)/accesslog-*-manylinux*aarch64*.whl
	$(MATURIN) --target aarch64-unknown-linux-gnu
	@ls $(WHEEL_DIR)/accesslog-*-manylinux*aarch64*.whl

# The wheel is installed into the venv as a user would install it (pip, from the file), replacing
# any earlier build. The tests start `accesslog` (the debug CLI) for the expected answers.
test-python: wheel $(ACCESSLOG) ## the wheel against `accesslog parse`; the Spark backfill against `accesslog replay`; the Athena tests on its lake
	@command -v java >/dev/null || { echo "test-python: pyspark needs Java 17 (Debian: apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
	$(PY_VENV)/bin/pip install -q --disable-pip-version-check --force-reinstall --no-deps $(WHEEL_DIR)/accesslog-*-manylinux*x86_64*.whl
	ACCESSLOG="$(abspath $(ACCESSLOG))" $(PY_VENV)/bin/python -m pytest -q -p no:cacheprovider python/tests
	cd etl && ACCESSLOG="$(abspath $(ACCESSLOG))" "$(CURDIR)/$(PY_VENV)/bin/python" -m pytest -q -W ignore::DeprecationWarning tests/test_backfill.py
	ACCESSLOG="$(abspath $(ACCESSLOG))" ACCESSLOG_LAKE_WRITER=backfill $(PY_VENV)/bin/python -m pytest -q -p no:cacheprovider sql/athena/tests

.PHONY: bench-backfill
bench-backfill: wheel build ## the Spark backfill with the wheel against a PySpark regex parser, local[1] and local[2] (BENCHMARKS.md)
	$(PY_VENV)/bin/pip install -q --disable-pip-version-check --force-reinstall --no-deps $(WHEEL_DIR)/accesslog-*-manylinux*x86_64*.whl
	$(PY_VENV)/bin/python scripts/bench-backfill
