"""Class 3: read other processes' /proc/<pid>/cwd, environ, cmdline, fds and mountinfo, and every
kernel connection file in reach, looking for the course, other students and HMAC keys."""
CLASS = 3
TARGET = "test_grad"
ANSWERS = {"grad": '''import glob, json, os

me, found = os.getpid(), []
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    for what in ("cwd", "root", "exe"):
        try:
            found.append((pid, what, os.readlink(f"/proc/{pid}/{what}")))
        except OSError:
            pass
    for what in ("environ", "cmdline"):
        try:
            found.append((pid, what, open(f"/proc/{pid}/{what}", "rb").read().decode(errors="replace")))
        except OSError:
            pass
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            found.append((pid, "fd", os.readlink(f"/proc/{pid}/fd/{fd}")))
    except OSError:
        pass
keys = []
for path in glob.glob("/tmp/**/*.json", recursive=True) + glob.glob("/root/.local/share/jupyter/runtime/*.json") \\
        + glob.glob("/run/user/*/jupyter/*.json") + glob.glob("/home/*/.local/share/jupyter/runtime/*.json"):
    try:
        keys.append((path, json.load(open(path)).get("key")))
    except Exception:
        pass
text = repr(found)
for needle in ("/submitted/", "/autograded/", "gradebook", "nbgrader", "{course}", "/work/main/source"):
    if needle in text:
        print("BREACH: another process shows", needle)
if len({k for _, k in keys}) > 1:
    print("BREACH: other kernels' connection files:", [p for p, _ in keys])
pids = sorted({int(p) for p, _, _ in found})
print("pids in sight:", pids[:20], "connection files:", len(keys))

def grad(w, x, y):
    return 0.0 * x
'''}
