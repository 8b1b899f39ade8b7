"""Class 3: fill the disk: one file past RLIMIT_FSIZE, then 60 MB files into every writable folder
(the tmpfs home, /tmp and working directory, and the kernel's connection folder, which is on the
host's disk) until refused. No folder may take more than its 256 MB tmpfs."""
CLASS = 3
TARGET = "test_grad"
FULL = ("test_loss", "test_df", "test_dg", "test_dcubic", "test_tanh_neuron_backward")
ANSWERS = {"grad": '''import os, sys

CHUNK = b"\\0" * (1 << 20)
try:
    with open("/tmp/one-big-file", "wb") as fh:
        for _ in range(80):
            fh.write(CHUNK)
    print("BREACH: wrote an 80 MB file")
except OSError as error:
    print("80 MB file refused:", type(error).__name__)
for name in ("/tmp/one-big-file",):
    try:
        os.remove(name)
    except OSError:
        pass
connection = os.path.dirname(sys.argv[sys.argv.index("-f") + 1]) if "-f" in sys.argv else None
for folder in filter(None, ["/home/student", "/tmp", os.getcwd(), connection]):
    written, i = 0, 0
    try:
        while written < (320 << 20):
            with open(os.path.join(folder, f"fill-{i}"), "wb") as fh:
                for _ in range(60):
                    fh.write(CHUNK)
                    written += len(CHUNK)
            i += 1
    except OSError as error:
        pass
    print(f"{folder}: {written >> 20} MB written")
    if written > (256 << 20):
        print(f"BREACH: {written >> 20} MB written in {folder}, beyond any tmpfs limit")
    for j in range(i + 1):
        try:
            os.remove(os.path.join(folder, f"fill-{j}"))
        except OSError:
            pass

def grad(w, x, y):
    return 0.0 * x
'''}
