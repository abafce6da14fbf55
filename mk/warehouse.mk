# The warehouse (etl/, sql/redshift/): the Glue transform on pip-installed Spark 3.5 (Glue 5.0's
# Spark), the Redshift DDL and queries on a throwaway PostgreSQL 15 server, and sqlfluff over
# every SQL file under sql/ (dialect per directory, see .sqlfluff).
TEST_TARGETS += test-warehouse lint-sql

SPARK_VENV := $(VENV_ROOT)/spark
SQLLINT_VENV := $(VENV_ROOT)/sqllint

$(SPARK_VENV)/.ok: requirements/spark.txt
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install -q -r requirements/spark.txt
	touch $@

$(SQLLINT_VENV)/.ok: requirements/sqllint.txt
	$(PYTHON) -m venv $(SQLLINT_VENV)
	$(SQLLINT_VENV)/bin/pip install -q -r requirements/sqllint.txt
	touch $@

.PHONY: test-warehouse lint-sql

# The tests make their lake with `accesslog generate` + `accesslog replay`, hence the build. The
# backfill's tests need the `accesslog` wheel and run in `make test-python` (mk/python.mk).
test-warehouse: $(SPARK_VENV)/.ok $(ACCESSLOG) ## Glue transform (Spark 3.5) and Redshift SQL (PostgreSQL 15) on a replayed lake
	@command -v java >/dev/null || { echo "test-warehouse: pyspark needs Java 17 (Debian: apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
	@for t in initdb pg_ctl postgres; do command -v $$t >/dev/null || { echo "test-warehouse: $$t not on PATH; install PostgreSQL 15 (Debian: apt-get install postgresql-15) and put /usr/lib/postgresql/15/bin on PATH" >&2; exit 1; }; done
	cd etl && ACCESSLOG="$(abspath $(ACCESSLOG))" "$(CURDIR)/$(SPARK_VENV)/bin/python" -m pytest --ignore=tests/test_backfill.py

lint-sql: $(SQLLINT_VENV)/.ok ## sqlfluff over sql/ (athena, flink, redshift dialects)
	$(SQLLINT_VENV)/bin/sqlfluff lint sql/
