"""Fluent Bit config and the EC2 bootstrap template, checked as parsed structures.

Fluent Bit itself is not installable here (no package in the registries this project can reach),
so the YAML is parsed and checked against the names the rest of the system relies on and
against the option names documented for each plugin (a misspelt key is silently ignored by
Fluent Bit at best). The bootstrap is rendered the way Terraform's templatefile() renders it and
checked with `bash -n`; the systemd units it writes are parsed out of the rendered script.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import APP_DIR

FLB_CONFIG = APP_DIR / "fluent-bit" / "fluent-bit.yaml"
TEMPLATE = APP_DIR / "bootstrap.sh.tftpl"
TEMPLATE_VARS = {"aws_region": "ap-northeast-2", "artifacts_s3_uri": "s3://wsi-artifacts/artifacts/app/", "traffic_rps": 7}

# Documented keys (docs.fluentbit.io: pipeline inputs/tail, filters/aws-metadata,
# outputs/cloudwatch, outputs/kinesis; plus the properties every output takes).
COMMON_OUTPUT_KEYS = {"name", "match", "match_regex", "alias", "retry_limit", "storage.total_limit_size", "workers"}
KNOWN_KEYS = {
    "tail": {
        "name", "tag", "path", "key", "db", "db.locking", "db.sync", "db.journal_mode", "read_from_head",
        "refresh_interval", "rotate_wait", "buffer_chunk_size", "buffer_max_size", "skip_long_lines",
        "mem_buf_limit", "storage.type", "exclude_path", "path_key", "offset_key", "ignore_older",
        "skip_empty_lines", "inotify_watcher",
    },
    "aws": {"name", "match", "imds_version", "az", "ec2_instance_id", "ec2_instance_type", "private_ip",
            "ami_id", "account_id", "hostname", "vpc_id"},
    "cloudwatch_logs": COMMON_OUTPUT_KEYS | {
        "region", "log_group_name", "log_group_template", "log_stream_name", "log_stream_prefix",
        "log_stream_template", "log_key", "log_format", "role_arn", "auto_create_group", "log_retention_days",
        "endpoint", "sts_endpoint", "auto_retry_requests", "external_id", "profile",
    },
    "kinesis_streams": COMMON_OUTPUT_KEYS | {
        "region", "stream", "time_key", "time_key_format", "log_key", "role_arn", "endpoint", "sts_endpoint",
        "auto_retry_requests", "external_id", "profile", "simple_aggregation",
    },
}


def render_templatefile(text: str, variables: dict) -> str:
    """Terraform templatefile() for a template with plain `${name}` interpolations only: `$${` is
    a literal `${`, `%%{` a literal `%{`; any other `${...}` or a `%{` directive is an error."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$${", i):
            out.append("${")
            i += 3
        elif text.startswith("%%{", i):
            out.append("%{")
            i += 3
        elif text.startswith("${", i):
            end = text.index("}", i)
            name = text[i + 2 : end].strip()
            if name not in variables:
                raise KeyError(f"template interpolates ${{{name}}}, which Terraform does not pass")
            out.append(str(variables[name]))
            i = end + 1
        elif text.startswith("%{", i):
            raise ValueError("template directives (%{...}) are not expected in the bootstrap")
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def flb_value(v):
    # Fluent Bit reads every scalar as a string; PyYAML turns on/off/true into booleans.
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def is_true(v) -> bool:
    return flb_value(v).lower() in {"true", "on", "yes", "1"}


def is_false(v) -> bool:
    return flb_value(v).lower() in {"false", "off", "no", "0"}


@pytest.fixture(scope="module")
def flb():
    return yaml.safe_load(FLB_CONFIG.read_text())


@pytest.fixture(scope="module")
def rendered():
    return render_templatefile(TEMPLATE.read_text(), TEMPLATE_VARS)


def heredocs(script: str) -> dict[str, str]:
    """Files the script writes with `cat > PATH <<DELIM ... DELIM`, keyed by (unexpanded) path."""
    found = {}
    for m in re.finditer(r"^cat > (\S+) <<'?(\w+)'?\n(.*?)^\2$", script, re.S | re.M):
        found[m[1]] = m[3]
    return found


