# The Studio notebook's Flink SQL, run locally on PyFlink in its own venv (~700 MB).
FLINK_VENV := $(VENV_ROOT)/flink

$(FLINK_VENV)/.ok: requirements/flink.txt
	@command -v java >/dev/null || { echo "PyFlink needs a Java 11/17 runtime on PATH (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
	rm -rf $(FLINK_VENV)
	$(PYTHON) -m venv $(FLINK_VENV)
	$(FLINK_VENV)/bin/pip install -q --disable-pip-version-check -r requirements/flink.txt
	touch $@

TEST_TARGETS += test-flink

.PHONY: test-flink flink-note
test-flink: $(FLINK_VENV)/.ok ## Flink SQL paragraphs on PyFlink (streaming) over a filesystem source; Zeppelin note up to date
	$(FLINK_VENV)/bin/python -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning sql/flink/tests

flink-note: $(FLINK_VENV)/.ok ## rebuild sql/flink/accesslog.zpln from the paragraph files
	$(FLINK_VENV)/bin/python sql/flink/notebook.py
