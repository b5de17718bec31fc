"""The error contract shared by every face (CLI, Python API, web).

Three kinds of failure, each with one exit code in the CLI (DESIGN §8; issue #16):

- :class:`InputError` (exit 2): bad input. The message names the file, the field or line, and
  what was expected. It is a ``ValueError``, so ``except ValueError`` keeps working.
- :class:`SolverError` (exit 3): the integrator failed for valid input; says when and which
  variable misbehaved.
- :class:`EnvironmentProblem` (exit 1): the machine, not the input, is in the way (an
  unwritable ``--out``, a full disk, an unreachable dask scheduler).

Anything else is a bug: the CLI prints one line asking for a report (the traceback only with
``--debug``).
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: the message says where (file, field path, line) and what was expected."""


class SolverError(RuntimeError):
    """The integrator failed: says when and which variable misbehaved."""

    def __init__(self, message: str, t_reached: float = float("nan"), variable: str = ""):
        super().__init__(message)
        self.t_reached = t_reached
        self.variable = variable


class EnvironmentProblem(RuntimeError):
    """The environment stops the run (unwritable output, unreachable scheduler, full disk)."""


EXIT_CODES = {InputError: 2, SolverError: 3, EnvironmentProblem: 1}

__all__ = ["EXIT_CODES", "EnvironmentProblem", "InputError", "SolverError"]
