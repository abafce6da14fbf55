# The root module applied against moto (a local AWS API on loopback) and destroyed again: the AWS
# provider's real create, read and delete calls, which `terraform test`'s mocked provider never
# makes. terraform/tests/emulator/run.py starts moto itself on a free 127.0.0.1 port, applies a
# temporary copy of the configuration whose endpoints point at it, checks the stack through boto3
# (and every IAM statement against the IAM action tables), destroys it and stops moto. What moto
# cannot serve is handled in terraform/tests/emulator/moto_adapter.py, with the reasons.
TEST_TARGETS += test-terraform-emulator

# Without the offline mirror, init downloads hashicorp/aws into each temporary copy; the cache
# makes that happen once.
TF_EMULATOR_PLUGIN_CACHE := $(VENV_ROOT)/terraform-plugin-cache

.PHONY: test-terraform-emulator

test-terraform-emulator: $(MOTO_VENV)/.ok $(ACCESSLOG) ## apply + check + destroy the root module against moto on loopback
	@command -v $(TERRAFORM) >/dev/null || { echo "test-terraform-emulator: '$(TERRAFORM)' not found: install Terraform >= 1.7" >&2; exit 1; }
	@mkdir -p $(TF_EMULATOR_PLUGIN_CACHE)
	$(TF_ENV) $(if $(TF_MIRROR_USED),,TF_PLUGIN_CACHE_DIR=$(CURDIR)/$(TF_EMULATOR_PLUGIN_CACHE)) TERRAFORM=$(TERRAFORM) \
	  $(MOTO_VENV)/bin/python terraform/tests/emulator/run.py --accesslog "$(abspath $(ACCESSLOG))"
