"""The grader's end inside the sandboxed kernel: call a name, send back plain data.

The grader installs this in the student's kernel after the student's cells
have run, then runs ``__bbh__.serve()`` with ``allow_stdin`` for each graded
test cell. Everything travels as ``input()`` prompts on the kernel's stdin
channel, which only the grader's client answers: the requests (call a
function, describe a name), callbacks to functions the tests passed in,
and the results.

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


def _call(name: str, request: dict) -> dict:
    """Call the notebook's `name` with the request's arguments."""
    args = wire.decode(request["args"], _resolve)
    kwargs = wire.decode(request["kwargs"], _resolve)
    with warnings.catch_warnings(record=True) as caught:  # the tests may check for overflow warnings
        warnings.simplefilter("always")
        value = _state["ns"][name](*args, **kwargs)
    return {"value": wire.encode(value, _keep), "args": wire.encode(args, _keep),
            "warnings": [[w.category.__name__, str(w.message)[:500]] for w in caught[:20]]}


def _describe(name: str) -> dict:
    """What the notebook's `name` is: missing, a function, or a value."""
    ns = _state["ns"]
    if name not in ns:
        return {"kind": "missing"}
    if callable(ns[name]):
        return {"kind": "function"}
    return {"kind": "value", "value": wire.encode(ns[name], _keep)}


def serve() -> None:
    """Answer the grader's requests until it sends an empty one.

    One execution serves a whole test cell: each answer is the prompt of the
    next ``input()``, so a call costs one round trip on the stdin channel,
    not a cell execution.
    """
    text = _ask(MARK + "ready")
    while text:
        try:
            request = json.loads(text)
            name = request["name"]
            reply = _call(name, request) if request["op"] == "call" else _describe(name)
        except BaseException as error:  # a KeyboardInterrupt from a timeout too: the grader must hear back
            reply = {"error": type(error).__name__, "message": str(error)[:2000], "where": _where(error)}
        text = _ask(MARK + "next " + json.dumps(reply))
