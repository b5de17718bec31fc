"""``gutbrain demo | simulate``: one person through the built-in story or a scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gutbrain.cli._boundary import err, fail, guarded, prepare_out, removed_if_empty, say


@guarded
def demo(out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
        "gutbrain-demo")) -> None:
    """Simulate the default person through the gut–brain story and write report.html."""
    from rich.progress import Progress

    with removed_if_empty(out_dir):
        prepare_out(out_dir)
        from gutbrain.scenario.library import DEMO_ORDER

        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("compiling the model (first run only: 1-3 min)",
                                     total=len(DEMO_ORDER) + 1)
            from gutbrain.compile.build import compile_model
            from gutbrain.engine.tsit5 import load_solver

            load_solver(compile_model())
            progress.advance(task)

            def step(name: str) -> None:
                progress.update(task, description=f"simulated {name}")
                progress.advance(task)

            from gutbrain.report.demo import run_demo

            path = run_demo(out_dir, progress=step)
    say(f"report: {path}")


@guarded
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
    from gutbrain.api import check_run_options

    if (profile is None) != (sample is None):
        fail("--profile and --sample must be given together", 2)
    from gutbrain.scenario.loader import load_scenario

    sc = load_scenario(scenario)
    check_run_options(sc, every_hours=every, rtol=rtol, names=("--every", "--rtol"))
    prepare_out(out_dir)
    from gutbrain.api import simulate as sim
    from gutbrain.results.io import write_results

    ds = sim(sc, every_hours=every, rtol=rtol, profile=profile, sample=sample)
    paths = write_results(ds, out_dir)
    say(f"results: {paths['results']}\nprovenance: {paths['provenance']}")


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command()(simulate)
