"""Real `loupe` subprocesses, with their stderr read line by line as it comes."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

# `run`, `serve` and `status` are registered by importing their module (see tests/test_docs.py).
LOUPE = [sys.executable, "-c", "import loupe.cli.run; from loupe.cli import main; main()"]


class LoupeProcess:
    """`loupe ARGS` in `cwd` with the test's environment; stderr collected as it comes."""

    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [*LOUPE, *args],
            cwd=cwd,
            env={**os.environ, "COLUMNS": "200", **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._queue.put(line)

    def wait_for(self, *words: str, timeout: float = 120) -> str:
        """Return the first stderr line containing all `words` (timeout: a guard only)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None and self._queue.empty():
                    break
                continue
            self.lines.append(line)
            if all(word in line for word in words):
                return line
        raise AssertionError(f"no line with {words} in stderr:\n{''.join(self.lines)}")

    def stop(self, timeout: float = 120) -> int:
        """SIGTERM, then the exit code."""
        self.process.terminate()
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)
