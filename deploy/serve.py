"""The production shape on this machine: nginx in front of gunicorn instances, and mail senders.

    .venv/bin/python deploy/serve.py            # what `make serve` runs, after the set-up

nginx listens on 127.0.0.1:$PORT (8000) and spreads requests over $INSTANCES (1) gunicorn
instances (gunicorn.conf.py, each on a free loopback port), with $SENDERS (1) outbox senders
(`flask --app wsgi mail send --loop`) beside them. Every FLASK_… variable reaches all of them;
FLASK_RATELIMIT_ENABLED=false also switches off nginx's POST limit. nginx's files (the config
filled in from deploy/nginx.conf, temp files, the page cache) live in instance/nginx/.

This script supervises them: Ctrl-C or SIGTERM stops everything (nginx first, so no request
arrives at a stopping instance), and so does any of them exiting on its own (the script then
exits 1). Children are also told to stop if this script is killed outright, and it stops when
its own parent (make) is killed (Linux's PR_SET_PDEATHSIG), so nothing is left behind.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
FALSE = {"false", "0", "no", "off"}


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line, with defaults from the environment (PORT, INSTANCES, SENDERS)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000),
                   help="nginx's port on 127.0.0.1 (env PORT, default 8000)")
    p.add_argument("--instances", type=int, default=int(os.environ.get("INSTANCES") or 1),
                   help="gunicorn instances (env INSTANCES, default 1)")
    p.add_argument("--senders", type=int, default=int(os.environ.get("SENDERS") or 1),
                   help="outbox senders (env SENDERS, default 1)")
    p.add_argument("--mail-interval", type=float, default=float(os.environ.get("MAIL_INTERVAL") or 0),
                   help="seconds an idle sender waits before looking again (env MAIL_INTERVAL; "
                        "default: the app's FLASK_MAIL_POLL_SECONDS)")
    p.add_argument("--prefix", default=os.environ.get("NGINX_PREFIX") or str(ROOT / "instance" / "nginx"),
                   help="nginx's directory (default instance/nginx)")
    p.add_argument("--logs", default="",
                   help="write each process's output to a file in this directory (default: this terminal)")
    p.add_argument("--state", default="",
                   help="write the addresses and process ids as JSON to this file once all is up")
    p.add_argument("--wsgi", default="wsgi:app",
                   help="the WSGI app gunicorn serves (default wsgi:app; bench/viral.py serves its bare "
                        "Flask baseline, bench.bare_app:app, the same way)")
    p.add_argument("--access-log", action="store_true",
                   help="nginx access log in the prefix directory (gunicorn's goes to its output)")
    return p.parse_args(argv)


def app_environment(port: int) -> dict[str, str]:
    """The environment for gunicorn and the senders: ours, with the proxy's defaults."""
    env = dict(os.environ)
    env.setdefault("FLASK_PROXY_COUNT", "1")  # nginx is the one proxy in front
    return env


def limits_enabled(env: dict[str, str]) -> bool:
    """FLASK_RATELIMIT_ENABLED as the app reads it (JSON false / 0 switch it off)."""
    return env.get("FLASK_RATELIMIT_ENABLED", "true").strip().lower() not in FALSE