def parse_unit(text: str, env: dict) -> dict[str, dict[str, list[str]]]:
    """A systemd unit as {section: {key: [values]}}, with the script's shell variables expanded."""
    def expand(s):
        return re.sub(r"\$\{(\w+)\}", lambda m: env[m[1]], s)

    unit, section = {}, None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = unit.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        section.setdefault(key, []).append(expand(value))
    return unit


def shell_assignments(script: str) -> dict[str, str]:
    """Top-level NAME=value / NAME='value' assignments of the rendered script."""
    env = {}
    for m in re.finditer(r"^([A-Z_]+)=('?)([^'\n$(]*)\2$", script, re.M):
        env[m[1]] = m[3]
    env["INSTANCE_ID"] = "i-0123456789abcdef0"  # from IMDS at run time
    return env


# ---------------------------------------------------------------- Fluent Bit


def test_fluent_bit_keys_are_documented_plugin_options(flb):
    assert set(flb) <= {"service", "pipeline", "env", "parsers", "includes"}
    for kind in ("inputs", "filters", "outputs"):
        for plugin in flb["pipeline"][kind]:
            unknown = set(plugin) - KNOWN_KEYS[plugin["name"]]
            assert not unknown, f"{plugin['name']}: unknown keys {unknown}"


def test_tail_reads_app_log_with_a_position_db_and_disk_buffer(flb):
    (tail,) = [p for p in flb["pipeline"]["inputs"] if p["name"] == "tail"]
    assert Path(tail["path"]).name == "app.log"
    assert tail.get("key", "log") == "log", "the Lambda and the Flink table read the line from `log`"
    assert Path(tail["db"]).is_absolute()
    assert is_true(tail["read_from_head"])
    assert tail["storage.type"] == "filesystem"
    assert Path(flb["service"]["storage.path"]).is_absolute()
    # The DB must not live in the buffer directory Fluent Bit manages on its own.
    assert not tail["db"].startswith(flb["service"]["storage.path"])


def test_every_record_gets_the_instance_id_and_reaches_both_destinations(flb):
    (tail,) = flb["pipeline"]["inputs"]
    tag = tail["tag"]
    (aws,) = [f for f in flb["pipeline"]["filters"] if f["name"] == "aws"]
    assert fnmatch.fnmatchcase(tag, aws["match"])
    assert aws.get("imds_version", "v2") == "v2"
    assert not is_false(aws.get("ec2_instance_id", True))

    outputs = {o["name"]: o for o in flb["pipeline"]["outputs"]}
    assert set(outputs) == {"cloudwatch_logs", "kinesis_streams"}
    for out in outputs.values():
        assert fnmatch.fnmatchcase(tag, out["match"]), out["name"]
        assert out["region"] == "${AWS_REGION}"


def test_cloudwatch_output_names(flb):
    (cw,) = [o for o in flb["pipeline"]["outputs"] if o["name"] == "cloudwatch_logs"]
    assert cw["log_group_name"] == "wsi/app/accesslog"
    assert is_false(cw["auto_create_group"])
    # record_accessor: `$ec2_instance_id` must be the last thing in the template (the docs allow
    # only `.` or `,` after a variable), and it must produce ec2_<instance-id>.
    template = cw["log_stream_template"]
    assert re.fullmatch(r"ec2_\$ec2_instance_id", template), template
    record = {"ec2_instance_id": "i-0123456789abcdef0"}
    assert re.sub(r"\$(\w+)", lambda m: record[m[1]], template) == "ec2_i-0123456789abcdef0"
    # The fallback (used when the record lacks the field) names the same stream.
    assert cw["log_stream_name"] == "ec2_${INSTANCE_ID}"
    assert "log_key" not in cw


def test_kinesis_output_sends_the_whole_record(flb):
    (ks,) = [o for o in flb["pipeline"]["outputs"] if o["name"] == "kinesis_streams"]
    assert ks["stream"] == "wsi-log"
    assert "log_key" not in ks, "log_key keeps JSON escaping of the inner quotes (fluent-bit#9049)"
    assert "simple_aggregation" not in ks or is_false(ks["simple_aggregation"])


def test_retries_and_backlog_are_bounded(flb):
    for out in flb["pipeline"]["outputs"]:
        limit = flb_value(out["retry_limit"])
        assert limit.isdigit() and 1 <= int(limit) <= 20, f"{out['name']}: retry_limit {limit}"
        assert re.fullmatch(r"\d+[KMG]", out["storage.total_limit_size"]), out["name"]
    service = flb["service"]
    assert 1 <= int(service["scheduler.base"]) <= int(service["scheduler.cap"]) <= 300


