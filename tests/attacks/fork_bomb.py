"""Class 3: a fork bomb, held only a moment (other sandboxes share the uid's process limit): fork
until RLIMIT_NPROC refuses, then let the children go. The kernel carries on; later cells graded."""
CLASS = 3
TARGET = "test_grad"
FULL = ("test_loss", "test_df", "test_dg", "test_dcubic", "test_tanh_neuron_backward")
ANSWERS = {"grad": '''import os, time

read_end, write_end = os.pipe()
children, error = [], None
start = time.monotonic()
while time.monotonic() - start < 6 and len(children) < 1000:
    try:
        pid = os.fork()
    except OSError as e:
        error = e
        break
    if pid == 0:
        os.close(write_end)
        os.read(read_end, 1)  # wait until the parent lets go
        os._exit(0)
    children.append(pid)
os.close(write_end)
for pid in children:
    os.waitpid(pid, 0)
os.close(read_end)
print(f"forked {len(children)} processes, then: {error!r}")
if len(children) > 256:  # RLIMIT_NPROC is 256 processes of the sandbox uid
    print("BREACH: no process limit")

def grad(w, x, y):
    return 0.0 * x
'''}
