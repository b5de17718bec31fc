"""Command-line interface: ``gutbrain demo | simulate | params | observables | export-sbml``.

Bad input exits with code 2 and one message naming the file, field and what was expected;
solver failures exit with code 3 and say when and which variable misbehaved. No tracebacks.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Simulate the microbiome–gut–brain axis.")
err = Console(stderr=True)
out = Console()


def _fail(message: str, code: int) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _guard(fn):
    """Turn known failures into clean exits (2 = bad input, 3 = solver failure)."""
    from gutbrain.engine.single import SolverError
    from gutbrain.scenario.loader import ScenarioError

    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ScenarioError as exc:
            _fail(str(exc), 2)
        except ValueError as exc:  # profile errors and other bad-input checks
            if type(exc).__name__ in ("ProfileError", "ValueError"):
                _fail(str(exc), 2)
            raise
        except SolverError as exc:
            _fail(str(exc), 3)

    return run


@app.command()
def demo(out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
        "gutbrain-demo")) -> None:
    """Simulate the default person through the gut–brain story and write report.html."""
    from rich.progress import Progress

    from gutbrain.report.demo import run_demo
    from gutbrain.scenario.library import DEMO_ORDER

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("compiling the model", total=len(DEMO_ORDER) + 1)
        from gutbrain.compile.build import compile_model
        from gutbrain.engine.tsit5 import load_solver

        load_solver(compile_model())
        progress.advance(task)

        def step(name: str) -> None:
            progress.update(task, description=f"simulated {name}")
            progress.advance(task)

        path = _guard(run_demo)(out_dir, progress=step)
    out.print(f"report: {path}")


@app.command()
def simulate(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML or JSON file")],
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("gutbrain-run"),
    every: Annotated[float, typer.Option("--every", help="sampling interval in hours")] = 1.0,
    rtol: Annotated[float, typer.Option(help="relative tolerance")] = 1e-6,
    profile: Annotated[Path | None, typer.Option(
        help="measured taxonomic table: personalise the person's guilds")] = None,
    sample: Annotated[str | None, typer.Option(help="sample id in --profile")] = None,
) -> None:
    """Simulate one scenario; write results.parquet and provenance.json."""
    if (profile is None) != (sample is None):
        _fail("--profile and --sample must be given together", 2)
    if every <= 0:
        _fail(f"--every: expected a positive number of hours, got {every}", 2)

    @_guard
    def run():
        from gutbrain.api import simulate as sim
        from gutbrain.results.io import write_results
        from gutbrain.scenario.loader import load_scenario

        sc = load_scenario(scenario)
        ds = sim(sc, every_hours=every, rtol=rtol, profile=profile, sample=sample)
        return write_results(ds, out_dir)

    paths = run()
    out.print(f"results: {paths['results']}\nprovenance: {paths['provenance']}")


@app.command()
def trial(
    spec_file: Annotated[Path, typer.Argument(help="trial spec YAML")],
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
        "gutbrain-trial"),
    power: Annotated[float | None, typer.Option(
        "--power", help="also find n per arm reaching this power (e.g. 0.8)")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="run chunks on a local dask cluster with N workers")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="address of an existing dask scheduler")] = None,
) -> None:
    """Run a virtual randomised trial: trial.json, persons.parquet, report.html."""
    from rich.progress import Progress

    from gutbrain.analysis.trial import run_trial
    from gutbrain.analysis.trial_spec import load_trial
    from gutbrain.report.trial import write_trial_report

    if power is not None and not 0 < power < 1:
        _fail(f"--power: expected a probability between 0 and 1, got {power}", 2)
    if workers is not None and workers <= 0:
        _fail(f"--workers: expected a positive number, got {workers}", 2)
    spec = _guard(load_trial)(spec_file)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("sampling and screening the population", total=None)

        def step(key: str) -> None:
            progress.update(task, description=f"simulated chunk {key}")

        result, persons, _ = _guard(run_trial)(spec, out_dir, workers, scheduler, power,
                                               progress=step)
    write_trial_report(spec, result, persons, out_dir / "report.html")
    for c in result["contrasts"]:
        eff = (f"g = {c['hedges_g']:.2f}" if "hedges_g" in c else
               f"RR = {c['risk_ratio']:.2f}")
        out.print(f"{c['arm']} vs {c['vs']} · {c['outcome']}: {eff} "
                  f"[{c['ci95'][0]:.2f}, {c['ci95'][1]:.2f}]")
    if "power" in result:
        out.print(f"power: {result['power']}")
    out.print(f"trial: {out_dir / 'trial.json'}")


@app.command()
def cohort(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML or JSON file")],
    population: Annotated[str, typer.Option(help="population preset")] = "general",
    n: Annotated[int, typer.Option("--n", help="number of persons")] = 1000,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
        "gutbrain-cohort"),
    every_days: Annotated[float, typer.Option(help="sampling interval in days")] = 1.0,
    workers: Annotated[int | None, typer.Option(help="local dask workers")] = None,
    scheduler: Annotated[str | None, typer.Option(help="dask scheduler address")] = None,
) -> None:
    """Simulate a virtual population through a scenario (daily observables to Parquet)."""
    from gutbrain.analysis.cohort import run_cohort
    from gutbrain.analysis.population import PRESETS
    from gutbrain.scenario.loader import load_scenario

    if population not in PRESETS:
        _fail(f"--population: unknown preset {population!r}; expected one of "
              f"{', '.join(PRESETS)}", 2)
    if n <= 0:
        _fail(f"--n: expected a positive number of persons, got {n}", 2)
    sc = _guard(load_scenario)(scenario)
    summary = _guard(run_cohort)(sc, population, n, seed, out_dir, every_days,
                                 workers=workers, scheduler=scheduler)
    out.print(f"cohort: {summary['n']} persons in {summary['chunks']} chunks → {out_dir}")


@app.command()
def params(
    module: Annotated[str | None, typer.Option(help="only this module")] = None,
    kind: Annotated[str | None, typer.Option(help="constant, trait or input")] = None,
    basis: Annotated[str | None, typer.Option(
        help="calibrated (names the validation targets it is calibrated against), assumed (no "
             "target constrains it), reference (cited or definitional) or input")] = None,
) -> None:
    """List every model parameter with value, unit, plausible range, basis and source."""
    from gutbrain.model import BASES, build_model, calibration_basis

    if basis is not None and basis not in BASES:
        err.print(f"[bold red]error:[/] --basis: expected one of {', '.join(BASES)}, got "
                  f"{basis!r}")
        raise typer.Exit(2)
    spec = build_model()
    table = Table("module", "name", "value", "unit", "range", "kind", "basis", "source",
                  show_lines=False)
    for m in spec.modules:
        if module and m.name != module:
            continue
        for p in m.parameters:
            b = calibration_basis(p)
            if (kind and p.kind != kind) or (basis and b != basis):
                continue
            table.add_row(m.name, p.name, f"{p.value:.4g}", p.unit, f"{p.low:.3g}–{p.high:.3g}",
                          p.kind, b, p.source)
    out.print(table)


@app.command()
def observables() -> None:
    """List the observables (result columns) with units."""
    from gutbrain.model import build_model

    table = Table("id", "unit", "module", "description")
    spec = build_model()
    for m in spec.modules:
        for o in m.observables:
            table.add_row(o.id, o.unit, m.name, o.description)
    out.print(table)


@app.command("export-sbml")
def export_sbml(
    file: Annotated[Path, typer.Argument(help="SBML file to write")],
    scenario: Annotated[Path | None, typer.Option(help="embed this scenario as events")] = None,
) -> None:
    """Write the model (optionally with a scenario's schedule as events) as SBML L3."""

    @_guard
    def run():
        from gutbrain.compile.build import compile_model
        from gutbrain.compile.sbml import write_sbml
        from gutbrain.engine.single import steady_state
        from gutbrain.scenario.loader import load_scenario
        from gutbrain.scenario.schedule import build_schedule

        model = compile_model()
        if scenario is None:
            write_sbml(file, model)
            return
        sc = load_scenario(scenario)
        sched = build_schedule(model, sc)
        y0 = steady_state(model, sched.baseline)
        write_sbml(file, model, params=sched.baseline, y0=y0, schedule=sched)

    run()
    out.print(f"SBML: {file}")


def _register_profile() -> None:
    """``gutbrain profile modules|guilds|associate|responses``."""
    from gutbrain.cli_profile import profile_app

    @profile_app.command("responses")
    def responses(
        table: Annotated[Path, typer.Argument(help="taxonomic table (samples as columns)")],
        out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
            "gutbrain-responses"),
        metadata: Annotated[Path | None, typer.Option(help="sample metadata (TSV/CSV)")] = None,
        sample_column: Annotated[str, typer.Option(help="sample id column")] = "master_ID",
        group_column: Annotated[str | None, typer.Option(help="group column")] = None,
    ) -> None:
        """Personalise one simulated person per sample and show their responses to a fibre
        diet and a probiotic (paired against their own control)."""
        import pandas as pd

        from gutbrain.report.profile_responses import simulate_responses, write_response_report

        df = _guard(simulate_responses)(table)
        groups = None
        if metadata is not None and group_column:
            meta = pd.read_csv(metadata, sep=None, engine="python")
            for col in (sample_column, group_column):
                if col not in meta.columns:
                    _fail(f"{metadata}: column {col!r} not found; expected one of "
                          f"{', '.join(meta.columns)}", 2)
            groups = pd.Series(meta[group_column].to_numpy(),
                               index=meta[sample_column].astype(str).str.replace("-", "."))
        path = write_response_report(df, out_dir, groups, title=table.name)
        out.print(f"responses: {path}")

    app.add_typer(profile_app, name="profile",
                  help="Real microbiome profiles: modules, guilds, associations, responses.")


_register_profile()


def _register_validate() -> None:
    try:
        from gutbrain.cli_validate import register
    except ImportError:  # pragma: no cover - the validation harness ships with the package
        return
    register(app)


_register_validate()


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
