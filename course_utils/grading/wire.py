"""Plain data across the sandbox boundary: JSON text, arrays as ``.npy`` bytes.

Only ``None``, bools, ints, floats, strings, NumPy arrays and scalars of
numbers, and tuples, lists, dicts and sets of them cross, both ways. Arrays
travel as ``np.save`` bytes read back with ``allow_pickle=False``; nothing is
ever unpickled and no object of the sender's making reaches the receiver.
Anything else the kernel returns stays in the kernel behind a handle.

The grader decodes with :func:`decode`, which checks every node; the
kernel's copy of this module is the student's to break, which only spoils
the student's own answers.
"""
from __future__ import annotations

import base64
import io
import json
from typing import Any, Callable

import numpy as np

MAX_BYTES = 64 << 20  # one message; larger answers are refused, not read
MAX_DEPTH = 40
NUMBER_KINDS = "biuf"


class WireError(ValueError):
    """A value that cannot cross, or a message that is not what the protocol allows."""


class Handle:
    """An object that stayed in the kernel: can be passed back, not looked into."""

    def __init__(self, key: int, kind: str):
        self.key, self.kind = key, kind

    def __repr__(self) -> str:
        return f"<{self.kind} object from the notebook>"


def _array_text(value: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, value, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def encode(value: Any, keep: Callable[[Any], Any] | None = None, depth: int = 0) -> Any:
    """`value` as JSON-ready data.

    Parameters
    ----------
    value : Any
        What to send.
    keep : callable, optional
        Called with a value that cannot cross; returns its JSON stand-in
        (a handle or a callback). Without it such a value raises WireError.
    depth : int
        Nesting so far.
    """
    if depth > MAX_DEPTH:
        raise WireError("data nested too deeply")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in NUMBER_KINDS and type(value) is np.ndarray:
        return {"$nd": _array_text(value)}
    if isinstance(value, np.generic) and value.dtype.kind in NUMBER_KINDS:
        return {"$np": _array_text(np.asarray(value))}
    if type(value) in (tuple, list, set, frozenset):
        items = [encode(v, keep, depth + 1) for v in value]
        return items if type(value) is list else {"$" + type(value).__name__: items}
    if type(value) is dict:
        return {"$dict": [[encode(k, keep, depth + 1), encode(v, keep, depth + 1)] for k, v in value.items()]}
    if keep is not None:
        return keep(value)
    raise WireError(f"a {type(value).__name__} cannot be sent")


def _array(text: Any) -> np.ndarray:
    if not isinstance(text, str):
        raise WireError("array is not text")
    try:
        array = np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)
    except Exception as error:
        raise WireError(f"unreadable array: {error}") from None
    if not isinstance(array, np.ndarray) or array.dtype.kind not in NUMBER_KINDS:
        raise WireError("only arrays of numbers can cross")
    return array


def decode(data: Any, resolve: Callable[[dict], Any] | None = None, depth: int = 0) -> Any:
    """The value that :func:`encode` made `data` from, checking every node.

    Parameters
    ----------
    data : Any
        Parsed JSON.
    resolve : callable, optional
        Turns a ``{"$h": ...}`` or ``{"$cb": ...}`` node into a value.
    depth : int
        Nesting so far.
    """
    if depth > MAX_DEPTH:
        raise WireError("data nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, resolve, depth + 1) for v in data]
    if type(data) is not dict or len(data) != 1:
        raise WireError("unexpected data")
    (tag, body), *_ = data.items()
    if tag == "$nd":
        return _array(body)
    if tag == "$np":
        return _array(body)[()]
    if tag in ("$tuple", "$set", "$frozenset") and type(body) is list:
        items = [decode(v, resolve, depth + 1) for v in body]
        return {"$tuple": tuple, "$set": set, "$frozenset": frozenset}[tag](items)
    if tag == "$dict" and type(body) is list:
        pairs = [decode(p, resolve, depth + 1) for p in body]
        if any(type(p) is not list or len(p) != 2 for p in pairs):
            raise WireError("malformed dict")
        try:
            return {k: v for k, v in pairs}
        except TypeError:
            raise WireError("unhashable dict key") from None
    if tag in ("$h", "$cb") and resolve is not None:
        return resolve(data)
    raise WireError(f"unexpected tag {tag!r}")


def dumps(value: Any, keep: Callable[[Any], Any] | None = None) -> str:
    """JSON text of `value`."""
    return json.dumps(encode(value, keep))


def loads(text: str, resolve: Callable[[dict], Any] | None = None) -> Any:
    """The value in JSON text `text`, refusing oversized or malformed messages."""
    if not isinstance(text, str) or len(text) > MAX_BYTES:
        raise WireError("message missing or too large")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise WireError(f"not JSON: {error}") from None
    return decode(data, resolve)