def write_nginx_config(prefix: Path, port: int, upstream_ports: list[int], env: dict[str, str],
                       access_log: bool) -> Path:
    """Fill in deploy/nginx.conf and deploy/nginx-locations.conf into `prefix`."""
    for sub in ("tmp", "cache"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    values = {
        "PREFIX": str(prefix),
        "ROOT": str(ROOT),
        "LISTEN": f"127.0.0.1:{port}",
        "UPSTREAMS": "\n".join(f"        server 127.0.0.1:{p};" for p in upstream_ports),
        "LIMIT_POSTS": ("limit_req zone=posts burst=20 nodelay;" if limits_enabled(env)
                        else "# limit_req off: FLASK_RATELIMIT_ENABLED=false"),
        "ACCESS_LOG": str(prefix / "access.log") if access_log else "off",
        "SESSION_COOKIE": env.get("FLASK_SESSION_COOKIE_NAME", "session"),
        # As root, nginx's workers would run as nobody, who may not reach this checkout.
        "USER": "user root;" if os.geteuid() == 0 else "",
    }
    for source, target in (("nginx.conf", "nginx.conf"), ("nginx-locations.conf", "locations.conf")):
        text = (DEPLOY / source).read_text()
        for key, value in values.items():
            text = text.replace(f"@{key}@", value)
        (prefix / target).write_text(text)
    return prefix / "nginx.conf"


def term_with_parent() -> None:
    """Get SIGTERM when the parent process dies (Linux's PR_SET_PDEATHSIG; elsewhere nothing)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _child_setup() -> None:
    """In a child, before exec: its own session, stopped when the supervisor dies."""
    os.setsid()  # a Ctrl-C in the terminal reaches the supervisor only, which stops all in order
    term_with_parent()


class Supervisor:
    """Starts the processes, watches them, and stops them all."""

    def __init__(self, logs: str):
        self.procs: list[tuple[str, subprocess.Popen, int]] = []  # (name, process, stop signal)
        self.logs = Path(logs) if logs else None
        if self.logs:
            self.logs.mkdir(parents=True, exist_ok=True)
        self.stopping = False

    def start(self, name: str, cmd: list[str], env: dict[str, str], stop_signal: int = signal.SIGTERM):
        """Start one child process (its output to this terminal, or to logs/<name>.log)."""
        out = (self.logs / f"{name}.log").open("ab") if self.logs else None
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT if out else None,
                                preexec_fn=_child_setup)
        if out:
            out.close()
        self.procs.append((name, proc, stop_signal))
        return proc

    def dead(self) -> str | None:
        """The name and exit code of a child that has exited, if any."""
        for name, proc, _ in self.procs:
            if proc.poll() is not None:
                return f"{name} exited with {proc.returncode}"
        return None

    def stop(self, timeout: float = 25) -> None:
        """Stop every child, in the order they were started (nginx is started last but stopped
        first, see serve()), then kill whatever is still there after `timeout` seconds."""
        self.stopping = True
        for _name, proc, sig in self.procs:
            if proc.poll() is None:
                try:
                    proc.send_signal(sig)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for _name, proc, _ in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_http(url: str, proc: subprocess.Popen, seconds: float = 60) -> bool:
    """True once `url` answers 200; False if `proc` exits or time runs out first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    return False


def serve(args: argparse.Namespace) -> int:
    """Start the shape, wait for a signal or a death, stop it all; the exit status."""
    term_with_parent()  # make (or the shell) killed: stop everything too
    if not os.path.exists(NGINX):
        print("nginx is not installed (Debian: apt-get install nginx)", file=sys.stderr)
        return 2
    env = app_environment(args.port)
    if args.instances > 1 and env.get("FLASK_RATELIMIT_STORAGE_URI", "memory://").startswith("memory"):
        print("warning: several instances with FLASK_RATELIMIT_STORAGE_URI=memory:// count rate "
              "limits per process; set it to redis://…", file=sys.stderr)
    ports = [free_port() for _ in range(args.instances)]
    config = write_nginx_config(Path(args.prefix).resolve(), args.port, ports, env, args.access_log)

    received: list[int] = []

    def on_signal(signum, frame):
        received.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    sup = Supervisor(args.logs)
    nginx_cmd = [NGINX, "-e", "stderr", "-p", str(config.parent), "-c", str(config)]
    check = subprocess.run([*nginx_cmd, "-t", "-q"], capture_output=True, text=True)
    if check.returncode:
        print(f"nginx refuses {config}:\n{check.stderr}", file=sys.stderr)
        return 2
    state = {"url": f"http://127.0.0.1:{args.port}", "supervisor": os.getpid(), "instances": [],
             "senders": [], "nginx": None, "prefix": str(config.parent)}
    try:
        gunicorns = []
        for i, port in enumerate(ports, 1):
            proc = sup.start(f"site-{i}", [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
                                           "-b", f"127.0.0.1:{port}", args.wsgi],
                             {**env, "GUNICORN_NAME": f"campaign-site-{i}"})
            gunicorns.append((port, proc))
        for port, proc in gunicorns:
            if received or not wait_http(f"http://127.0.0.1:{port}/healthz", proc):
                raise SystemExit(sup.dead() or "interrupted, or an instance did not answer /healthz in 60 s")
            state["instances"].append({"port": port, "pid": proc.pid})
        for i in range(1, args.senders + 1):
            interval = ["--interval", str(args.mail_interval)] if args.mail_interval else []
            proc = sup.start(f"sender-{i}", [str(VENV_BIN / "flask"), "--app", "wsgi", "mail", "send", "--loop",
                                             *interval], env)
            state["senders"].append(proc.pid)
        # nginx last, stopped first (graceful: it finishes the requests in flight).
        proc = sup.start("nginx", nginx_cmd, env, stop_signal=signal.SIGQUIT)
        sup.procs.insert(0, sup.procs.pop())
        state["nginx"] = proc.pid
        if received or not wait_http(f"{state['url']}/healthz", proc, 20):
            raise SystemExit(sup.dead() or "interrupted, or nginx did not answer in 20 s")
        if args.state:
            Path(args.state).write_text(json.dumps(state))
        print(f"serving on {state['url']} (nginx) → {len(ports)} gunicorn instance(s) on ports "
              f"{', '.join(map(str, ports))}, {args.senders} mail sender(s); Ctrl-C stops", flush=True)
        while not received:
            died = sup.dead()
            if died:
                raise SystemExit(died)
            time.sleep(0.2)
        return 0
    except SystemExit as exc:
        print(f"stopping: {exc}", file=sys.stderr)
        return 0 if received else 1
    finally:
        sup.stop()


if __name__ == "__main__":
    sys.exit(serve(parse_args()))
