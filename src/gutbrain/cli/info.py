"""``gutbrain params | observables | export-sbml | cache``: what the model is, and its files."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from gutbrain.cli._boundary import fail, guarded, is_piped, out, prepare_file, say

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON (one object per row)")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="print CSV")]


def emit_table(columns: list[str], rows: list[list[Any]], as_json: bool, as_csv: bool,
               title: str | None = None) -> None:
    """A table as JSON, CSV, a rich table on a terminal, or tab-separated when piped (full
    width: nothing is wrapped or cut)."""
    if as_json and as_csv:
        fail("--json and --csv: choose one", 2)
    if as_json:
        sys.stdout.write(json.dumps([dict(zip(columns, r, strict=True)) for r in rows],
                                    indent=2) + "\n")
    elif as_csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)
    elif is_piped():
        sys.stdout.write("\t".join(columns) + "\n")
        for r in rows:
            sys.stdout.write("\t".join(str(x) for x in r) + "\n")
    else:
        from rich.table import Table

        table = Table(*columns, title=title)
        for r in rows:
            table.add_row(*(str(x) for x in r))
        out.print(table)


@guarded
def params(
    module: Annotated[str | None, typer.Option(help="only this module")] = None,
    kind: Annotated[str | None, typer.Option(help="constant, trait or input")] = None,
    basis: Annotated[str | None, typer.Option(
        help="calibrated (names the validation targets it is calibrated against), assumed (no "
             "target constrains it), reference (cited or definitional) or input")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """List every model parameter with value, unit, plausible range, basis and source."""
    from gutbrain.model.catalog import parameter_records

    records = parameter_records(module, kind, basis, option_prefix="--")
    machine = as_json or as_csv
    if machine:
        cols = ["module", "name", "value", "unit", "low", "high", "kind", "basis", "source"]
        rows = [[r[c] for c in cols] for r in records]
    else:
        cols = ["module", "name", "value", "unit", "range", "kind", "basis", "source"]
        rows = [[r["module"], r["name"], f"{r['value']:.4g}", r["unit"],
                 f"{r['low']:.3g}–{r['high']:.3g}", r["kind"], r["basis"], r["source"]]
                for r in records]
    emit_table(cols, rows, as_json, as_csv)


@guarded
def observables(as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """List the observables (result columns) with units."""
    from gutbrain.model.catalog import observable_records

    cols = ["id", "unit", "module", "description"]
    emit_table(cols, [[r[c] for c in cols] for r in observable_records()], as_json, as_csv)


@guarded
def export_sbml(
    file: Annotated[Path, typer.Argument(help="SBML file to write")],
    scenario: Annotated[str | None, typer.Option(
        help="embed this scenario (file or built-in name) as events")] = None,
) -> None:
    """Write the model as SBML L3V2 with units, starting from the person's steady state at
    t = 0 (default person, Western diet; with --scenario that scenario's person, diet and
    interventions as events)."""
    from gutbrain.scenario.library import resolve_scenario

    sc = resolve_scenario(scenario) if scenario is not None else None
    prepare_file(file, "FILE")
    from gutbrain.compile.build import compile_model
    from gutbrain.compile.sbml import scenario_start, write_sbml

    model = compile_model()
    # the person's steady state at t = 0 and the scenario's inputs, as `simulate` starts
    sched, y0 = scenario_start(model, sc)
    write_sbml(file, model, y0=y0, schedule=sched)
    say(f"SBML: {file}")


@guarded
def compile_(
    force: Annotated[bool, typer.Option("--force", help="clear the cache first and build "
                                                        "everything again")] = False,
) -> None:
    """Generate and compile the model and solvers now (once per machine and model version,
    1-3 minutes), so that the first simulation, trial or cohort starts at once."""
    import time

    from rich.progress import Progress

    from gutbrain.cli._boundary import err

    if force:
        from gutbrain.compile.cache import clear_cache

        clear_cache()
    t0 = time.perf_counter()
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("generating the model code", total=3)
        from gutbrain.compile.build import compile_model

        model = compile_model()
        progress.update(task, advance=1, description="compiling the one-person solver "
                        "(first time: ~30 s)")
        from gutbrain.engine.single import Tolerances, integrate, steady_state
        from gutbrain.scenario.schedule import build_schedule
        from gutbrain.scenario.schema import Scenario

        sc = Scenario(name="compile", days=1.0)
        sched = build_schedule(model, sc)
        y0 = steady_state(model, sched.baseline)
        import numpy as np

        integrate(model, sched, y0, np.array([0.0, 1.0]), Tolerances())
        progress.update(task, advance=1, description="compiling the batch solvers "
                        "(first time: ~1 min)")
        from gutbrain.engine.batch import integrate_batch, observe_batch

        params = np.repeat(sched.params[None], 2, axis=0)
        for rtol in (1e-6, 3e-4):  # double and single-precision lockstep kernels
            sol = integrate_batch(model, sched.boundaries, params, sched.bolus,
                                  np.repeat(y0[None], 2, axis=0), np.array([0.0, 1.0]),
                                  Tolerances(rtol=rtol, norm="max"))
        observe_batch(model, sol, sched.boundaries, params)
        progress.update(task, advance=1)
    say(f"compiled in {time.perf_counter() - t0:.1f} s (cached for later runs)")


cache_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="The on-disk cache of generated code and steady states.")


@cache_app.command("info")
@guarded
def cache_info(as_json: JsonOpt = False) -> None:
    """Where the cache is, how big, and what it holds."""
    from gutbrain.compile.cache import cache_info as info

    data = info()
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        return
    for key, value in data.items():
        say(f"{key}: {value}")


@cache_app.command("clear")
@guarded
def cache_clear() -> None:
    """Remove gutbrain's cached code and steady states (they are rebuilt when needed)."""
    from gutbrain.compile.cache import clear_cache

    files, size = clear_cache()
    say(f"removed {files} files ({size / 1e6:.1f} MB)")


def register(app: typer.Typer) -> None:
    app.command()(params)
    app.command()(observables)
    app.command("export-sbml")(export_sbml)
    app.command("compile")(compile_)
    app.add_typer(cache_app, name="cache")
