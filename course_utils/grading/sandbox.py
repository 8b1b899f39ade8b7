"""Run grading kernels where the instructor's files are not visible.

The kernel process is started in a new mount namespace (``unshare`` from
util-linux, present on every Debian/Ubuntu base image) in which the course
root is covered by an empty tmpfs; only the kernel's working directory, the
``course_utils`` package and the Python prefix (when they live under the
course root) are bound back. The kernel then runs with every capability
dropped (``setpriv``), so it cannot unmount the tmpfs to look underneath.

As root this needs only ``unshare --mount``; an unprivileged user needs user
namespaces (``unshare --user --map-root-user --mount``). Where neither works
the kernel runs unsandboxed and :func:`sandbox_mode` says so, for the log.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys

from jupyter_client.manager import AsyncKernelManager

# Runs inside the new mount namespace: stage the kept folders, cover the
# course root with an empty tmpfs, bind the kept folders back at their own
# paths, then exec the kernel with no capabilities left.
_SCRIPT = r"""
set -e
hide=$1; shift
mount --make-rprivate /
stage=$(mktemp -d); i=0
for d in "$@"; do
  [ "$d" = "--" ] && break
  mkdir "$stage/$i"; mount --bind "$d" "$stage/$i"; i=$((i+1))
done
mount -t tmpfs -o size=1m,mode=755 course-hidden "$hide"
i=0
for d in "$@"; do
  [ "$d" = "--" ] && break
  mkdir -p "$d"; mount --bind "$stage/$i" "$d"; umount "$stage/$i"; rmdir "$stage/$i"; i=$((i+1))
done
rmdir "$stage"
while [ "$1" != "--" ]; do shift; done
shift
exec setpriv --bounding-set=-all --inh-caps=-all --no-new-privs -- "$@"
"""


# Root with CAP_SYS_ADMIN needs only a mount namespace; anyone else (or root in a
# container without that capability) needs a user namespace as well.
_UNSHARE = (["unshare", "--mount"], ["unshare", "--user", "--map-root-user", "--mount"])


_PROBE = 'd=$(mktemp -d); mount -t tmpfs none "$d" && umount "$d"; s=$?; rmdir "$d"; exit $s'


@functools.lru_cache(maxsize=None)
def _unshare_args() -> tuple[str, ...] | None:
    for args in _UNSHARE if os.geteuid() == 0 else _UNSHARE[1:]:
        probe = subprocess.run([*args, "sh", "-c", _PROBE], capture_output=True, text=True, timeout=10)
        if probe.returncode == 0:
            return tuple(args)
    return None


@functools.lru_cache(maxsize=None)
def sandbox_mode() -> str:
    """How grading kernels are isolated on this machine.

    Returns
    -------
    str
        ``"unshare"`` when kernels run with the course directory hidden,
        otherwise ``"none: <reason>"``.
    """
    for tool in ("unshare", "setpriv", "mount"):
        if shutil.which(tool) is None:
            return f"none: `{tool}` not found (it comes with util-linux / mount)"
    if _unshare_args() is None:
        return "none: this machine allows no mount namespace (unshare --mount / --user failed)"
    return "unshare"


def kept_paths(hide: str, workdir: str, extra: tuple[str, ...] = ()) -> list[str]:
    """Folders under `hide` that the kernel still needs: its workdir, course_utils, Python, `extra`."""
    hide = os.path.realpath(hide)
    spec = importlib.util.find_spec("course_utils")
    package = list(spec.submodule_search_locations)[0] if spec and spec.submodule_search_locations else None
    candidates = [workdir, package, sys.prefix, os.path.dirname(os.path.realpath(sys.executable)), *extra]
    kept = []
    for path in candidates:
        if path and os.path.realpath(path).startswith(hide + os.sep):
            kept.append(os.path.realpath(path))
    return kept


def sandbox_command(cmd: list[str], hide: str, workdir: str, extra: tuple[str, ...] = ()) -> list[str]:
    """`cmd` wrapped so that it runs with the folder `hide` covered.

    Parameters
    ----------
    cmd : list of str
        The kernel command.
    hide : str
        The course root to hide.
    workdir : str
        The kernel's working directory; kept visible when it lies under `hide`.
    extra : tuple of str
        Other folders to keep visible (the connection file's).

    Returns
    -------
    list of str
        The wrapped command, or `cmd` itself when no sandbox is available.
    """
    if sandbox_mode() != "unshare":
        return cmd
    keep = kept_paths(hide, workdir, extra)
    return [*_unshare_args(), "sh", "-c", _SCRIPT, "sandbox", os.path.realpath(hide), *keep, "--", *cmd]


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels cannot see the folder :attr:`hide`.

    Set :attr:`hide` (the course root) before starting the kernel; ``None``
    starts kernels as usual.
    """

    hide: str | None = None

    async def _async_pre_start_kernel(self, **kw):
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        if self.hide:
            cmd = sandbox_command(cmd, self.hide, kw.get("cwd") or os.getcwd(),
                                  (os.path.dirname(os.path.abspath(self.connection_file)),))
        return cmd, kw
