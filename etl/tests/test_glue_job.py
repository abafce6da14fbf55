"""What can be checked of the Glue wrapper without the Glue runtime (its jars are not on PyPI).

Terraform passes the job arguments by name and ships transform.py beside the script, so the
names in the script, the README table and the module it imports must agree.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ETL = Path(__file__).resolve().parents[1]
SCRIPT = ETL / "glue_job.py"


def _script_tree() -> ast.Module:
    return ast.parse(SCRIPT.read_text(), filename=str(SCRIPT))


def _literal(name: str):
    for node in _script_tree().body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not assigned at top level of glue_job.py")


def test_script_compiles():
    compile(SCRIPT.read_text(), str(SCRIPT), "exec")


def test_job_arguments_are_the_documented_ones():
    required, optional = _literal("REQUIRED"), _literal("OPTIONAL")
    assert set(required) == {"JOB_NAME", "lake_path", "connection_name", "redshift_database",
                             "TempDir"}
    assert optional == {"redshift_table": "public.access_log"}
    # The warehouse job's table: the README's "Job arguments" section (the backfill has its own).
    readme = (ETL / "README.md").read_text().split("\n## Job arguments\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `--(\w+)` \|", readme, flags=re.M))
    assert documented == set(required) | set(optional)


def test_wrapper_delegates_to_transform_and_uses_bookmarks():
    tree = _script_tree()
    imports = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "transform" in imports
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert "transform.transform" in calls
    assert {"job.init", "job.commit"} <= calls  # bookmarks are only kept between these
    assert "glueContext.write_dynamic_frame.from_jdbc_conf" in calls
    # Every Glue source and sink carries a transformation_ctx, the bookmark's key.
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and ast.unparse(n.func).startswith(
            ("glueContext.create_dynamic_frame", "glueContext.write_dynamic_frame")
        ):
            assert any(k.arg == "transformation_ctx" for k in n.keywords), ast.unparse(n.func)
    # No logic in the wrapper: no function or class definitions of its own.
    assert not [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
