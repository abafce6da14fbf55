# `accesslog replay` against S3: the tests of tests/replay_s3.rs (ignored by a plain `cargo
# nextest run`, which has no S3) run here against moto_server, started on a free loopback port
# and stopped when they end. No AWS account or network is involved: credentials are dummies and
# every profile or instance-role lookup is switched off.
TEST_TARGETS += test-s3

.PHONY: test-s3
test-s3: $(MOTO_VENV)/.ok ## replay from and to a loopback S3 server (moto): prefixes, .gz objects, the manifest, the lock, a killed and resumed backfill
	@port=$$($(PYTHON) -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	log=$$(mktemp); \
	$(MOTO_VENV)/bin/moto_server -H 127.0.0.1 -p $$port >"$$log" 2>&1 & moto=$$!; \
	trap 'kill $$moto 2>/dev/null; rm -f "$$log"' EXIT; \
	for i in $$(seq 100); do $(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', $$port), 0.2)" 2>/dev/null && break; sleep 0.1; done; \
	AWS_ENDPOINT_URL=http://127.0.0.1:$$port AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
	AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		$(CARGO) nextest run --run-ignored only --test replay_s3 || { cat "$$log" >&2; exit 1; }
