"""Real PostgreSQL and a real Chroma server on 127.0.0.1 for the scale-out tests,
started by the suite itself (`make test` installs Debian's postgresql; Chroma's server
ships in the chromadb package). Both live in temporary folders and stop with the
session."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DB_NAME = "guidebot"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """A throwaway cluster that can be stopped and started again (same data, same
    port). As root the server runs as the postgres user (PostgreSQL refuses root)."""

    def __init__(self) -> None:
        binaries = postgres_bin()
        if binaries is None:
            raise FileNotFoundError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.binaries = binaries
        # its own folder under the system temp dir: the postgres user cannot enter pytest's
        self.base = Path(tempfile.mkdtemp(prefix="guidebot-pg-"))
        self.data = self.base / "pgdata"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        subprocess.run([*self.as_user, str(binaries / "initdb"), "-D", str(self.data), "-A", "trust",
                        "-U", "guidebot", "-E", "UTF8", "--locale=C"], check=True, capture_output=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.url = f"postgresql+psycopg://guidebot@127.0.0.1:{self.port}/{DB_NAME}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [*self.as_user, str(self.binaries / "postgres"), "-D", str(self.data), "-p", str(self.port),
             "-h", "127.0.0.1", "-k", str(self.base)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port, self.process, "postgres")
        for _ in range(50):
            made = subprocess.run([str(self.binaries / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                                   "-U", "guidebot", DB_NAME], capture_output=True, text=True)
            if made.returncode == 0 or "already exists" in made.stderr:
                return
            time.sleep(0.2)

    def stop(self) -> None:
        """A fast shutdown (open connections are cut, as when a server goes down)."""
        if self.process is not None:
            subprocess.run([*self.as_user, str(self.binaries / "pg_ctl"), "stop", "-D", str(self.data),
                            "-m", "fast", "-w"], capture_output=True, timeout=60)
            self.process.wait(30)
            self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """A running throwaway cluster; yields its SQLAlchemy URL."""
    server = PostgresServer()
    try:
        server.start()
        yield server.url
    finally:
        server.remove()


@contextmanager
def chroma_server(base: Path, port: int | None = None) -> Iterator[tuple[str, int]]:
    """`chroma run` from the installed chromadb; yields (host, port). The same base and
    port start the same server again (its data is kept under base)."""
    chroma = Path(sys.executable).parent / "chroma"
    port = port or free_port()
    server = subprocess.Popen([str(chroma), "run", "--path", str(base / "chroma"), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, server, "chroma")
        yield "127.0.0.1", port
    finally:
        server.terminate()
        server.wait(30)
