"""The gateway in a process of its own, for the tests that weigh its memory or stop it with a signal.

``GatewayProcess(upstream_target, *options)`` runs the real command, ``python -m yc_contracts gateway --listen
127.0.0.1:0 --upstream TARGET *options``, and waits for its ``listening on http://HOST:PORT`` line. It gives its
resident memory (``rss()``; on Linux also the kernel's high-water mark, ``peak_rss()``, which
``reset_peak()`` starts again), ``sigterm()`` / ``terminate()`` (SIGTERM; the latter waits for the exit code),
``poll()``, and what it wrote (``stdout()``, ``stderr()``). Leaving the ``with`` block stops it: SIGTERM, then
SIGKILL if it has not exited in time. :class:`RssSampler` follows its peak RSS while a test runs.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any, Final

import psutil

START_TIMEOUT: Final = 30.0
"""Seconds a child may take to print the line that says it is ready."""

STOP_TIMEOUT: Final = 15.0
"""Seconds a stopped child may take to exit before it is killed."""

_SRC: Final = Path(__file__).resolve().parents[2] / "src"


class ChildProcess:
    """A child process that prints a line matching ``ready`` (its first group is kept as ``address``) once it
    serves."""

    def __init__(self, argv: list[str], ready: str) -> None:
        self.argv = argv
        self.address = ""
        self._ready = re.compile(ready)
        self._popen: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stdout: list[str] = []
        self._reader: threading.Thread | None = None

    def __enter__(self) -> Any:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_SRC), env.get("PYTHONPATH", "")) if p)  # this tree's code
        env["PYTHONUNBUFFERED"] = "1"
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8")  # closed in __exit__
        self._popen = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL, text=True, env=env
        )
        self._reader = threading.Thread(target=self._read_stdout, args=(self._popen.stdout,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.address:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            found = self._ready.search(line or "")
            if found:
                self.address = found.group(1)
            elif line is None:
                self.__exit__()
                raise RuntimeError(f"the child did not start: {self.argv}\n{self.stderr()}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._popen is not None and self._popen.poll() is None:
            self._popen.send_signal(signal.SIGTERM)
            try:
                self._popen.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._popen.kill()
                self._popen.wait(STOP_TIMEOUT)
        if self._reader is not None:
            self._reader.join(STOP_TIMEOUT)
        if self._popen is not None and self._popen.stdout is not None:
            self._popen.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _read_stdout(self, stream: IO[str] | None) -> None:
        if stream is not None:
            with contextlib.suppress(ValueError, OSError):  # closed under us at teardown
                for line in stream:
                    self._stdout.append(line)
                    self._lines.put(line)
        self._lines.put(None)

    @property
    def pid(self) -> int:
        assert self._popen is not None, "the child is not started"
        return self._popen.pid

    def sigterm(self) -> None:
        """Send SIGTERM, what a process manager does to stop a server (without waiting for it to exit)."""
        assert self._popen is not None, "the child is not started"
        self._popen.send_signal(signal.SIGTERM)

    def terminate(self, timeout: float = STOP_TIMEOUT) -> int:
        """Send SIGTERM and wait for the exit code (and for the rest of its output).

        Raises:
            subprocess.TimeoutExpired: it is still running after ``timeout`` seconds.
        """
        self.sigterm()
        assert self._popen is not None
        code = self._popen.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        return code

    def poll(self) -> int | None:
        """The exit code, or ``None`` while it runs."""
        assert self._popen is not None, "the child is not started"
        return self._popen.poll()

    def stdout(self) -> str:
        """What the child has written to its standard output so far."""
        return "".join(self._stdout)

    def stderr(self) -> str:
        """What the child has written to its standard error so far."""
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read()

    # ----------------------------------------------------------------------------------------------- memory

    def rss(self) -> int:
        """The process's resident set size now, in bytes."""
        return int(psutil.Process(self.pid).memory_info().rss)

    def reset_peak(self) -> bool:
        """Start the kernel's peak-RSS count again from the current RSS (Linux); whether that was possible."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def peak_rss(self) -> int | None:
        """The highest resident set size since start or :meth:`reset_peak`, in bytes (Linux's ``VmHWM``), or
        ``None`` where the kernel does not tell."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        return int(found.group(1)) * 1024 if found else None


class GatewayProcess(ChildProcess):
    """``yc-contracts gateway`` over one upstream (the real command); ``url`` is where it listens."""

    def __init__(self, upstream: str, *options: str) -> None:
        argv = [sys.executable, "-m", "yc_contracts", "gateway", "--listen", "127.0.0.1:0", "--upstream", upstream]
        super().__init__([*argv, *options], r"listening on (http://\S+)")

    def __enter__(self) -> GatewayProcess:
        super().__enter__()
        return self

    @property
    def url(self) -> str:
        return self.address


class RssSampler:
    """The highest RSS of a child seen by polling it every ``interval`` seconds on a thread (a portable stand-in
    for ``VmHWM``, which it also reads where the kernel has it)."""

    def __init__(self, child: ChildProcess, interval: float = 0.005) -> None:
        self.child = child
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self.peak = self.child.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5.0)
        self.peak = self.peak_so_far()

    def peak_so_far(self) -> int:
        """The highest RSS seen up to now (sampled, or the kernel's count where it has one)."""
        return max(self.peak, self.child.peak_rss() or 0)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, self.child.rss())
