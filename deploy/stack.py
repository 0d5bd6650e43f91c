"""Start and stop the production shape (deploy/serve.py) from Python: the multi-instance tests
(tests/test_production_*.py) and the viral-day benchmark (bench/viral.py) use it.

    with Stack(env={...}, instances=2, senders=2, workdir=tmp) as stack:
        stack.url            # nginx, http://127.0.0.1:<port>
        stack.instance_urls  # each gunicorn instance directly
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
FLASK = PYTHON.parent / "flask"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(env: dict[str, str], seed: bool = True) -> None:
    """`flask db upgrade` and `flask seed` with `env` (as `make setup` does)."""
    for command in (["db", "upgrade"], ["seed"]) if seed else (["db", "upgrade"],):
        done = subprocess.run([str(FLASK), "--app", "wsgi", *command], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def alive(pid: int) -> bool:
    """True while process `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        for child in map(int, children):
            found.append(child)
            todo.append(child)
    return found


class Stack:
    """deploy/serve.py as a child process, up once its state file is written."""

    def __init__(self, env: dict[str, str], workdir: Path, instances: int = 2, senders: int = 1,
                 port: int | None = None, extra_args: list[str] | None = None):
        self.env = {**env, "PORT": str(port or free_port()), "INSTANCES": str(instances),
                    "SENDERS": str(senders)}
        self.workdir = Path(workdir)
        self.extra_args = extra_args or []
        self.proc: subprocess.Popen | None = None
        self.state: dict = {}

    def start(self, timeout: float = 120) -> "Stack":
        """Start it and wait until nginx and every instance answer (serve.py checks them)."""
        state_file = self.workdir / "serve-state.json"
        state_file.unlink(missing_ok=True)
        with (self.workdir / "serve.log").open("ab") as out:
            self.proc = subprocess.Popen(
                [str(PYTHON), str(ROOT / "deploy" / "serve.py"), "--prefix", str(self.workdir / "nginx"),
                 "--logs", str(self.workdir / "logs"), "--state", str(state_file), *self.extra_args],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not state_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the stack did not start:\n{self.logs()}")
            time.sleep(0.2)
        self.state = json.loads(state_file.read_text())
        return self

    @property
    def url(self) -> str:
        """nginx's address."""
        return self.state["url"]

    @property
    def instance_urls(self) -> list[str]:
        """Each gunicorn instance's own address (bypassing nginx)."""
        return [f"http://127.0.0.1:{i['port']}" for i in self.state["instances"]]

    def pids(self) -> list[int]:
        """The supervisor and every process under it."""
        return [self.proc.pid, *descendants(self.proc.pid)] if self.proc else []

    def logs(self, tail: int = 4000) -> str:
        """The end of serve.py's output and of each process's log."""
        parts = []
        for path in [self.workdir / "serve.log", *sorted((self.workdir / "logs").glob("*.log"))]:
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-tail:]}")
        return "\n".join(parts)

    def stop(self, timeout: float = 40) -> int | None:
        """SIGTERM to the supervisor, as a service manager would; its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                for pid in self.pids():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
