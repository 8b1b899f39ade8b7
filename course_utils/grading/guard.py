"""Integrity guard imported inside the clean-room kernel.

The clean room calls :func:`settle` after every trusted (locked) cell and
:func:`check` after every answer and test cell. ``settle`` records what
trusted code set up: the callables of NumPy, ``math``, builtins and
``course_utils`` (and the attributes of ``course_utils``'s classes), the
entries of ``sys.modules`` for them, the interpreter and IPython hooks, and
every name the trusted cells defined in the user namespace. ``check``
prints ``INTEGRITY <nonce> OK`` when all of it is unchanged, and
``INTEGRITY <nonce> BROKEN: <what changed>`` otherwise.

This is a tripwire, not a wall: student functions run in the same process
and a determined attacker could reach this module's state through
introspection. The static screen flags the constructs that needs
(``sys.modules``, ``gc``, frames, ``__closure__``, ``get_ipython``).
"""
from __future__ import annotations

import builtins
import importlib
import re
import sys
import types

_WATCHED_MODULES = ("builtins", "math", "numpy", "numpy.testing", "numpy.linalg", "numpy.random")
# IPython rebinds these after every cell; they carry no behaviour.
_VOLATILE = re.compile(r"^(_|__|___|_i+|_i\d+|_\d+|_ih|_oh|_dh|In|Out|exit|quit)$")

_shell = None
_print = builtins.print  # captured before any student code runs
_baseline: dict[str, object] = {}
_names: dict[str, object] = {}


def _watched_modules() -> dict[str, types.ModuleType]:
    names = [n for n in _WATCHED_MODULES if n in sys.modules]
    names += [n for n in list(sys.modules) if n.startswith("course_utils") and not n.startswith("course_utils.grading")]
    return {n: sys.modules[n] for n in names}


def _state() -> dict[str, object]:
    """Every watched object, by a readable key, held by reference."""
    state: dict[str, object] = {}
    for modname, module in _watched_modules().items():
        state[f"sys.modules[{modname!r}]"] = module
        for attr, value in list(vars(module).items()):
            if callable(value) or isinstance(value, types.ModuleType):
                state[f"{modname}.{attr}"] = value
            if isinstance(value, type) and getattr(value, "__module__", "").startswith("course_utils"):
                for cattr, cvalue in list(vars(value).items()):
                    if callable(cvalue) or isinstance(cvalue, (classmethod, staticmethod, property)):
                        state[f"{modname}.{attr}.{cattr}"] = cvalue
    for hook in ("settrace", "setprofile", "breakpointhook"):
        state[f"sys.{hook}"] = getattr(sys, hook, None)
    state["sys.trace"] = sys.gettrace()
    state["sys.profile"] = sys.getprofile()
    state["sys.meta_path"] = tuple(sys.meta_path)
    state["sys.path_hooks"] = tuple(sys.path_hooks)
    if _shell is not None:
        for attr in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
            state[f"ip.{attr}"] = tuple(getattr(_shell, attr, ()))
        state["ip.input_transformer_manager"] = _shell.input_transformer_manager
        for attr in ("cleanup_transforms", "line_transforms", "token_transformers"):
            state[f"ip.input_transformer_manager.{attr}"] = tuple(
                getattr(_shell.input_transformer_manager, attr, ()))
        state["ip.custom_exceptions"] = tuple(_shell.custom_exceptions)
        for event, callbacks in _shell.events.callbacks.items():
            state[f"ip.events.{event}"] = tuple(callbacks)
        for attr, value in vars(_shell).items():
            if callable(value) and not isinstance(value, type):
                state[f"ip.{attr}"] = value
        state["ip.compile"] = _shell.compile
    # ipykernel rebinds input() for every request: not a way to pass a test.
    for volatile in ("builtins.input", "builtins.raw_input", "builtins.getpass"):
        state.pop(volatile, None)
    return {key: _normal(value) for key, value in state.items()}


def _normal(value: object) -> object:
    """Bound methods are made afresh on every access: compare their parts."""
    if isinstance(value, types.MethodType):
        return (value.__self__, value.__func__)
    if isinstance(value, (tuple, list)):
        return tuple(_normal(v) for v in value)
    return value


def _same(a: object, b: object) -> bool:
    """Identity, element by element for tuples (never ``==``: it can be faked)."""
    if type(a) is tuple and type(b) is tuple:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a is b


def _user_names() -> dict[str, object]:
    ns = _shell.user_ns if _shell is not None else {}
    return {k: v for k, v in ns.items() if not _VOLATILE.match(k)}


def install(shell) -> None:
    """Start watching; call once, from the first cell of the clean room."""
    global _shell
    _shell = shell
    for name in _WATCHED_MODULES:  # NumPy loads some lazily: watch them from the start
        importlib.import_module(name)
    settle()


def settle() -> None:
    """Record the current state as trusted (after a locked cell ran)."""
    global _baseline, _names
    _baseline = _state()
    _names = _user_names()


def _changes() -> list[str]:
    now = _state()
    changed = [key for key, value in _baseline.items() if key not in now or not _same(now[key], value)]
    changed += [key for key in now if key not in _baseline and key.startswith(("ip.", "sys.")) and
                not key.startswith("sys.modules")]
    names = _user_names()
    changed += [f"name {key!r} of a locked cell" for key, value in _names.items()
                if key not in names or names[key] is not value]
    return changed


def check(nonce: str) -> None:
    """Print whether anything trusted changed since :func:`settle`."""
    changed = _changes()
    if changed:
        _print(f"INTEGRITY {nonce} BROKEN: " + ", ".join(sorted(changed)[:10]))
    else:
        _print(f"INTEGRITY {nonce} OK")
