"""Run each grading kernel in a bubblewrap sandbox.

Every kernel that runs student code gets (``bwrap``, Debian's
``bubblewrap``, the sandbox Flatpak uses):

- new pid, net, ipc, uts and mount namespaces, and ``--die-with-parent``:
  no network, no other process in sight, and nothing outlives the kernel
  (the pid namespace dies with it, a ``fork`` + ``setsid`` daemon included);
- a read-only view of the system, the Python install and the virtualenv,
  ``course_utils`` included; the course directory, ``/root`` and every
  other home are not there at all;
- a private, size-limited tmpfs for ``$HOME`` (so ``IPYTHONDIR`` and any
  startup file die with the kernel), ``/tmp`` and the working directory,
  which holds only read-only copies of the assignment's own data files and
  is never copied back;
- an unprivileged uid. As root, bwrap's ``--uid`` would only rename root
  inside a user namespace, so bwrap runs privileged (it must see a Python
  installed under ``/root``, which an unprivileged uid cannot), builds the
  view, and the kernel is then started by ``setpriv`` as a uid of its
  grading process's own (:data:`SANDBOX_UID`, no account) with every
  capability and the bounding set dropped and ``no_new_privs`` set. As any
  other user, bwrap makes an unprivileged user namespace and the kernel
  keeps that user's uid;
- limits (``prlimit``) on address space, processes, file size, open files
  and CPU time.

The kernel talks to the grader over ZeroMQ ``ipc`` sockets in a folder of
its own bound into the sandbox (as root, a 1 MiB tmpfs) (TCP cannot reach into a new network
namespace), and ``JPY_PARENT_PID`` is unset (ipykernel would take the
sandbox's pid namespace for a dead parent and exit; ``--die-with-parent``
does that job). Where no sandbox can be made, :func:`sandbox_problem`
says why and grading refuses unless the TA passed ``--unsafe-no-sandbox``.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

# The kernel's uid: one per grading process, so that the process limit (which Linux counts per
# uid) is a sandbox's own and one student's fork bomb cannot starve a neighbour graded at the
# same time. No account needs to exist for it; it owns nothing outside the sandbox.
UID_RANGE = range(200_000, 300_000)
SANDBOX_UID = UID_RANGE.start + os.getpid() % len(UID_RANGE)
HOME = "/home/student"
WORKDIR = "/home/student/work"
LIMITS = {  # prlimit options: generous for a course notebook, fatal for a fork bomb or a disk filler
    "--as": 6 << 30,        # address space; NumPy and OpenBLAS reserve far more than they touch
    "--nproc": 256,          # processes of the kernel's uid (one per grading process)
    "--fsize": 64 << 20,     # largest file a kernel may write
    "--nofile": 1024,
    "--cpu": 900,            # seconds of CPU for the whole notebook
}
TMPFS_BYTES = {"/tmp": 256 << 20, HOME: 256 << 20}
# Read-only system folders; missing ones are skipped.
SYSTEM = ("/usr", "/etc", "/opt", "/var/cache/fontconfig", "/usr/share/fonts")
LINKS = {"/bin": "usr/bin", "/sbin": "usr/sbin", "/lib": "usr/lib", "/lib64": "usr/lib64"}


@functools.lru_cache(maxsize=None)
def sandbox_problem() -> str | None:
    """Why no grading sandbox can be made on this machine, or None when it can.

    Returns
    -------
    str or None
        A message that says what to install or change.
    """
    for tool, package in (("bwrap", "bubblewrap"), ("setpriv", "util-linux"), ("prlimit", "util-linux")):
        if shutil.which(tool) is None:
            return f"`{tool}` not found: install it (`apt-get install {package}`)"
    probe = subprocess.run(sandbox_command([sys.executable, "-c", "import os; print(os.getuid())"],
                                           tempfile.gettempdir(), []),
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        return f"bubblewrap cannot make a sandbox here: {probe.stderr.strip()[-400:]}"
    return None


def python_paths() -> list[str]:
    """Folders the kernel needs read-only: the Python install, the venv, and course_utils."""
    paths = [os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)]
    for entry in sys.path:  # site-packages and editable installs that live elsewhere
        if entry and os.path.isdir(entry) and "site-packages" in entry:
            paths.append(os.path.realpath(entry))
    spec = importlib.util.find_spec("course_utils")
    if spec and spec.submodule_search_locations:
        paths.append(os.path.realpath(list(spec.submodule_search_locations)[0]))
    unique = []
    for path in sorted(set(paths), key=len):
        if not any(path == p or path.startswith(p + os.sep) for p in unique):
            unique.append(path)
    return unique


def _parents(paths: list[str]) -> list[str]:
    """`--dir` every parent of the bind targets, traversable: bwrap would make them 0700.

    Folders that are mounts of their own here (``/tmp``, the home, the system
    folders) are left alone: their modes are set where they are mounted.
    """
    parents = set()
    for path in paths:
        head = os.path.dirname(path)
        while head not in ("/", "", "/tmp", "/home", HOME):
            if not any(head == m or head.startswith(m + os.sep) for m in SYSTEM):
                parents.add(head)
            head = os.path.dirname(head)
    args = []
    for path in sorted(parents, key=lambda p: (p.count(os.sep), p)):
        args += ["--perms", "0755", "--dir", path]
    return args


def _mounts(conn_dir: str, files: list[str]) -> list[str]:
    """bwrap's mounts, in order: a later mount hides what an earlier one put at or under its path."""
    args = []
    for path in SYSTEM:
        if os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for link, target in LINKS.items():
        if os.path.islink(link):
            args += ["--symlink", target, link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    args += ["--proc", "/proc", "--dev", "/dev"]
    # Owned by root (bwrap makes them), so open to all: the kernel is their only user.
    for path, size in TMPFS_BYTES.items():
        args += ["--perms", "1777", "--size", str(size), "--tmpfs", path]
    # Python, the venv and course_utils after /tmp: a course checked out under /tmp keeps its venv.
    args += _parents([*python_paths(), conn_dir])
    for path in python_paths():
        args += ["--ro-bind", path, path]
    args += ["--perms", "1777", "--size", str(256 << 20), "--tmpfs", WORKDIR]
    for path in files:  # the assignment's data files, read-only, by name
        args += ["--ro-bind", path, os.path.join(WORKDIR, os.path.basename(path))]
    args += ["--bind", conn_dir, conn_dir]
    return args


def sandbox_command(cmd: list[str], conn_dir: str, files: list[str]) -> list[str]:
    """`cmd` wrapped to run in the sandbox.

    Parameters
    ----------
    cmd : list of str
        The kernel command (absolute path to Python first).
    conn_dir : str
        The kernel's own folder for its connection file and ipc sockets,
        bound read-write; writable by the sandbox uid.
    files : list of str
        Regular files (never links) to show read-only in the working directory.

    Returns
    -------
    list of str
        The command to start.
    """
    root = os.geteuid() == 0
    env = {"HOME": HOME, "IPYTHONDIR": f"{HOME}/.ipython", "MPLCONFIGDIR": f"{HOME}/.matplotlib",
           "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "NBGRADER_EXECUTION": "autograde"}
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    if root:
        # setpriv below needs these two to drop to SANDBOX_UID; it then drops them too.
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user", "--disable-userns"]
    args += _mounts(conn_dir, files)
    args += ["--chdir", WORKDIR, "--", "prlimit", *(f"{k}={v}" for k, v in LIMITS.items()), "--"]
    if root:
        args += ["setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return args + cmd


def connection_dir() -> str:
    """A fresh folder for one kernel's connection file and sockets, writable by the sandbox uid.

    The kernel must create its sockets there, so it is the one host folder it can write to.
    As root it is a 1 MiB tmpfs of its own: the kernel cannot fill the host's disk through it.
    """
    path = tempfile.mkdtemp(prefix="bbh-kernel-")
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size=1m,nr_inodes=64,mode=0700,uid={SANDBOX_UID},"
                        f"gid={SANDBOX_UID}", "bbh-kernel", path], check=False, capture_output=True)
        os.chown(path, SANDBOX_UID, SANDBOX_UID)
    os.chmod(path, 0o700)
    return path


def remove_connection_dir(path: str) -> None:
    """Unmount and remove a folder made by :func:`connection_dir`."""
    if os.path.ismount(path):
        subprocess.run(["umount", "--lazy", path], check=False, capture_output=True)
    shutil.rmtree(path, ignore_errors=True)
