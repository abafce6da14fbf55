"""moto, and every gap of moto the emulator apply meets, in one place.

The modules are never changed for the emulator. What moto 5.2 cannot serve is handled here,
each with its reason:

- patches: calls moto does not implement, or answers differently from AWS, filled in with the
  smallest behaviour the provider needs (see the functions below);
- EXCLUDED: resources left out of the apply (run.py targets everything else) because moto
  cannot serve them at all;
- STATE_RM: resources removed from the state before `terraform destroy` because moto cannot
  delete them.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

# AWS-managed IAM policies (the instance role attaches AmazonSSMManagedInstanceCore) exist in
# moto only when it is asked to load them; read when the IAM backend is created.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

from moto.core.responses import ActionResult
from moto.core.responses import EmptyResult
from moto.glue import responses as glue_responses
from moto.glue.exceptions import EntityNotFoundException
from moto.iam import models as iam_models
from moto.redshift import models as redshift_models
from moto.redshift import responses as redshift_responses
from moto.s3 import models as s3_models
from moto.server import ThreadedMotoServer

# Left out of the apply (run.py turns this into a -target list of everything else).
EXCLUDED: dict[str, str] = {
    "module.catalog.aws_athena_workgroup.this": (
        "moto 5.2's Athena answers 404 to every request of the current SDKs (they use a protocol "
        "moto does not route)"
    ),
    "module.catalog.aws_athena_named_query.this": "needs the Athena workgroup above",
}

# Removed from the state before destroy because moto cannot delete them.
STATE_RM: dict[str, str] = {}



# ---------------------------------------------------------------- S3 bucket policy
# moto evaluates bucket policies without their Condition blocks, so the lake's "Deny unless
# aws:SecureTransport" statement denies every request (moto is plain HTTP on loopback). Evaluate
# only the unconditional statements; AWS evaluates the conditions, which HTTPS requests satisfy.
def _bucket_get_permission(self, action: str, resource: str) -> Any:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    doc = json.loads(self.policy.decode())
    doc["Statement"] = [s for s in doc["Statement"] if "Condition" not in s]
    if not doc["Statement"]:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps(doc)).is_action_permitted(action, resource)


# ---------------------------------------------------------------- Redshift cluster status
# The provider waits for ClusterAvailabilityStatus "Available" and for an
# AvailabilityZoneRelocationStatus, and reads MultiAZ: fields moto's clusters lack.
redshift_models.Cluster.cluster_availability_status = "Available"
redshift_models.Cluster.availability_zone_relocation_status = "disabled"
redshift_models.Cluster.multi_az = "Disabled"

# manage_master_password: AWS creates the admin secret and returns its ARN, which the Glue
# connection and the Glue role's policy use; moto ignores ManageMasterPassword and returns none.
redshift_models.Cluster.master_password_secret_arn = property(
    lambda self: f"arn:aws:secretsmanager:{self.region}:{self.account_id}:secret:redshift!{self.cluster_identifier}-admin-Emu1ab"
)


# ---------------------------------------------------------------- IAM instance profiles
# The provider may repeat AddRoleToInstanceProfile for the role already in the profile (it
# retries while IAM is eventually consistent); moto answers LimitExceeded instead of succeeding.
_add_role = iam_models.IAMBackend.add_role_to_instance_profile


def _add_role_to_instance_profile(self, profile_name: str, role_name: str) -> None:
    profile = self.get_instance_profile(profile_name)
    if any(r.name == role_name for r in profile.roles):
        return
    _add_role(self, profile_name, role_name)


# ---------------------------------------------------------------- Redshift parameter groups
# moto creates parameter groups but has no ModifyClusterParameterGroup, which the provider calls
# to set require_ssl and enable_user_activity_logging, and DescribeClusterParameters returns only
# the engine defaults. Keep the values set and report them with Source "user".
def _modify_cluster_parameter_group(self) -> ActionResult:
    name = self._get_param("ParameterGroupName")
    group = self.redshift_backend.parameter_groups[name]
    params = getattr(group, "user_params", {})
    for p in self._get_param("Parameters", []):
        params[p["ParameterName"]] = p["ParameterValue"]
    group.user_params = params
    return ActionResult({"ParameterGroupName": name, "ParameterGroupStatus": "Your parameter group has been updated."})


def _describe_cluster_parameters(self, parameter_group_name: str) -> list[dict[str, Any]]:
    if parameter_group_name not in self.parameter_groups:
        raise redshift_models.ClusterParameterGroupNotFoundError(parameter_group_name)
    user = getattr(self.parameter_groups[parameter_group_name], "user_params", {})
    out = [p for p in self.describe_default_cluster_parameters() if p["ParameterName"] not in user]
    out += [
        {"ParameterName": k, "ParameterValue": v, "Source": "user", "DataType": "string",
         "ApplyType": "static", "IsModifiable": True, "Description": "set by the emulator apply"}
        for k, v in user.items()
    ]
    return out


def _describe_cluster_parameters_response(self) -> ActionResult:
    params = self.redshift_backend.describe_cluster_parameters(self._get_param("ParameterGroupName"))
    source = self._get_param("Source")
    if source:
        params = [p for p in params if p["Source"] == source]
    return ActionResult({"Parameters": params})


# ---------------------------------------------------------------- Glue connections
# moto creates and reads Glue connections but has no DeleteConnection, which destroy calls.
def _delete_connection(self) -> EmptyResult:
    name = self._get_param("ConnectionName")
    if self.glue_backend.connections.pop(name, None) is None:
        raise EntityNotFoundException(f"Connection {name} not found.")
    return EmptyResult()


# ---------------------------------------------------------------- S3 delete markers
# Destroy deletes the uploaded objects and the bucket's versioning resource side by side. When
# the objects go first, the versioned bucket keeps delete markers; once versioning is suspended,
# moto deletes a key by disposing of every version, and its FakeDeleteMarker has no dispose():
# the bucket's force_destroy then gets a 500 from DeleteObjects, depending on that race. A delete
# marker holds no data, so disposing of it is nothing.
def _dispose_delete_marker(self, garbage: bool = False) -> None:
    return None


def patch() -> None:
    glue_responses.GlueResponse.delete_connection = _delete_connection
    if not hasattr(s3_models.FakeDeleteMarker, "dispose"):
        s3_models.FakeDeleteMarker.dispose = _dispose_delete_marker
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    s3_models.FakeBucket.get_permission = _bucket_get_permission
    iam_models.IAMBackend.add_role_to_instance_profile = _add_role_to_instance_profile
    redshift_responses.RedshiftResponse.modify_cluster_parameter_group = _modify_cluster_parameter_group
    redshift_responses.RedshiftResponse.describe_cluster_parameters = _describe_cluster_parameters_response
    redshift_models.RedshiftBackend.describe_cluster_parameters = _describe_cluster_parameters


def start(port: int) -> ThreadedMotoServer:
    patch()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def before_destroy(terraform) -> None:
    for address in STATE_RM:
        terraform("state", "rm", address)
