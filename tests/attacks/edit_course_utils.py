"""Class 3: open course_utils, the venv's site-packages and the standard library for writing
(without changing a byte: mode "a", nothing written) and create new files there."""
from pathlib import Path

from _common import no_files_named

CLASS = 3
TARGET = "test_grad"
ANSWERS = {"grad": '''import os, sysconfig
import course_utils, course_utils.testing, numpy

folders = [os.path.dirname(course_utils.__file__), os.path.dirname(numpy.__file__),
           sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"]]
for path in [course_utils.testing.__file__, numpy.__file__, os.__file__]:
    try:
        with open(path, "a"):
            pass
        print("BREACH: writable", path)
    except OSError as error:
        print("read-only:", path, type(error).__name__)
for folder in folders:
    try:
        with open(os.path.join(folder, "bbhattack_marker.py"), "x") as fh:
            fh.write("# an attack wrote this\\n")
        print("BREACH: created a file in", folder)
    except OSError as error:
        print("refused:", folder, type(error).__name__)
    try:
        os.utime(folder)
        print("BREACH: touched", folder)
    except OSError:
        pass

def grad(w, x, y):
    return 0.0 * x
'''}


def check(course: Path) -> None:
    import sysconfig

    import course_utils
    import numpy

    folders = [Path(course_utils.__file__).parent, Path(numpy.__file__).parent,
               Path(sysconfig.get_paths()["purelib"]), Path(sysconfig.get_paths()["stdlib"])]
    no_files_named(course, "bbhattack_marker.py", *[f / "bbhattack_marker.py" for f in folders])
