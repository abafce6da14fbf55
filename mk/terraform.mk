# Terraform (terraform/): formatting, init/validate/test with a mocked AWS provider, checkov on
# the whole tree and cfn-lint on the Studio notebook template. Nothing here reaches AWS.
# The provider comes from the local filesystem mirror named in terraform/cli-config.tfrc when that
# mirror holds hashicorp/aws (offline machines); otherwise `terraform init` downloads it from the
# registry once into terraform/.terraform/. PyPI is used once for the linters' venv.

TEST_TARGETS += test-terraform

TERRAFORM ?= terraform
INFRA_VENV := $(VENV_ROOT)/infra
TF_CLI_CONFIG := terraform/cli-config.tfrc
# The mirror path is read from the CLI configuration, so the two cannot disagree.
TF_PLUGIN_MIRROR := $(shell sed -n 's/^ *path *= *"\(.*\)"/\1/p' $(TF_CLI_CONFIG))
TF_MIRROR_USED := $(if $(wildcard $(TF_PLUGIN_MIRROR)/registry.terraform.io/hashicorp/aws),yes,)
TF_ENV := TF_IN_AUTOMATION=1 $(if $(TF_MIRROR_USED),TF_CLI_CONFIG_FILE=$(CURDIR)/$(TF_CLI_CONFIG))
TF_PROVIDER_SOURCE := $(if $(TF_MIRROR_USED),the mirror $(TF_PLUGIN_MIRROR),registry.terraform.io)
TF_INIT_FIX := terraform init could not install hashicorp/aws from $(TF_PROVIDER_SOURCE): allow HTTPS to registry.terraform.io and releases.hashicorp.com, or fill a mirror once on a connected machine with: terraform -chdir=terraform providers mirror $(TF_PLUGIN_MIRROR); on a platform other than linux_amd64 also run: terraform -chdir=terraform providers lock -platform=OS_ARCH (see terraform/README.md)
# -chdir: every path in the configuration and its tests is relative to terraform/.
TF := $(TF_ENV) $(TERRAFORM) -chdir=terraform
NOTEBOOK_TEMPLATE := terraform/modules/stream_analytics/notebook.cfn.yaml

$(INFRA_VENV)/.ok: requirements/infra.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install -q --disable-pip-version-check -r requirements/infra.txt
	touch $@

.PHONY: test-terraform tf-fmt

test-terraform: $(INFRA_VENV)/.ok ## terraform fmt, offline init/validate/test, checkov, cfn-lint
	@command -v $(TERRAFORM) >/dev/null || { echo "test-terraform: '$(TERRAFORM)' not found: install Terraform >= 1.7" >&2; exit 1; }
	$(TF) fmt -check -recursive -no-color
	@echo "terraform init: hashicorp/aws from $(TF_PROVIDER_SOURCE)"
	@$(TF) init -backend=false -input=false -lockfile=readonly -no-color >/dev/null || { echo "test-terraform: $(TF_INIT_FIX)" >&2; exit 1; }
	$(TF) validate -no-color
	$(TF) test -no-color
	$(INFRA_VENV)/bin/checkov -d terraform --framework terraform --quiet --compact --skip-download
	$(INFRA_VENV)/bin/cfn-lint $(NOTEBOOK_TEMPLATE)
	@echo "cfn-lint: $(NOTEBOOK_TEMPLATE) clean"

tf-fmt: ## format the Terraform code
	$(TF) fmt -recursive
