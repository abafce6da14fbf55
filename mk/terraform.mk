# Terraform (terraform/): formatting, offline init/validate/test against the provider mirror in
# /opt/tf-plugins, checkov on the whole tree and cfn-lint on the Studio notebook template.
# Nothing here reaches AWS or the Terraform registry; PyPI is used once for the linters' venv.

TEST_TARGETS += test-terraform

TERRAFORM ?= terraform
INFRA_VENV := $(VENV_ROOT)/infra
TF_PLUGIN_MIRROR := /opt/tf-plugins
# -chdir: every path in the configuration and its tests is relative to terraform/.
TF := TF_CLI_CONFIG_FILE=$(CURDIR)/terraform/cli-config.tfrc TF_IN_AUTOMATION=1 $(TERRAFORM) -chdir=terraform
NOTEBOOK_TEMPLATE := terraform/modules/stream_analytics/notebook.cfn.yaml

$(INFRA_VENV)/.ok: requirements/infra.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install -q --disable-pip-version-check -r requirements/infra.txt
	touch $@

.PHONY: test-terraform tf-fmt

test-terraform: $(INFRA_VENV)/.ok ## terraform fmt, offline init/validate/test, checkov, cfn-lint
	@command -v $(TERRAFORM) >/dev/null || { echo "test-terraform: '$(TERRAFORM)' not found: install Terraform >= 1.7" >&2; exit 1; }
	@test -d $(TF_PLUGIN_MIRROR)/registry.terraform.io/hashicorp/aws || { echo "test-terraform: no hashicorp/aws provider in $(TF_PLUGIN_MIRROR) (see terraform/cli-config.tfrc)" >&2; exit 1; }
	$(TF) fmt -check -recursive -no-color
	$(TF) init -backend=false -input=false -lockfile=readonly -no-color >/dev/null
	$(TF) validate -no-color
	$(TF) test -no-color
	$(INFRA_VENV)/bin/checkov -d terraform --framework terraform --quiet --compact --skip-download
	$(INFRA_VENV)/bin/cfn-lint $(NOTEBOOK_TEMPLATE)
	@echo "cfn-lint: $(NOTEBOOK_TEMPLATE) clean"

tf-fmt: ## format the Terraform code
	$(TF) fmt -recursive
