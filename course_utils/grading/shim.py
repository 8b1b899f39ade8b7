"""The grader's end inside the sandboxed kernel: call a name, send back plain data.

The grader installs this in the student's kernel after the student's cells
have run, then sends ``__bbh__.call("loss")`` or ``__bbh__.describe("q")``
with ``allow_stdin``. Everything else travels as ``input()`` prompts on the
kernel's stdin channel, which only the grader's client answers: the
arguments, callbacks to functions the tests passed in, and the result.

This code runs next to student code and trusts nothing it gets back; the
grader trusts nothing it sends. It only moves data.
"""
from __future__ import annotations

import builtins
import json
import traceback
import warnings
from typing import Any

from . import wire

MARK = "\x1ebbh:"
_state: dict[str, Any] = {"ns": {}, "handles": []}
_ask = builtins.input


def install(shell: Any) -> None:
    """Answer calls from the notebook namespace of IPython `shell`."""
    _state["ns"] = shell.user_ns


def _keep(value: Any) -> dict:
    _state["handles"].append(value)
    return {"$h": [len(_state["handles"]) - 1, type(value).__name__]}


def _resolve(node: dict) -> Any:
    if "$cb" in node:
        return _grader_function(node["$cb"])
    key = node["$h"][0] if isinstance(node["$h"], list) and node["$h"] else None
    if not isinstance(key, int) or not 0 <= key < len(_state["handles"]):
        raise wire.WireError("unknown handle")
    return _state["handles"][key]


def _grader_function(key: int):
    def from_the_tests(*args, **kwargs):
        request = {"id": key, "args": wire.encode(list(args), _keep), "kwargs": wire.encode(kwargs, _keep)}
        reply = json.loads(_ask(MARK + "callback " + json.dumps(request)))
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return wire.decode(reply["value"], _resolve)
    return from_the_tests


def _where(error: BaseException) -> str:
    """The innermost line of notebook code in the traceback."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<ipython-input")
              or "ipykernel_" in f.filename]
    if not frames:
        return ""
    frame = frames[-1]
    return f"in {frame.name}(), line {frame.lineno}: {frame.line}"


def _send(reply: dict) -> None:
    _ask(MARK + "result " + json.dumps(reply))


def call(name: str) -> None:
    """Call the notebook's `name` with the arguments the grader sends next."""
    try:
        request = json.loads(_ask(MARK + "args"))
        args = wire.decode(request["args"], _resolve)
        kwargs = wire.decode(request["kwargs"], _resolve)
        with warnings.catch_warnings(record=True) as caught:  # the tests may check for overflow warnings
            warnings.simplefilter("always")
            value = _state["ns"][name](*args, **kwargs)
        reply = {"value": wire.encode(value, _keep), "args": wire.encode(args, _keep),
                 "warnings": [[w.category.__name__, str(w.message)[:500]] for w in caught[:20]]}
    except BaseException as error:  # a KeyboardInterrupt from a timeout too: the grader must hear back
        reply = {"error": type(error).__name__, "message": str(error)[:2000], "where": _where(error)}
    _send(reply)


def describe(name: str) -> None:
    """Tell the grader what the notebook's `name` is: missing, a function, or a value."""
    ns = _state["ns"]
    try:
        if name not in ns:
            reply = {"kind": "missing"}
        elif callable(ns[name]):
            reply = {"kind": "function"}
        else:
            reply = {"kind": "value", "value": wire.encode(ns[name], _keep)}
    except BaseException as error:
        reply = {"error": type(error).__name__, "message": str(error)[:2000], "where": ""}
    _send(reply)
