"""Shared fixtures: a real app process on loopback, and the traffic generator as a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[1]
REPO = APP_DIR.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, seconds: float = 20.0) -> None:
    # A TCP connect, not an HTTP request: the wait must not add a line to app.log.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"app did not listen on 127.0.0.1:{port} within {seconds}s")


class AppServer:
    def __init__(self, workdir: Path, tz: str):
        self.workdir = workdir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "app.log"
        self.stderr_path = workdir / "app.stderr"
        env = dict(os.environ, TZ=tz, PYTHONUNBUFFERED="1")
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(APP_DIR / "app.py"), "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=workdir,
            env=env,
            stdout=self._stderr,
            stderr=self._stderr,
        )
        try:
            wait_listening(self.port, self.proc)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def app_server(tmp_path):
    """The app in its own working directory, with a host time zone far from KST, so the test sees
    whether the KST offset really does not depend on the host."""
    server = AppServer(tmp_path, tz="America/Los_Angeles")
    try:
        yield server
    finally:
        server.stop()


def run_traffic(base_url: str, record: Path, *args: str, timeout: float = 120) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, str(APP_DIR / "traffic.py"), "--base-url", base_url, "--record", str(record), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"traffic.py failed ({proc.returncode}):\n{proc.stderr}"
    return [json.loads(line) for line in record.read_text().splitlines()]
