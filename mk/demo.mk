# The local data path. `make demo`: one KST day of synthetic traffic -> `accesslog
# replay` (the Firehose + S3 stand-in) -> ./lake, then every Athena query of sql/athena/ run on
# it by DuckDB (sqlglot athena -> duckdb). `make test-athena` proves those queries on a fixed day
# against counts taken from the raw log.
ATHENA_VENV := $(VENV_ROOT)/athena
DEMO_LAKE ?= lake
DEMO_LINES ?= 200000

$(ATHENA_VENV)/.ok: requirements/athena.txt
	rm -rf $(ATHENA_VENV)
	$(PYTHON) -m venv $(ATHENA_VENV)
	$(ATHENA_VENV)/bin/pip install -q --disable-pip-version-check -r requirements/athena.txt
	touch $@

TEST_TARGETS += test-athena

.PHONY: demo test-athena

# One instant, read once, is both the day generated and the queries' "now": a demo that runs
# across KST midnight would otherwise query a day it did not generate. Python rather than
# `TZ=Asia/Seoul date`, which silently falls back to UTC on a machine without tzdata (KST has
# no DST, so +09:00 is exact). The lake is rebuilt, because replay only ever adds files and a
# second demo would count the day twice. The time guard is off because the synthetic day runs
# to 23:59 KST, hours ahead of the real clock.
demo: build $(ATHENA_VENV)/.ok ## generate today's traffic (KST), replay it into ./lake, run the Athena queries on it with DuckDB
	@now=$$($(ATHENA_VENV)/bin/python -c 'from datetime import datetime, timedelta, timezone; print(datetime.now(timezone(timedelta(hours=9))).isoformat(timespec="seconds"))'); \
	day=$${now%%T*}; \
	echo "demo: $(DEMO_LINES) lines of synthetic traffic for $$day (KST), replayed into $(DEMO_LAKE)/ (rebuilt)"; \
	rm -rf "$(DEMO_LAKE)/logs" "$(DEMO_LAKE)/errors" "$(DEMO_LAKE)/_replay"; \
	$(ACCESSLOG) generate --date "$$day" --lines $(DEMO_LINES) --seed 1 --bad-ratio 0.01 \
		| $(ACCESSLOG) replay - --lake "$(DEMO_LAKE)" --no-time-guard; \
	echo; \
	$(ATHENA_VENV)/bin/python sql/athena/run_local.py --lake "$(DEMO_LAKE)" --now "$$now"

test-athena: build $(ATHENA_VENV)/.ok ## Athena queries on a replayed day vs counts from the raw log; partition pruning; Parquet schema; replay accounting
	ACCESSLOG="$(abspath $(ACCESSLOG))" $(ATHENA_VENV)/bin/python -m pytest -q -p no:cacheprovider sql/athena/tests
