"""app.log however the app is started: every way a Flask user serves it writes exactly one line per
request to ./app.log (or to $ACCESSLOG_APP_LOG), including 404s and the 500 of an unhandled
exception, and never two lines for one request.

Each server runs in its own empty temporary directory, so nothing is left in the repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import APP_DIR, REPO, free_port, wait_listening
from test_app import SPEC_LINE, call

BIN = Path(sys.executable).parent
REQUESTS = [("GET", "/health", 200), ("GET", "/no/such/page", 404), ("GET", "/api/fail", 500),
            ("GET", "/api/items?page=1&per_page=2", 200), ("PATCH", "/health", 405)]


def servers(port: int) -> dict[str, list[str]]:
    """How a user starts the app; each runs from the temporary directory it logs into."""
    app_py = str(APP_DIR / "app.py")
    return {
        "flask run": [str(BIN / "flask"), "--app", app_py, "run", "--host", "127.0.0.1", "--port", str(port)],
        "python app.py": [sys.executable, app_py, "--host", "127.0.0.1", "--port", str(port)],
        # Both import `app` from PYTHONPATH (set below): their own --app-dir/--chdir would also
        # change the working directory, and with it where app.log goes.
        "waitress": [str(BIN / "waitress-serve"), "--listen", f"127.0.0.1:{port}", "--call", "app:create_app"],
        "gunicorn": [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "app:create_app()"],
    }


def serve_and_request(how: str, workdir: Path, env_extra: dict[str, str]) -> None:
    port = free_port()
    cmd = servers(port)[how]
    if not Path(cmd[0]).exists():
        pytest.fail(f"{cmd[0]} is missing: `make test-app` installs requirements/app.txt into .venv/app")
    env = {k: v for k, v in os.environ.items() if k != "ACCESSLOG_APP_LOG"}
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(APP_DIR), **env_extra)
    with open(workdir / "server.stderr", "wb") as err:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=err, stderr=err)
        try:
            wait_listening(port, proc)
            for method, target, status in REQUESTS:
                got, _, _ = call(f"http://127.0.0.1:{port}", method, target)
                assert got == status, f"{how}: {method} {target} answered {got}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def assert_one_line_per_request(log: Path, how: str) -> None:
    assert log.exists(), f"{how} wrote no {log.name}"
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(REQUESTS), f"{how}: {len(lines)} lines for {len(REQUESTS)} requests:\n" + "\n".join(lines)
    for line, (method, target, status) in zip(lines, REQUESTS):
        m = SPEC_LINE.match(line)
        assert m, f"{how}: not a SPEC §6 line: {line}"
        assert (m["method"], m["target"], int(m["status"])) == (method, target, status)


@pytest.mark.parametrize("how", ["flask run", "python app.py", "waitress", "gunicorn"])
def test_every_way_of_serving_writes_one_line_per_request_to_the_working_directory(how, tmp_path):
    serve_and_request(how, tmp_path, {})
    assert_one_line_per_request(tmp_path / "app.log", how)
    assert not (APP_DIR / "app.log").exists() and not (REPO / "app.log").exists()


@pytest.mark.parametrize("how", ["flask run", "gunicorn"])
def test_accesslog_app_log_names_the_file(how, tmp_path):
    target = tmp_path / "logs" / "access.log"
    target.parent.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    serve_and_request(how, work, {"ACCESSLOG_APP_LOG": str(target)})
    assert_one_line_per_request(target, how)
    assert not (work / "app.log").exists()

