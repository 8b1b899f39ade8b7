"""The student's names, seen from the grader: proxies that call into the sandboxed kernel.

``KernelNotebook(channel, answers).loss(w, x, y)`` sends the arguments as plain
data (:mod:`.wire`), runs the student's ``loss`` in the kernel
(:mod:`.shim`), answers callbacks to functions the tests passed in, and
returns the result as plain data. Nothing the kernel sends is executed or
unpickled here; a malformed or oversized answer fails the test that asked.
"""
from __future__ import annotations

import builtins
import json
import time
import warnings
from typing import Any, Callable

import numpy as np
import zmq

from . import shim, wire
from .answers import AnswerError
from .verdict import Abort

INSTALL = "from course_utils.grading import shim as __bbh__\n__bbh__.install(get_ipython())"


class StudentError(AssertionError):
    """The student's function raised, timed out, or returned what cannot be graded: the test fails."""


class KernelGone(Abort):
    """The kernel died or stopped answering: nothing more can be graded."""


class Channel:
    """Requests to the kernel's serve loop (:func:`.shim.serve`) over its stdin channel.

    A graded test cell opens one serve loop in the kernel; every call and
    callback is then one input request and its reply. :meth:`stop` ends the
    loop, so that the kernel is free to run the next cell.

    Parameters
    ----------
    client : jupyter_client.BlockingKernelClient
        Connected to the sandboxed kernel (shell and stdin started).
    alive : callable
        Returns False once the kernel process is gone.
    interrupt : callable
        Interrupts the kernel's current execution.
    """

    def __init__(self, client: Any, alive: Callable[[], bool], interrupt: Callable[[], None]):
        self.client, self.alive, self.interrupt = client, alive, interrupt
        self.deadline = float("inf")
        self.busy = False
        self.timed_out = False
        self._serving: str | None = None  # msg_id of the running serve loop
        for channel in (client.shell_channel, client.stdin_channel):
            channel.socket.setsockopt(zmq.MAXMSGSIZE, 2 * wire.MAX_BYTES)
        self._poller = zmq.Poller()
        self._poller.register(client.shell_channel.socket, zmq.POLLIN)
        self._poller.register(client.stdin_channel.socket, zmq.POLLIN)

    def begin(self, seconds: float) -> None:
        """Start the time budget of one graded cell."""
        self.deadline, self.timed_out = time.monotonic() + seconds, False

    def install(self) -> None:
        """Put the grader's end into the kernel (once, after the student's first cells ran)."""
        msg_id = self.client.execute(INSTALL, silent=True, store_history=False, allow_stdin=True)
        self._wait(msg_id, lambda prompt: "", until_reply=True)

    def request(self, request: dict, answer: Callable[[str], str]) -> str:
        """Send one request to the serve loop; `answer(prompt)` replies to callbacks. Returns the reply."""
        if self.busy:
            raise RuntimeError("a callback called the student's code while the kernel was busy: "
                               "callbacks passed to student functions must be reference code")
        if self.timed_out:  # once the cell's time is up, nothing more of it runs
            raise StudentError("timed out: the cell's time limit ran out while your code ran")
        self.busy = True
        try:
            if self._serving is None:
                self._serving = self.client.execute("__bbh__.serve()", silent=True, store_history=False,
                                                    allow_stdin=True)
                self._wait(self._serving, answer)  # until its first prompt: ready
            self.client.input(json.dumps(request))
            return self._wait(self._serving, answer)
        finally:
            self.busy = False

    def stop(self) -> None:
        """End the serve loop (the kernel waits at its prompt), so the kernel can run the next cell."""
        if self._serving is None:
            return
        msg_id, self._serving = self._serving, None
        self.client.input("")
        self.deadline = time.monotonic() + 10
        self._wait(msg_id, lambda prompt: "", until_reply=True)

    def _wait(self, msg_id: str, answer: Callable[[str], str], until_reply: bool = False) -> str | None:
        """Answer input requests of execution `msg_id` until the loop's next prompt (or its reply)."""
        shell, stdin = self.client.shell_channel.socket, self.client.stdin_channel.socket
        interrupted = False
        while True:
            now = time.monotonic()
            if now > self.deadline and not interrupted:
                self.interrupt()
                interrupted, self.timed_out, self.deadline = True, True, now + 5
            elif now > self.deadline:
                raise KernelGone("the kernel did not stop after a timeout")
            ready = dict(self._poller.poll(timeout=500))
            if not ready and not self.alive():
                raise KernelGone("the kernel died")
            if stdin in ready:
                msg = self.client.stdin_channel.get_msg(timeout=1)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                prompt = msg["content"].get("prompt", "")
                if not until_reply and prompt.startswith((shim.MARK + "ready", shim.MARK + "next ")):
                    if interrupted:
                        raise StudentError("timed out: the cell's time limit ran out while your code ran")
                    return prompt[len(shim.MARK) + 5:]
                if prompt.startswith(shim.MARK + "callback "):
                    self.client.input(answer(prompt))
                else:
                    self.client.input("")  # the student's own input(), or a prompt after stop()
            if shell in ready:
                msg = self.client.shell_channel.get_msg(timeout=1)
                if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_reply":
                    if until_reply:
                        return None
                    self._serving = None
                    if interrupted:
                        raise StudentError("timed out: the cell's time limit ran out while your code ran")
                    raise StudentError("the notebook's kernel stopped answering the grader (did the notebook "
                                       "replace its stdin or the grader's helpers?)")