# ---------------------------------------------------------------- bootstrap template


def test_template_interpolates_only_the_three_terraform_variables():
    text = TEMPLATE.read_text()
    used = set(re.findall(r"(?<!\$)\$\{\s*([^}]*?)\s*\}", text))
    assert used == set(TEMPLATE_VARS)
    # Each variable is documented in the header, as the contract asks.
    header = text.split("set -euo pipefail")[0]
    for name in TEMPLATE_VARS:
        assert name in header


def test_rendered_bootstrap_is_valid_bash(rendered, tmp_path):
    script = tmp_path / "bootstrap.sh"
    script.write_text(rendered)
    proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert rendered.startswith("#!/bin/bash\n")
    assert "AWS_REGION='ap-northeast-2'" in rendered and "TRAFFIC_RPS='7'" in rendered


def test_bootstrap_services_restart_and_agree_with_the_fluent_bit_config(rendered, flb):
    env = shell_assignments(rendered)
    files = heredocs(rendered)
    units = {
        Path(p).name: parse_unit(body, env)
        for p, body in files.items()
        if p.startswith("/etc/systemd/system/")
    }
    assert set(units) == {"accesslog-app.service", "accesslog-traffic.service", "fluent-bit.service"}
    for name, unit in units.items():
        assert unit["Service"]["Restart"] == ["on-failure"], name
        assert unit["Install"]["WantedBy"] == ["multi-user.target"], name
    enabled = re.search(r"^systemctl enable --now (.+)$", rendered, re.M)[1].split()
    assert sorted(enabled) == sorted(units)

    app = units["accesslog-app.service"]["Service"]
    app_cmd = shlex.split(app["ExecStart"][0])
    assert app_cmd[1].endswith("/app/app.py")
    # app.py writes app.log in its working directory: that must be the file Fluent Bit tails.
    (tail,) = flb["pipeline"]["inputs"]
    assert str(Path(app["WorkingDirectory"][0]) / "app.log") == tail["path"]

    traffic_cmd = shlex.split(units["accesslog-traffic.service"]["Service"]["ExecStart"][0])
    assert traffic_cmd[1].endswith("/app/traffic.py")
    assert traffic_cmd[traffic_cmd.index("--rps") + 1] == str(TEMPLATE_VARS["traffic_rps"])
    app_port = app_cmd[app_cmd.index("--port") + 1]
    assert traffic_cmd[traffic_cmd.index("--base-url") + 1] == f"http://127.0.0.1:{app_port}"

    flb_unit = units["fluent-bit.service"]["Service"]
    flb_env = dict(e.split("=", 1) for e in flb_unit["Environment"])
    assert flb_env["AWS_REGION"] == TEMPLATE_VARS["aws_region"]
    # Every ${VAR} the Fluent Bit config refers to is set by its unit.
    referenced = set(re.findall(r"\$\{(\w+)\}", FLB_CONFIG.read_text()))
    assert referenced <= set(flb_env), referenced - set(flb_env)
    flb_cmd = shlex.split(flb_unit["ExecStart"][0])
    config_path = flb_cmd[flb_cmd.index("-c") + 1]
    assert Path(config_path).name == FLB_CONFIG.name
    # The config is copied from the artifacts' fluent-bit/ folder into that directory.
    copy = re.search(r'^cp -r "\$\{APP_HOME\}/app/fluent-bit/\." "\$\{(\w+)\}/"$', rendered, re.M)
    assert copy and env[copy[1]] == str(Path(config_path).parent)


def test_bootstrap_takes_instance_id_from_imdsv2_and_sets_kst(rendered):
    token_at = rendered.index("-X PUT \"${IMDS}/api/token\"")
    id_at = rendered.index("meta-data/instance-id")
    assert token_at < id_at
    assert re.search(r'^\s+-H "X-aws-ec2-metadata-token: \$\{IMDS_TOKEN\}" "\$\{IMDS\}/meta-data/instance-id"\)$',
                     rendered, re.M)
    assert re.search(r"^timedatectl set-timezone Asia/Seoul$", rendered, re.M)
    assert re.search(r'^aws s3 cp --recursive .*"\$\{ARTIFACTS_S3_URI\}"', rendered, re.M)
