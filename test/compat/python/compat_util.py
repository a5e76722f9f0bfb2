"""Step bookkeeping for the MLflow compatibility scripts.

Every script names each step with `step(...)` and asserts what came back with `check(...)`.
The last line printed on stdout is a JSON summary that the vitest driver parses, so a script that
dies half-way (or skips steps) cannot pass.
"""

import json
import os
import sys
import traceback

_steps = []
_current = None


class step:
    """Context manager naming one step; a failure inside reports the step's name."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        global _current
        _current = self.name
        return self

    def __exit__(self, exc_type, exc, tb):
        global _current
        _current = None
        if exc_type is None:
            _steps.append(self.name)
            print(f"ok   {self.name}", file=sys.stderr, flush=True)
            return False
        print(f"FAIL {self.name}: {exc_type.__name__}: {exc}", file=sys.stderr, flush=True)
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        print(json.dumps({"ok": False, "failed": self.name, "error": f"{exc_type.__name__}: {exc}", "steps": _steps}))
        sys.stdout.flush()
        os._exit(1)


def check(cond, what, got=None):
    """Asserts `cond`; the message says what was expected and what came back."""
    if not cond:
        raise AssertionError(f"{what} (got {got!r})" if got is not None else what)


def expect_error(fn, error_code):
    """Runs `fn` and checks that it raises an MlflowException with `error_code`."""
    from mlflow.exceptions import MlflowException

    try:
        fn()
    except MlflowException as e:
        check(e.error_code == error_code, f"expected error_code {error_code}", e.error_code)
        return e
    raise AssertionError(f"expected MlflowException {error_code}, but the call succeeded")


def done(**extra):
    """Prints the summary line."""
    print(json.dumps({"ok": True, "steps": _steps, **extra}))
