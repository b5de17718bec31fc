"""The ``gutbrain`` command line: one module per verb group, one error boundary.

- ``run``: demo, simulate
- ``populations``: trial, cohort
- ``validate``: validate
- ``profile``: profile modules | guilds | associate | responses
- ``info``: params, observables, export-sbml, cache
- ``sensitivity``: sensitivity
- ``uncertainty``: posterior
- ``serve``: serve (the web API and explorer page)

Every verb runs inside :func:`gutbrain.cli._boundary.guarded`: bad input exits 2 with one line
naming the file, field or line and what was expected; a solver failure exits 3; an environment
problem (unwritable --out, unreachable scheduler) exits 1; no traceback unless ``--debug``.
Verb modules import the heavy libraries inside the verbs, so ``gutbrain --help`` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gutbrain.cli import (
    info,
    populations,
    profile,
    run,
    sensitivity,
    serve,
    uncertainty,
    validate,
)
from gutbrain.cli._boundary import DEBUG, debug_from_env

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  pretty_exceptions_enable=False,
                  help="Simulate the microbiome–gut–brain axis.")


@app.callback()
def _options(debug: Annotated[bool, typer.Option(
        "--debug", help="show the full traceback of an error (for bug reports)")] = False
             ) -> None:
    DEBUG["on"] = debug or debug_from_env()  # set on every invocation (tests run many)


run.register(app)
populations.register(app)
info.register(app)
profile.register(app)
validate.register(app)
sensitivity.register(app)
uncertainty.register(app)
serve.register(app)


def main() -> None:  # pragma: no cover
    app()


__all__ = ["app", "main"]
