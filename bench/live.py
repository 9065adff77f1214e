"""The site running for real, for the benchmark, the load test and the live-server tests:
a free loopback port, a database URL a child process can use, and gunicorn
(config/gunicorn.py) as a context manager that waits until the site answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL naming the same database as a Django connection's settings."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = f"{settings_dict.get('HOST') or '127.0.0.1'}:{settings_dict.get('PORT') or 5432}"
    return f"postgres://{user}{password}@{host}/{settings_dict['NAME']}"


class Gunicorn:
    """gunicorn on a free loopback port with its log kept; entering waits (60 s at most)
    until ready_path answers, and fails with the log's tail when the server exits."""

    def __init__(
        self,
        *,
        env: dict,
        log_path: Path,
        workers: int | None = 2,
        threads: int = 1,
        ready_path: str = "/wiki/",
        access_log: str = "-",
    ):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path)
        self.ready_path = ready_path
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_ACCESS_LOG": access_log,
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
        }
        if workers is not None:  # None: config/gunicorn.py's default (2 × cores + 1)
            self.env["GUNICORN_WORKERS"] = str(workers)
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                raise RuntimeError(f"gunicorn exited:\n{self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base + self.ready_path, timeout=5) as response:
                    if response.status == 200 and self.worker_pids():
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not answer within 60 s:\n{self.log_text()[-3000:]}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        pid = self.proc.pid
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def worker_rss_mb(self) -> list[float]:
        out = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out.append(round(int(line.split()[1]) / 1024, 1))
            except OSError:
                continue
        return out
