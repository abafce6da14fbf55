# The application tier: Flask app, traffic generator, Fluent Bit config, EC2 bootstrap.
# Tests run in .venv/app; the end-to-end test feeds app.log to the CLI, hence the `build` prerequisite.
APP_VENV := $(VENV_ROOT)/app

$(APP_VENV)/.ok: requirements/app.txt app/requirements.txt
	rm -rf $(APP_VENV)
	$(PYTHON) -m venv $(APP_VENV)
	$(APP_VENV)/bin/pip install -q --disable-pip-version-check -r requirements/app.txt
	touch $@

TEST_TARGETS += test-app

.PHONY: test-app app-run
test-app: build $(APP_VENV)/.ok ## app: API, app.log format through `accesslog parse`, Fluent Bit config, bootstrap template
	ACCESSLOG="$(abspath $(ACCESSLOG))" $(APP_VENV)/bin/python -m pytest -q -p no:cacheprovider app/tests

app-run: $(APP_VENV)/.ok ## run the app on 127.0.0.1:8080 (app.log lands in .venv/app-run/)
	mkdir -p $(VENV_ROOT)/app-run && cd $(VENV_ROOT)/app-run && $(CURDIR)/$(APP_VENV)/bin/python $(CURDIR)/app/app.py --host 127.0.0.1 --port 8080
