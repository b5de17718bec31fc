"""``gutbrain demo | simulate | compare | explain | scenarios``: one person through the
built-in story, a scenario, or two scenarios side by side, and why mood moved."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gutbrain.cli._boundary import (
    err,
    fail,
    guarded,
    prepare_out,
    removed_if_empty,
    say,
    warn,
)

ScenarioArg = Annotated[str, typer.Argument(
    help="scenario file (YAML/JSON) or built-in scenario name (see `gutbrain scenarios`)")]
EveryOpt = Annotated[float, typer.Option("--every", help="sampling interval in hours")]


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
    scenario: ScenarioArg,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("gutbrain-run"),
    every: EveryOpt = 1.0,
    rtol: Annotated[float, typer.Option(help="relative tolerance")] = 1e-6,
    profile: Annotated[Path | None, typer.Option(
        help="measured taxonomic table: personalise the person's guilds")] = None,
    sample: Annotated[str | None, typer.Option(help="sample id in --profile")] = None,
    uncertainty: Annotated[bool, typer.Option(
        "--uncertainty", help="also run the posterior ensemble (model-parameter uncertainty) "
                              "and write bands.parquet: day, observable, q05, q50, q95")] = False,
    draws: Annotated[int | None, typer.Option(
        "--draws", help="with --uncertainty: the first N ensemble members (default: all)")
    ] = None,
) -> None:
    """Simulate one scenario; write results.parquet and provenance.json (and bands.parquet
    with --uncertainty)."""
    from gutbrain.api import check_run_options

    if (profile is None) != (sample is None):
        fail("--profile and --sample must be given together", 2)
    if draws is not None and not uncertainty:
        fail("--draws: only with --uncertainty", 2)
    if uncertainty and profile is not None:
        fail("--uncertainty: every ensemble member starts at its own steady state; a measured "
             "--profile sets one person's start (run without --uncertainty)", 2)
    from gutbrain.scenario.library import resolve_scenario

    sc = resolve_scenario(scenario)
    check_run_options(sc, every_hours=every, rtol=rtol, names=("--every", "--rtol"))
    ens = None
    if uncertainty:  # a missing or damaged ensemble, or bad --draws, before any work
        from gutbrain.analysis.uncertainty.ensemble import load_ensemble

        ens = load_ensemble()
        ens.members(draws)
    prepare_out(out_dir)
    from gutbrain.api import simulate_run
    from gutbrain.results.io import write_results

    run = simulate_run(sc, every_hours=every, rtol=rtol, profile=profile, sample=sample)
    paths = write_results(run, out_dir)
    say(f"results: {paths['results']}\nprovenance: {paths['provenance']}")
    if ens is not None:
        import json

        from gutbrain.analysis.uncertainty.bands import uncertainty_bands, write_bands
        from gutbrain.results.io import to_json, write_text_atomic

        bands, info = uncertainty_bands(sc, every_hours=every, draws=draws, ensemble=ens)
        path = write_bands(bands, out_dir)
        meta = json.loads(paths["provenance"].read_text(encoding="utf-8"))
        meta["uncertainty"] = info
        write_text_atomic(paths["provenance"], to_json(meta))
        say(f"bands: {path} ({info['members_ok']} of {info['members_run']} ensemble members; "
            f"{info['seconds']:.1f} s)")
        if "warning" in info:
            warn(info["warning"])


def _run_pair(scenario: str, reference: str | None, every: float):
    """Both runs of a comparison (the reference defaults to the scenario without its
    interventions), checked before either is simulated."""
    from gutbrain.analysis.compare import default_reference
    from gutbrain.api import check_run_options
    from gutbrain.scenario.library import resolve_scenario

    sc = resolve_scenario(scenario)
    ref = resolve_scenario(reference) if reference else default_reference(sc)
    for s in (sc, ref):
        check_run_options(s, every_hours=every, rtol=1e-6, names=("--every", "--rtol"))
    from gutbrain.api import simulate as sim

    return sc, ref, sim(sc, every_hours=every), sim(ref, every_hours=every)


def _window(window: tuple[float, float] | None) -> tuple[float, float] | None:
    return None if window is None or window == (-1.0, -1.0) else window


WindowOpt = Annotated[tuple[float, float], typer.Option(
    "--window", help="days START END to compare over (default: the window where the PHQ-9 "
                     "difference is largest)")]


@guarded
def compare(
    scenario: ScenarioArg,
    reference: Annotated[str | None, typer.Argument(
        help="reference scenario file or built-in name (default: the same person and diet "
             "without interventions)")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="also write compare.json and compare.html here")] = None,
    every: EveryOpt = 1.0,
    window: WindowOpt = (-1.0, -1.0),
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Simulate two scenarios and show how they differ: key observables, and which pathways
    carry the PHQ-9 and GAD-7 difference."""
    import json

    from gutbrain.results.io import json_safe, to_json

    if out_dir is not None:
        prepare_out(out_dir)
    sc, ref, a, b = _run_pair(scenario, reference, every)
    from gutbrain.analysis.compare import compare_runs

    result = compare_runs(a, b, _window(window))
    result["scenario"], result["reference"] = sc.name, ref.name
    if out_dir is not None:
        from gutbrain.report.compare import write_compare_html
        from gutbrain.results.io import write_text_atomic

        write_text_atomic(out_dir / "compare.json", to_json(result))
        write_compare_html(out_dir / "compare.html", result, a, b, (sc.name, ref.name))
    if as_json:
        print(json.dumps(json_safe(result), indent=2))
        return
    lo, hi = result["window"]
    say(f"{sc.name} vs {ref.name} (reference), means over days {lo:g}-{hi:g}")
    from gutbrain.cli.info import emit_table

    rows = [[o["observable"], o["unit"], f"{o['reference']:.4g}", f"{o['scenario']:.4g}",
             f"{o['difference']:+.4g}",
             "n/a" if o["relative_change"] is None else f"{100 * o['relative_change']:+.1f}%"]
            for o in result["observables"]]
    emit_table(["observable", "unit", ref.name, sc.name, "difference", "change"], rows,
               False, False)
    for e in result["attribution"].values():
        say(e["text"])
    if out_dir is not None:
        say(f"compare: {out_dir / 'compare.html'}")


