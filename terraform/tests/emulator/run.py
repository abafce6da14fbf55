"""Apply the root module against moto (a local AWS API), check what was built, destroy it.

`terraform test` only ever talks to a mocked provider; this runs the provider's real create,
read and delete code paths against an emulator on loopback. Steps:

1. start moto (see moto_adapter.py: every gap of moto this needs is handled there, with its reason)
   on 127.0.0.1 and a free port;
2. copy the parts of the repository the root module reads (terraform/, app/, etl/, sql/) to a
   temporary directory and add emulator_override.tf, which points every AWS endpoint at moto;
3. `terraform init` and `terraform apply` with the tiny fixture zip for the Lambda;
4. check the key resources through boto3 (checks.py);
5. `terraform destroy`, and check nothing of the stack is left.

The modules are not changed for moto in any way. Usage (mk/emulator.mk runs it):

    python terraform/tests/emulator/run.py --accesslog target/debug/accesslog
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE))

import checks  # noqa: E402
import moto_adapter  # noqa: E402

REGION = "ap-northeast-2"

# Every service the root module calls, by the provider's endpoint name.
SERVICES = [
    "athena", "cloudformation", "cloudwatch", "ec2", "events", "firehose", "glue", "iam",
    "kinesis", "kinesisanalyticsv2", "lambda", "logs", "redshift", "redshiftserverless", "s3",
    "secretsmanager", "sns", "ssm", "sts",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def override_tf(endpoint: str) -> str:
    endpoints = "\n".join(f'    {s:<20} = "{endpoint}"' for s in SERVICES)
    return f"""# Written by terraform/tests/emulator/run.py into a temporary copy; never committed.
provider "aws" {{
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = false
  s3_use_path_style           = true
  # moto answers at once; an unimplemented call should fail the run, not be retried for minutes.
  max_retries = 2

  endpoints {{
{endpoints}
  }}
}}
"""


def copy_tree(work: Path) -> Path:
    ignore = shutil.ignore_patterns(".terraform", "terraform.tfstate*", "__pycache__", ".pytest_cache")
    for part in ["terraform", "app", "etl", "sql"]:
        shutil.copytree(ROOT / part, work / part, ignore=ignore)
    return work / "terraform"


def terraform(tf_dir: Path, *args: str, capture: bool = False) -> str:
    cmd = [os.environ.get("TERRAFORM", "terraform"), f"-chdir={tf_dir}", *args, "-no-color"]
    shown = [a for a in cmd[1:] if not a.startswith("-target=")]
    targets = len(cmd) - 1 - len(shown)
    print("+", " ".join(shown), f"(and {targets} -target)" if targets else "", flush=True)
    started = time.monotonic()
    proc = subprocess.run(cmd, text=True, capture_output=True)
    took = time.monotonic() - started
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-20000:])
        sys.stderr.write(proc.stderr[-20000:])
        raise SystemExit(f"emulator: `terraform {args[0]}` failed after {took:.0f} s")
    print(f"  ({took:.0f} s)", flush=True)
    return proc.stdout if capture else ""


def target_list(tf_dir: Path, tf_vars: list[str]) -> list[str]:
    """-target arguments for every planned resource except moto_adapter.EXCLUDED."""
    terraform(tf_dir, "plan", "-input=false", "-out=emulator.tfplan", *tf_vars)
    plan = json.loads(terraform(tf_dir, "show", "-json", "emulator.tfplan", capture=True))
    bases = sorted({rc["address"].split("[")[0] for rc in plan["resource_changes"] if rc["mode"] == "managed"})
    for address, reason in moto_adapter.EXCLUDED.items():
        if address not in bases:
            raise SystemExit(f"emulator: excluded {address} is not in the plan; update moto_adapter.EXCLUDED")
        print(f"emulator: leaving out {address}: {reason}", flush=True)
    return [f"-target={b}" for b in bases if b not in moto_adapter.EXCLUDED]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accesslog", required=True, help="the accesslog CLI (for `accesslog schema`)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("-var", action="append", default=[], dest="tf_vars", help="extra -var for apply/destroy")
    opts = ap.parse_args()

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = moto_adapter.start(port)
    work = Path(tempfile.mkdtemp(prefix="accesslog-emulator-"))
    try:
        tf_dir = copy_tree(work)
        (tf_dir / "emulator_override.tf").write_text(override_tf(endpoint))
        os.environ.update(
            AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION,
            AWS_EC2_METADATA_DISABLED="true",
            # The AWS CLI the visual job's provisioner runs talks to moto too.
            AWS_ENDPOINT_URL=endpoint,
        )
        tf_vars = [
            "-var", f"region={REGION}",
            "-var", "lambda_zip_path=tests/fixtures/bootstrap.zip",
            "-var", "backfill_wheel_path=tests/fixtures/accesslog-0.1.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "-var", "lake_force_destroy=true",
            "-var", "iam_propagation_seconds=0",
            "-var", "alarm_email=ops@example.com",
            *[a for v in opts.tf_vars for a in ("-var", v)],
        ]
        terraform(tf_dir, "init", "-backend=false", "-input=false", "-lockfile=readonly")
        targets = target_list(tf_dir, tf_vars)
        terraform(tf_dir, "apply", "-auto-approve", "-input=false", *targets, *tf_vars)
        outputs = json.loads(terraform(tf_dir, "output", "-json", capture=True))
        (work / "outputs.json").write_text(json.dumps(outputs, indent=1))
        checks.run(endpoint, REGION, outputs, tf_dir, opts.accesslog)
        moto_adapter.before_destroy(lambda *a: terraform(tf_dir, *a))
        terraform(tf_dir, "destroy", "-auto-approve", "-input=false", *tf_vars)
        checks.nothing_left(endpoint, REGION, outputs)
        print("emulator: apply, checks and destroy passed", flush=True)
    finally:
        server.stop()
        if opts.keep:
            print(f"emulator: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
