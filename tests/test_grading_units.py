"""The grading engine's parts, one at a time: the wire format, literal answers,
safe feedback, link refusal, and the bubblewrap sandbox itself."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from course_utils.grading import sandbox, wire
from course_utils.grading.answers import AnswerError, read_answers
from course_utils.grading.feedback import clean_markdown, clean_output
from course_utils.grading.safefs import unsafe_entries, write_new
from course_utils.grading.verdict import judge_cell
from nbformat import NotebookNode


# ---------------------------------------------------------------- wire
def test_plain_data_round_trips_with_types():
    value = {"W1": np.arange(6.0).reshape(2, 3), "n": 3, "lr": 0.5, "ok": True, "none": None,
             "pair": (np.float64(2.5), [1, "a"]), "names": {"W1", "b2"}, 7: np.int64(4)}
    back = wire.loads(wire.dumps(value))
    assert back.keys() == value.keys()
    assert back["W1"].dtype == np.float64 and np.array_equal(back["W1"], value["W1"])
    assert type(back["pair"]) is tuple and type(back["pair"][0]) is np.float64 and back["names"] == {"W1", "b2"}
    assert type(back["ok"]) is bool and type(back["n"]) is int and back[7] == 4


@pytest.mark.parametrize("value", [object(), np.array([object()]), np.array(["a"]), lambda x: x,
                                   type("Lying", (str,), {"__eq__": lambda s, o: True})("A")])
def test_what_is_not_plain_data_cannot_be_sent(value):
    with pytest.raises(wire.WireError):
        wire.dumps(value)


def test_a_str_subclass_crosses_as_a_plain_str_when_kept_by_handle():
    kept = []
    lying = type("Lying", (str,), {"__eq__": lambda s, o: True})("A")
    assert wire.encode(lying, keep=lambda v: kept.append(v) or {"$h": [0, "Lying"]}) == {"$h": [0, "Lying"]}


@pytest.mark.parametrize("text", [
    json.dumps({"$nd": "not base64!"}),
    json.dumps({"$pickle": "x"}),
    json.dumps({"$nd": "", "extra": 1}),
    "[" * 5000 + "]" * 5000,
    json.dumps({"$dict": [[[1], 2]]}),
])
def test_malformed_messages_are_refused(text):
    with pytest.raises(wire.WireError):
        wire.loads(text)


def test_a_pickled_array_is_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    import base64
    with pytest.raises(wire.WireError, match="unreadable|numbers"):
        wire.loads(json.dumps({"$nd": base64.b64encode(buffer.getvalue()).decode()}))


def test_an_oversized_message_is_not_parsed(monkeypatch):
    monkeypatch.setattr(wire, "MAX_BYTES", 100)
    with pytest.raises(wire.WireError, match="too large"):
        wire.loads(json.dumps(list(range(100))))


# ---------------------------------------------------------------- answers
def test_answers_are_literals_of_exactly_their_type():
    cells = ['q1_answer = "A"\nq1_answer = "B"', 'q2_answer = "C".lower()', "q3_answer = 3",
             "buggy = {'W1', 'b2'}", "broken = ("]
    got = read_answers(cells, {"q1_answer": str, "q2_answer": str, "q3_answer": str, "buggy": set,
                               "q4_answer": str})
    assert got["q1_answer"] == "B" and got["buggy"] == {"W1", "b2"}
    assert isinstance(got["q2_answer"], AnswerError) and "literal" in str(got["q2_answer"])
    assert isinstance(got["q3_answer"], AnswerError) and "must be a str" in str(got["q3_answer"])
    assert isinstance(got["q4_answer"], AnswerError) and "not attempted" in str(got["q4_answer"])


# ---------------------------------------------------------------- verdict
class _Names:
    def __init__(self, **names):
        self.__dict__.update(names)


def test_a_hidden_failure_shows_what_failed_but_no_expected_value():
    from course_utils.testing import assert_close

    def hidden(nb):
        assert_close(nb.f(np.array([1.0, 2.0])), np.array([123456.0, 654321.0]), "f(x) at random points")

    verdict = judge_cell("assert f(0.0) == 0.0\nprint('visible ok')", hidden, _Names(f=lambda x: 0 * x))
    assert not verdict.passed and verdict.stdout == "visible ok\n"
    assert "f(x) at random points" in verdict.evalue
    assert "123456" not in verdict.evalue and "654321" not in verdict.evalue


def test_visible_tests_see_only_the_students_names_and_the_helpers():
    verdict = judge_cell("assert_close(g(2.0), 4.0, 'g(2)')\nassert np.pi > 3 and math.e > 2", None,
                         _Names(g=lambda x: x * x))
    assert verdict.passed
    verdict = judge_cell("loss(1.0)", None, _Names())
    assert not verdict.passed and verdict.ename == "AttributeError"


# ---------------------------------------------------------------- feedback
def test_markdown_loses_scripts_handlers_and_remote_loads():
    dirty = ('<img src=x onerror="document.title=1"> <script>document.title=2</script> '
             '<a href="javascript:alert(1)">x</a> [y](javascript:alert(2)) ![z](http://example.com/t.png) '
             '<svg onload="alert(3)"></svg> <details><summary>Hint 1</summary>**b**</details>')
    clean = clean_markdown(dirty)
    for bad in ("onerror", "<script", "javascript:", "http://example.com", "<svg", "onload"):
        assert bad not in clean
    assert "<details><summary>Hint 1</summary>**b**</details>" in clean


def test_outputs_keep_only_text_and_raster_images():
    out = NotebookNode(output_type="display_data", metadata={}, data={
        "text/html": "<script>x()</script>", "application/javascript": "x()", "image/svg+xml": "<svg/>",
        "image/png": "iVBOR", "text/plain": "<IPython.core.display.HTML object>"})
    assert set(clean_output(out).data) == {"image/png", "text/plain"}
    html_only = NotebookNode(output_type="display_data", metadata={}, data={"text/html": "<b>x</b>"})
    assert list(clean_output(html_only).data) == ["text/plain"]


# ---------------------------------------------------------------- links
def test_links_and_special_files_are_found_never_followed(tmp_path):
    (tmp_path / "ok.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    os.symlink("/etc/passwd", tmp_path / "sub" / "link")
    os.mkfifo(tmp_path / "fifo")
    assert sorted(os.path.basename(p) for p in unsafe_entries(str(tmp_path))) == ["fifo", "link"]
    os.symlink(tmp_path / "ok.txt", tmp_path / "report.json")
    with pytest.raises(OSError):
        write_new(str(tmp_path / "report.json"), "{}")
    assert (tmp_path / "ok.txt").read_text() == "x"


# ---------------------------------------------------------------- the sandbox, for real
needs_bwrap = pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                 reason=f"no sandbox here: {sandbox.sandbox_problem()}")

PROBE = textwrap.dedent("""
    import json, os, socket, subprocess, resource
    out = {"uid": os.getuid(), "cwd": os.getcwd(), "files": sorted(os.listdir("."))}
    out["course_visible"] = os.path.exists(ROOT + "/source") or os.path.exists(ROOT + "/hidden_tests")
    out["root_home"] = sorted(os.listdir("/root"))
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2); out["net"] = "open"
    except OSError as e:
        out["net"] = type(e).__name__
    try:
        open(ROOT + "/course_utils/__init__.py", "a"); out["cu_writable"] = True
    except OSError:
        out["cu_writable"] = False
    open(os.path.expanduser("~/.marker"), "w").write("x")
    out["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    out["nproc"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
    out["caps"] = open("/proc/self/status").read().split("CapEff:")[1].split()[0]
    subprocess.Popen(["sleep", "317.25"], start_new_session=True)  # a daemon that tries to outlive us
    print(json.dumps(out))
""")


@needs_bwrap
def test_the_sandbox_is_unprivileged_offline_read_only_and_leaves_nothing(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(sandbox.__file__)))  # course_utils' parent
    data = tmp_path / "data.csv"
    data.write_text("1,2\n")
    conn = sandbox.connection_dir()
    cmd = sandbox.sandbox_command([sys.executable, "-c", f"ROOT = {os.path.dirname(root)!r}\n" + PROBE],
                                  conn, [str(data)])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["uid"] == (sandbox.SANDBOX_UID if os.geteuid() == 0 else os.getuid())
    assert out["cwd"] == sandbox.WORKDIR and out["files"] == ["data.csv"]
    assert not out["course_visible"] and out["net"] != "open" and not out["cu_writable"]
    assert out["caps"] == "0000000000000000" and out["nproc"] == sandbox.LIMITS["--nproc"]
    assert max(out["pids"]) < 10, "the sandbox sees processes outside its own pid namespace"
    assert not os.path.exists(os.path.expanduser("~/.marker"))
    # The kernel kills the pid namespace when the sandbox ends; on a loaded
    # machine the killed daemon can take a moment to go. An escaped one
    # would live for 317 s.
    deadline = time.monotonic() + 15
    while True:
        leftover = subprocess.run(["pgrep", "-f", "sleep 317.25"], capture_output=True, text=True).stdout.split()
        if not leftover or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not leftover, "a process outlived its sandbox"
