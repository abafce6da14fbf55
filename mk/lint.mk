# ruff over every Python file of the repository (ruff.toml), in its own virtualenv.
LINT_VENV := $(VENV_ROOT)/lint

$(LINT_VENV)/.ok: requirements/lint.txt
	rm -rf $(LINT_VENV)
	$(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/pip install -q --disable-pip-version-check -r requirements/lint.txt
	touch $@

TEST_TARGETS += lint-python

.PHONY: lint-python
lint-python: $(LINT_VENV)/.ok ## ruff over every Python file, extension-less scripts included
	$(LINT_VENV)/bin/ruff check --no-cache .
