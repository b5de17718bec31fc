"""``gutbrain trial | cohort``: virtual populations through a trial or a scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gutbrain.cli._boundary import err, fail, guarded, prepare_out, say, warn

OverwriteOpt = Annotated[bool, typer.Option(
    "--overwrite", help="replace the chunks of another run found in --out (by default a "
                        "folder holding another run's chunks is refused; this run's chunks "
                        "are resumed)")]


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


@guarded
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
    overwrite: OverwriteOpt = False,
    uncertainty: Annotated[bool, typer.Option(
        "--uncertainty", help="rerun the trial in posterior-ensemble members and add each "
                              "contrast's model_interval (90 %) beside its sampling ci95")
    ] = False,
    draws: Annotated[int | None, typer.Option(
        "--draws", help="with --uncertainty: ensemble members to run (default 40; each is a "
                        "whole trial)")] = None,
) -> None:
    """Run a virtual randomised trial: trial.json, persons.parquet, report.html."""
    from rich.progress import Progress

    from gutbrain.analysis.trial_spec import load_trial

    if power is not None and not 0 < power < 1:
        fail(f"--power: expected a probability between 0 and 1, got {power}", 2)
    if workers is not None and workers <= 0:
        fail(f"--workers: expected a positive number, got {workers}", 2)
    if draws is not None and not uncertainty:
        fail("--draws: only with --uncertainty", 2)
    spec = load_trial(spec_file)
    n_draws = None
    if uncertainty:  # a missing or damaged ensemble, or bad --draws, before any work
        from gutbrain.analysis.uncertainty.ensemble import load_ensemble
        from gutbrain.analysis.uncertainty.trial_interval import DEFAULT_DRAWS

        n_draws = DEFAULT_DRAWS if draws is None else draws
        load_ensemble().members(n_draws)
    prepare_out(out_dir)
    from gutbrain.analysis.trial import run_trial
    from gutbrain.report.trial import write_trial_report
    from gutbrain.results.io import json_safe

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("compiling (first run only) and screening the population",
                                 total=None)

        def step(key: str) -> None:
            progress.update(task, description=f"simulated chunk {key}")

        result, persons, _ = run_trial(spec, out_dir, workers, scheduler, power,
                                       progress=step, overwrite=overwrite,
                                       uncertainty=n_draws)
    write_trial_report(spec, result, persons, out_dir / "report.html")
    if result["design"].get("allocation") == "every_arm":
        say("every person was simulated in every arm (allocation every_arm): contrasts are "
            "paired, within the same persons")
    for c in json_safe(result["contrasts"]):
        eff = (f"g = {_fmt(c['hedges_g'])}" if "hedges_g" in c else
               f"RR = {_fmt(c['risk_ratio'])}")
        model = (f"; model 90 % [{_fmt(c['model_interval'][0])}, "
                 f"{_fmt(c['model_interval'][1])}]" if "model_interval" in c else "")
        adjusted = (f"; baseline-adjusted g = {_fmt(c['hedges_g_ancova'])}"
                    if "hedges_g_ancova" in c else "")
        say(f"{c['arm']} vs {c['vs']} · {c['outcome']}: {eff} "
            f"[{_fmt(c['ci95'][0])}, {_fmt(c['ci95'][1])}]{adjusted}{model}")
    if "observational" in result:
        obs = result["observational"]
        say(f"observational read ({obs['exposure']} falling on persons by their proneness, "
            "not assigned):")
        for c in json_safe(obs["contrasts"]):
            key = "risk_ratio" if "risk_ratio" in c else "mean_difference"
            say(f"  {c['arm']} vs {c['vs']} · {c['outcome']}: {key} {_fmt(c[key])} "
                f"[{_fmt(c['ci95'][0])}, {_fmt(c['ci95'][1])}], causal {_fmt(c[f'causal_{key}'])}")
            if "recorded" in c:
                r = c["recorded"]
                span = (f"; {_fmt(r['span'][0])} to {_fmt(r['span'][1])} over the records "
                        "ranges" if "span" in r else "")
                say(f"    recorded (a diagnosis in a record): risk_ratio {_fmt(r['risk_ratio'])} "
                    f"[{_fmt(r['ci95'][0])}, {_fmt(r['ci95'][1])}], detection × "
                    f"{_fmt(r['detection_ratio'])}{span}")
    for name, arm in result["arms"].items():
        if arm.get("failed"):
            say(f"arm {name}: {arm['failed']} of {arm['randomised']} persons failed to "
                "simulate (excluded; reasons in persons.parquet)")
    for w in result.get("warnings", []):
        warn(w)
    if "power" in result:
        from gutbrain.cli.info import emit_table
        from gutbrain.results.io import to_json, write_text_atomic

        p = result["power"]
        write_text_atomic(out_dir / "power.json", to_json(p))
        rows = [[k, v] for k, v in p.items()]
        emit_table(["power analysis", "value"], rows, False, False)
        say(f"power: {out_dir / 'power.json'}")
    say(f"trial: {out_dir / 'trial.json'}")


@guarded
def cohort(
    scenario: Annotated[str, typer.Argument(
        help="scenario file (YAML/JSON) or built-in scenario name (see `gutbrain scenarios`)")],
    population: Annotated[str, typer.Option(help="population preset")] = "general",
    n: Annotated[int, typer.Option("--n", help="number of persons")] = 1000,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
        "gutbrain-cohort"),
    every_days: Annotated[float, typer.Option(help="sampling interval in days")] = 1.0,
    workers: Annotated[int | None, typer.Option(help="local dask workers")] = None,
    scheduler: Annotated[str | None, typer.Option(help="dask scheduler address")] = None,
    overwrite: OverwriteOpt = False,
    life_events: Annotated[bool, typer.Option(
        "--life-events/--no-life-events",
        help="everyone meets the background life-event stream, as in trials (the population "
             "norms are met with it)")] = False,
) -> None:
    """Simulate a virtual population through a scenario (daily observables to Parquet). The
    scenario's person overrides and diet apply to every sampled person."""
    from gutbrain.analysis.population import PRESETS
    from gutbrain.scenario.library import resolve_scenario

    if population not in PRESETS:
        fail(f"--population: unknown preset {population!r}; expected one of "
             f"{', '.join(PRESETS)}", 2)
    if seed < 0:
        fail(f"--seed: expected 0 or more, got {seed}", 2)
    if workers is not None and workers <= 0:
        fail(f"--workers: expected a positive number, got {workers}", 2)
    sc = resolve_scenario(scenario)
    from gutbrain.analysis.cohort import DEFAULT_OBSERVABLES, check_cohort_options, run_cohort

    check_cohort_options(sc, n, every_days, DEFAULT_OBSERVABLES)
    prepare_out(out_dir)
    summary = run_cohort(sc, population, n, seed, out_dir, every_days, workers=workers,
                         scheduler=scheduler, overwrite=overwrite, life_events=life_events)
    say(f"cohort: {summary['n']} persons in {summary['chunks']} chunks → {out_dir}"
        + (f" ({summary['failed']} failed: status and reason in persons.parquet)"
           if summary["failed"] else ""))
    for w in summary["warnings"]:
        warn(w)


def register(app: typer.Typer) -> None:
    app.command()(trial)
    app.command()(cohort)
