"""A plain-text progress bar on stderr (no dependency)."""
from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class ProgressBar:
    """``label [#####-----] done/total  elapsed, ~left``, thread-safe.

    On a terminal the line is redrawn in place; in a log file (CI) a new line
    is written at most once per tenth of the work, so the log stays short.

    Parameters
    ----------
    total : int
        Units of work expected; :meth:`grow` adds more (a regrade).
    label : str
        What is being counted.
    stream : text stream, optional
        Where to draw (default: stderr).
    """

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total, self.done, self.label = total, 0, label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self._lock = threading.Lock()
        self._last_tenth = -1
        self._draw()

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more units as done."""
        with self._lock:
            self.done = min(self.total, self.done + n)
            self._draw()

    def grow(self, n: int) -> None:
        """Expect ``n`` more units of work."""
        with self._lock:
            self.total += n
            self._draw()

    def close(self) -> None:
        """Finish the line."""
        with self._lock:
            if self.tty:
                self.stream.write("\n")
            elif self._last_tenth < 10:
                self._last_tenth = -1
                self._draw()
            self.stream.flush()

    def _draw(self) -> None:
        tenth = 10 * self.done // max(self.total, 1)
        if not self.tty and tenth == self._last_tenth:
            return
        self._last_tenth = tenth
        width = 30
        filled = width * self.done // max(self.total, 1)
        elapsed = time.monotonic() - self.start
        left = f", ~{_clock(elapsed / self.done * (self.total - self.done))} left" if 0 < self.done < self.total else ""
        line = f"{self.label} [{'#' * filled}{'-' * (width - filled)}] {self.done}/{self.total}  {_clock(elapsed)}{left}"
        self.stream.write(f"\r{line}\x1b[K" if self.tty else line + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"