class KernelNotebook:
    """The student's names as attributes: function proxies, literal answers, plain values.

    Parameters
    ----------
    channel : Channel
        To the kernel.
    answers : dict
        Name to literal answer (or the AnswerError that says what to fix),
        from :func:`.answers.read_answers`.
    """

    def __init__(self, channel: Channel, answers: dict[str, Any]):
        self._channel, self._answers, self._names = channel, answers, {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._answers:
            value = self._answers[name]
            if isinstance(value, AnswerError):
                raise value
            return value
        if name not in self._names:
            self._names[name] = self._describe(name)
        return self._names[name]

    def _describe(self, name: str) -> Any:
        reply = _reply(self._channel.request({"op": "describe", "name": name}, _no_questions), name)
        if reply.get("kind") == "missing":
            raise NameError(f"name '{name}' is not defined: write it in its exercise cell and run that cell")
        if reply.get("kind") == "function":
            return _Function(self._channel, name)
        if reply.get("kind") == "value":
            return wire.decode(reply.get("value"), _handle)
        raise StudentError(f"{name}: the kernel's answer could not be read")


class _Function:
    """Calls the student's function `name` in the kernel."""

    def __init__(self, channel: Channel, name: str):
        self._channel, self._name = channel, name

    def __repr__(self) -> str:
        return f"<your function {self._name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        callbacks: list[Callable] = []

        def keep(value: Any) -> dict:
            if isinstance(value, wire.Handle):
                return {"$h": [value.key, value.kind]}
            if callable(value):
                callbacks.append(value)
                return {"$cb": len(callbacks) - 1}
            raise wire.WireError(f"the tests cannot pass a {type(value).__name__}")

        request = {"op": "call", "name": self._name, "args": wire.encode(list(args), keep),
                   "kwargs": wire.encode(kwargs, keep)}

        def answer(prompt: str) -> str:
            return _callback(callbacks, prompt[len(shim.MARK) + 9:])

        reply = _reply(self._channel.request(request, answer), self._name)
        if reply.get("error") == "NotImplementedError":
            raise StudentError(f"not attempted: {self._name}() is still the stub; write it in its exercise cell")
        if "error" in reply:
            where = f" ({reply['where']})" if reply.get("where") else ""
            raise StudentError(f"{self._name}() raised {reply['error']}: {reply.get('message', '')}{where}")
        for category, message in reply.get("warnings", [])[:20]:
            warnings.warn(str(message), _warning_class(category), stacklevel=2)
        try:
            value = wire.decode(reply["value"], _handle)
            _sync(list(args), wire.decode(reply.get("args", []), _handle))
        except (KeyError, wire.WireError) as error:
            raise StudentError(f"{self._name}() returned something that cannot be graded ({error}): "
                               "return numbers, NumPy arrays, or tuples, lists and dicts of them") from None
        return value


def _warning_class(name: Any) -> type[Warning]:
    """The built-in warning class of that name (NumPy's overflow is a RuntimeWarning), else UserWarning."""
    cls = getattr(builtins, str(name), None)
    return cls if isinstance(cls, type) and issubclass(cls, Warning) else UserWarning


def _no_questions(prompt: str) -> str:
    return ""


def _handle(node: dict) -> wire.Handle:
    if "$h" not in node or not isinstance(node["$h"], list) or len(node["$h"]) != 2:
        raise wire.WireError("unexpected callback")
    key, kind = node["$h"]
    if not isinstance(key, int) or not isinstance(kind, str):
        raise wire.WireError("malformed handle")
    return wire.Handle(key, kind[:100])


def _reply(text: str | None, name: str) -> dict:
    if text is None:
        raise StudentError(f"{name}: the notebook's kernel gave no answer (did the notebook replace "
                           "the grader's helpers or stdin?)")
    try:
        reply = json.loads(text)
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        raise StudentError(f"{name}: the kernel's answer could not be read")
    return reply


def _callback(callbacks: list[Callable], text: str) -> str:
    """Run a test's own function for the student's code; reply with plain data."""
    try:
        request = json.loads(text)
        f = callbacks[request["id"]]
        args = wire.decode(request["args"], _handle)
        kwargs = wire.decode(request["kwargs"], _handle)
        return json.dumps({"value": wire.encode(f(*args, **kwargs))})
    except Exception as error:
        return json.dumps({"error": f"{type(error).__name__}: {error}"[:500]})


def _is_container(value: Any) -> bool:
    return isinstance(value, (np.ndarray, dict, list, tuple))


def _sync(before: Any, after: Any) -> None:
    """Copy in-place changes the student's function made to its arguments back into the tests' objects.

    Arrays are overwritten in place, dicts and lists are brought in line,
    and tuples (a layer's cache) are followed into. Nothing else is
    compared: an ``==`` on arbitrary values could raise or lie.
    """
    if isinstance(before, np.ndarray):
        if (isinstance(after, np.ndarray) and before.shape == after.shape and before.flags.writeable
                and not np.array_equal(before, after, equal_nan=True)):
            before[...] = after
    elif isinstance(before, dict) and isinstance(after, dict):
        for key in [k for k in before if k not in after]:
            del before[key]
        for key, value in after.items():
            if key in before and _is_container(before[key]):
                _sync(before[key], value)
            else:
                before[key] = value
    elif isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        if isinstance(before, list) and len(before) != len(after):
            before[:] = after
            return
        for i, (old, new) in enumerate(zip(before, after)):
            if _is_container(old):
                _sync(old, new)
            elif isinstance(before, list):
                before[i] = new
