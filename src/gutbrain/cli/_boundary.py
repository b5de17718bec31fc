"""The one error boundary of every CLI verb, and the shared output helpers.

Every verb is wrapped by :func:`guarded`: a failure becomes one line on stderr and an exit code
(2 bad input, 3 solver failure, 1 environment problem or internal error, 130 interrupted),
never a traceback unless ``gutbrain --debug`` (or ``GUTBRAIN_DEBUG=1``) asks for one.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from gutbrain.errors import EnvironmentProblem, InputError, SolverError

err = Console(stderr=True)
out = Console()
F = TypeVar("F", bound=Callable[..., Any])
STALE_TMP_S = 3600.0
def debug_from_env() -> bool:
    return os.environ.get("GUTBRAIN_DEBUG", "") not in ("", "0")


DEBUG = {"on": debug_from_env()}


def fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` (no markup interpretation of the message) and exit."""
    err.print("[bold red]error:[/] ", end="")
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def say(text: str) -> None:
    """A plain line on stdout (no wrapping, markup or highlighting: safe in pipes)."""
    out.print(text, soft_wrap=True, markup=False, highlight=False)


def warn(text: str) -> None:
    err.print("[bold yellow]warning:[/] ", end="")
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def exit_code(exc: BaseException) -> int | None:
    """The exit code the contract gives this exception, or None for an internal error."""
    if isinstance(exc, InputError):
        return 2
    if isinstance(exc, SolverError):
        return 3
    if isinstance(exc, EnvironmentProblem | MemoryError | OSError):
        return 1
    if isinstance(exc, ValueError):  # a bad-input check deeper down that kept ValueError
        return 2
    return None


def describe(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "out of memory: the run is too large for this machine (make it smaller)"
    if isinstance(exc, OSError) and not isinstance(exc, EnvironmentProblem) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return str(exc) or type(exc).__name__


def guarded(fn: F) -> F:
    """Wrap a verb in the error boundary."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            if DEBUG["on"]:
                raise
            err.print("interrupted", highlight=False)
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - this is the boundary
            import click

            if isinstance(exc, click.ClickException) or DEBUG["on"]:
                raise
            code = exit_code(exc)
            if code is None:
                fail(f"internal error: {type(exc).__name__}: {exc} (this is a bug; run with "
                     "`gutbrain --debug ...` for the traceback and please report it)", 1)
            fail(describe(exc), code)

    return run  # type: ignore[return-value]


def prepare_out(path: Path, option: str = "--out") -> Path:
    """Create the output folder (parents included) and check that it can be written: an
    existing file is bad input (exit 2), an unwritable place an environment problem (exit 1)."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path}: is an existing file; expected a folder (new or "
                         "existing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".gutbrain-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        now = time.time()
        for tmp in path.glob(".*.tmp"):  # left by a killed run (writes take seconds)
            if now - tmp.stat().st_mtime > STALE_TMP_S:
                tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise EnvironmentProblem(f"{option} {path}: cannot write there "
                                 f"({exc.strerror or exc})") from None
    return path


def prepare_file(path: Path, option: str) -> Path:
    """Check that an output file can be written (its folder is created)."""
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder; expected a file name")
    prepare_out(path.parent if str(path.parent) else Path("."), option)
    return path


@contextmanager
def removed_if_empty(path: Path) -> Iterator[None]:
    """Remove ``path`` again if this run created it and left it empty (e.g. Ctrl-C before the
    first file was written), so an interrupted run leaves no empty folder behind."""
    existed = path.exists()
    try:
        yield
    except BaseException:
        if not existed and path.is_dir() and not any(p.is_file() for p in path.rglob("*")):
            shutil.rmtree(path, ignore_errors=True)  # only empty folders were made
        raise


def is_piped() -> bool:
    return not sys.stdout.isatty()