@guarded
def explain(
    scenario: ScenarioArg,
    reference: Annotated[str | None, typer.Option(
        "--reference", help="reference scenario file or built-in name (default: the same "
                            "person and diet without interventions)")] = None,
    score: Annotated[str, typer.Option(help="phq9, gad7 or both")] = "both",
    window: WindowOpt = (-1.0, -1.0),
    every: EveryOpt = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Which pathway carried the change of PHQ-9 / GAD-7 between a scenario and its
    reference (the model's own variables, traced upstream)."""
    import json

    if score not in ("phq9", "gad7", "both"):
        fail(f"--score: expected phq9, gad7 or both, got {score!r}", 2)
    sc, ref, a, b = _run_pair(scenario, reference, every)
    from gutbrain.analysis.compare import compare_runs

    result = compare_runs(a, b, _window(window), observables=())
    scores = ("phq9", "gad7") if score == "both" else (score,)
    out = {s: result["attribution"][s] for s in scores}
    if as_json:
        from gutbrain.results.io import json_safe

        print(json.dumps(json_safe({"scenario": sc.name, "reference": ref.name,
                                    "attribution": out}), indent=2))
        return
    say(f"{sc.name} vs {ref.name} (reference)")
    for e in out.values():
        say(e["text"])
        for p in e["pathways"]:
            say(f"  {p['label']:32s} {p['delta_logit']:+.3f} logit")


@guarded
def scenarios(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="print CSV")] = False,
) -> None:
    """List the built-in scenarios (usable wherever a scenario file is)."""
    from gutbrain.cli.info import emit_table
    from gutbrain.scenario.library import catalog

    cols = ["name", "days", "interventions", "description"]
    rows = [[r[c] for c in cols] for r in catalog()]
    emit_table(cols, rows, as_json, as_csv)


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command()(simulate)
    app.command()(compare)
    app.command()(explain)
    app.command()(scenarios)
