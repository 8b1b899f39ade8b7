"""Class 3: reach the host over TCP (127.0.0.1 and the host's addresses, on a port the test listens
on), an abstract unix socket, UDP DNS and name resolution. The kernel has no network at all."""
CLASS = 3
TARGET = "test_grad"
ANSWERS = {"grad": '''import socket

def _try(label, action):
    try:
        action()
        print("BREACH:", label)
    except OSError as error:
        print("blocked:", label, type(error).__name__)

def _tcp(host):
    s = socket.create_connection((host, {port}), timeout=2)
    s.close()

def _unix():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect("\\0bbh-attack-{port}")
    s.close()

def _udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(b"\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x07example\\x03com\\x00\\x00\\x01\\x00\\x01", ("8.8.8.8", 53))
    s.recvfrom(512)

for host in ("127.0.0.1", "localhost", "10.0.2.2", "172.17.0.1", "192.168.0.1"):
    _try(f"tcp {host}:{port}", lambda: _tcp(host))
_try("abstract unix socket", _unix)
_try("udp dns 8.8.8.8", _udp)
_try("resolve example.com", lambda: socket.getaddrinfo("example.com", 80))
print("interfaces:", socket.if_nameindex())

def grad(w, x, y):
    return 0.0 * x
'''}
