"""Loaders run in a child process, so one hostile file cannot hang or sink an ingest run.

Parsers (pypdf, lxml, openpyxl, python-docx) have no reliable time limit, and a file
can be built to make them spin for minutes or grow to gigabytes. A thread cannot be
stopped; a process can. One long-lived child (`python -m ingest.loaders.isolated`: a
fresh interpreter, so none of the parent's threads or locks, and no re-import of the
caller's main script as multiprocessing's spawn would do) loads files one at a time
under an address-space limit; when a file takes longer than `timeout_s` the child is
killed, the file fails with a one-line reason, and the next file gets a fresh child.
"""

from __future__ import annotations

import atexit
import importlib
import os
import subprocess
import sys
import threading
import traceback
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.document import LoadedDocument, LoadError

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not on this platform: the timeout still holds
        pass


def _load_path(path: Path) -> LoadedDocument:
    from ingest.loaders import loader_for

    loader = loader_for(path)
    if loader is None:
        raise LoadError(f"unsupported file type '{path.suffix}'")
    return loader(path)


def _run_one(request: object, memory_mb: int) -> tuple[str, object]:
    """A request is a path to load, or (target, args): `module:function` called with
    args (other parsers of files, e.g. question banks, named by the caller so that
    this module imports nothing above it)."""
    too_big = f"reading it needs more than {memory_mb} MB of memory (load_memory_mb)"
    try:
        if isinstance(request, tuple):
            target, args = request
            module, _, function = str(target).partition(":")
            return ("ok", getattr(importlib.import_module(module), function)(*args))
        return ("ok", _load_path(Path(str(request))))
    except LoadError as exc:
        return ("failed", str(exc))
    except MemoryError:
        return ("failed", too_big)
    except RecursionError:
        return ("failed", "the file is nested too deeply to read")
    except Exception as exc:  # a parser bug on a hostile file
        if os.environ.get("GUIDEBOT_DEBUG"):
            traceback.print_exc()  # to stderr, which the child shares with the command
        return ("failed", f"could not read the file ({exc.__class__.__name__})")


def _serve(memory_mb: int) -> None:
    """The child: load each path it is sent and send back the document or a reason.
    Requests come on stdin, replies go on what was stdout; anything a library prints
    goes to stderr instead, so it cannot corrupt a reply."""
    replies = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    requests = Connection(os.dup(0), writable=False)
    _limit_memory(memory_mb)
    import ingest.loaders  # noqa: F401  (parsers imported once, before the first file)

    while True:
        try:
            request = requests.recv()
        except EOFError:
            return
        reply = _run_one(request, memory_mb)
        try:
            replies.send(reply)
        except MemoryError:
            replies.send(("failed", f"reading it needs more than {memory_mb} MB of memory (load_memory_mb)"))


class LoaderProcess:
    """A child process that runs loaders with a time and memory limit per file."""

    def __init__(self, timeout_s: float, memory_mb: int) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._requests: Connection | None = None
        self._replies: Connection | None = None

    def load(self, path: Path) -> LoadedDocument:
        """The loaded document, or LoadError with a reason a content owner can act on."""
        value = self._ask(str(path))
        if not isinstance(value, LoadedDocument):
            raise LoadError("the reader sent back something else")
        return value

    def call(self, target: str, *args: object) -> object:
        """`module:function`(*args) in the child, under the same limits; what it returns
        must pickle. LoadError (with a reason) when it fails, runs too long or crashes."""
        return self._ask((target, args))

    def _ask(self, request: object) -> object:
        with self._lock:
            requests, replies = self._start()
            try:
                requests.send(request)
                ready = replies.poll(self.timeout_s)
                status, value = replies.recv() if ready else ("timeout", None)
            except (EOFError, OSError):  # the child died: out of memory, or a crash in C
                self._stop()
                raise LoadError(
                    f"the reader crashed on it (it may need more than {self.memory_mb} MB of memory)"
                ) from None
            if status == "timeout":
                self._stop()
                raise LoadError(
                    f"reading it took longer than {self.timeout_s:g} s (load_timeout_s); "
                    "the file may be malformed"
                )
        if status == "ok":
            return value
        raise LoadError(str(value))

    def _start(self) -> tuple[Connection, Connection]:
        if (self._process is not None and self._process.poll() is None
                and self._requests is not None and self._replies is not None):
            return self._requests, self._replies
        self._stop()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH")) if p)}
        process = subprocess.Popen(
            [sys.executable, "-m", "ingest.loaders.isolated", str(self.memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )
        assert process.stdin is not None and process.stdout is not None
        self._requests = Connection(os.dup(process.stdin.fileno()), readable=False)
        self._replies = Connection(os.dup(process.stdout.fileno()), writable=False)
        process.stdin.close()
        process.stdout.close()
        self._process = process
        return self._requests, self._replies

    def _stop(self) -> None:
        for conn in (self._requests, self._replies):
            if conn is not None:
                conn.close()
        if self._process is not None:
            self._process.kill()
            self._process.wait(5)
        self._process, self._requests, self._replies = None, None, None

    def close(self) -> None:
        with self._lock:
            self._stop()


_SHARED: dict[tuple[float, int], LoaderProcess] = {}
_SHARED_LOCK = threading.Lock()


def shared_loader(timeout_s: float, memory_mb: int) -> LoaderProcess:
    """One loader process per limits, reused across ingest runs in this process: the
    child's start (imports of every parser) is paid once."""
    with _SHARED_LOCK:
        key = (timeout_s, memory_mb)
        if key not in _SHARED:
            _SHARED[key] = LoaderProcess(timeout_s, memory_mb)
        return _SHARED[key]


@atexit.register
def _close_shared() -> None:
    for worker in _SHARED.values():
        worker.close()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
