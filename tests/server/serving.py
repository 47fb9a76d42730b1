"""Helpers shared by the server tests: keys of every role, a real ``clearance serve`` process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from clearance.decisions import Role
from clearance.engine import Engine


@dataclass
class Keys:
    viewer: str
    analyst: str
    admin: str
    revoked: str

    def header(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role)}"}


def make_keys(engine: Engine) -> Keys:
    made = {role: engine.keys.create(role, label=f"{role.value} tester", actor="test-setup").secret for role in Role}
    revoked = engine.keys.create(Role.ADMIN, label="former admin", actor="test-setup")
    engine.keys.revoke(revoked.key.id, actor="test-setup")
    return Keys(made[Role.VIEWER], made[Role.ANALYST], made[Role.ADMIN], revoked.secret)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_server(db: str, log: Path, timeout: float = 120.0) -> LiveServer:
    """``clearance serve`` in its own process; returns once /readyz says ready (index warm)."""
    port = free_port()
    env = {**os.environ, "CLEARANCE_DB": db}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "clearance", "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"clearance serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return LiveServer(url, process, log)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"clearance serve not ready after {timeout} s:\n{log.read_text()}")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(10)


