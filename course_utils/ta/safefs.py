"""Looking at folders a submission touched without following anything it planted.

A submission (or, before sandboxed grading, a kernel) can leave a symlink,
a FIFO or a device node in ``submitted/`` or ``autograded/``. Opening such a
path would read or overwrite whatever it points at (``gradebook.db``,
``source/``) or hang on a FIFO. So the TA tool

- lists folders with ``os.scandir`` and ``follow_symlinks=False`` (``lstat``),
  treating anything that is not a real folder or a regular file as suspect;
- opens files one path component at a time, each with ``O_NOFOLLOW`` relative
  to the folder opened before it (``dir_fd``), and refuses what ``fstat``
  does not call a regular file;
- writes its own files by ``os.replace`` of a fresh temporary file, which
  replaces a planted symlink instead of writing through it.

The course root itself (where ``nbgrader_config.py`` is) is the TA's and is
trusted; everything below ``submitted/``, ``autograded/`` and ``feedback/`` is
not.
"""
from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class UnsafePath(OSError):
    """A path component is a symlink or not the kind of file expected."""


@dataclass(frozen=True)
class Entry:
    """One entry of a folder, as ``lstat`` sees it."""

    name: str
    kind: str  # "dir", "file", "symlink" or "special"


def kind_of(mode: int) -> str:
    """``dir``, ``file``, ``symlink`` or ``special`` for an ``lstat`` mode."""
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "special"


def lkind(path: Path) -> str | None:
    """The kind of ``path`` itself (a symlink is ``symlink``), or None when it does not exist."""
    try:
        return kind_of(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None


def entries(folder: Path) -> list[Entry]:
    """The entries of ``folder`` sorted by name, never following a symlink.

    ``folder`` itself must be a real folder (checked with ``lstat``); an
    empty list when it does not exist.
    """
    kind = lkind(folder)
    if kind is None:
        return []
    if kind != "dir":
        raise UnsafePath(f"{folder} is a {kind}, not a folder")
    found = []
    with os.scandir(folder) as it:
        for e in it:
            try:
                found.append(Entry(e.name, kind_of(e.stat(follow_symlinks=False).st_mode)))
            except FileNotFoundError:  # removed while we looked
                continue
    return sorted(found, key=lambda e: e.name)


def unsafe_entries(folder: Path, limit: int = 20) -> list[tuple[str, str]]:
    """Every symlink or special file below ``folder``, as ``(relative path, kind)``.

    Walks without following links; stops after ``limit`` findings.
    """
    found: list[tuple[str, str]] = []
    stack = [Path()]
    while stack and len(found) < limit:
        rel = stack.pop()
        for e in entries(folder / rel):
            if e.kind == "dir":
                stack.append(rel / e.name)
            elif e.kind != "file":
                found.append((str(rel / e.name), e.kind))
    return sorted(found)


def _check_parts(parts: tuple[str, ...]) -> None:
    if not parts:
        raise ValueError("no path given")
    for p in parts:
        if not p or p in (".", "..") or "/" in p or "\0" in p:
            raise ValueError(f"not a single path component: {p!r}")


def open_nofollow(root: Path, *parts: str) -> int:
    """Open ``root/parts...`` for reading, refusing a symlink at every component.

    Parameters
    ----------
    root : Path
        A trusted folder (the course root).
    *parts : str
        Single path components below it, e.g. ``"autograded", student,
        assignment, "integrity.json"``.

    Returns
    -------
    int
        A file descriptor of a regular file (the caller closes it).

    Raises
    ------
    FileNotFoundError
        A component does not exist.
    UnsafePath
        A component is a symlink, a folder is not a folder, or the file is
        not a regular file (a FIFO, a device).
    """
    _check_parts(parts)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in parts[:-1]:
            try:
                nxt = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as e:
                raise _why(e, fd, name) from None
            os.close(fd)
            fd = nxt
        try:
            out = os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
        except OSError as e:
            raise _why(e, fd, parts[-1]) from None
    finally:
        os.close(fd)
    if not stat.S_ISREG(os.fstat(out).st_mode):
        os.close(out)
        raise UnsafePath(f"{'/'.join(parts)} is not a regular file")
    return out


def _why(error: OSError, dir_fd: int, name: str) -> OSError:
    """Turn the errno of a refused ``O_NOFOLLOW`` open into an :class:`UnsafePath`."""
    if isinstance(error, FileNotFoundError):
        return error
    try:
        kind = kind_of(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return error
    if kind in ("symlink", "special") or (kind == "file" and error.errno == 20):  # ENOTDIR
        return UnsafePath(f"{name} is a {kind}")
    return error


def read_bytes(root: Path, *parts: str, limit: int = 64 * 2**20) -> bytes:
    """The content of ``root/parts...`` read through :func:`open_nofollow`, at most ``limit`` bytes.

    Raises
    ------
    UnsafePath
        As :func:`open_nofollow`, or the file is larger than ``limit``.
    """
    fd = open_nofollow(root, *parts)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise UnsafePath(f"{'/'.join(parts)} is larger than {limit} bytes")
    return data


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` by replacing it with a new file (a planted symlink is replaced, not followed).

    The folder of ``path`` must be a real folder, created if missing.
    """
    folder = path.parent
    kind = lkind(folder)
    if kind is None:
        folder.mkdir(parents=True)
    elif kind != "dir":
        raise UnsafePath(f"{folder} is a {kind}, not a folder")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
