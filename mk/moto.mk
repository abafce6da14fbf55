# moto_server: a local AWS API (S3, Kinesis, Firehose, Glue, ...) on loopback, in its own
# virtualenv. Targets that need it depend on $(MOTO_VENV)/.ok and start the server themselves
# on a free port, so nothing outlives the test that started it.
MOTO_VENV := $(VENV_ROOT)/moto

$(MOTO_VENV)/.ok: requirements/moto.txt
	rm -rf $(MOTO_VENV)
	$(PYTHON) -m venv $(MOTO_VENV)
	$(MOTO_VENV)/bin/pip install -q --disable-pip-version-check -r requirements/moto.txt
	touch $@
