"""``gutbrain sensitivity``: global sensitivity (Morris screening, Sobol indices) of a
scenario's observables or a trial's effect sizes to the model's parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gutbrain.cli._boundary import err, fail, guarded, prepare_out, say, warn
from gutbrain.cli.populations import OverwriteOpt

TOP_PRINTED = 5


@guarded
def sensitivity(
    target: Annotated[str, typer.Argument(
        help="scenario file, built-in scenario name, or trial spec YAML (a trial gives "
             "indices of its effect sizes)")],
    method: Annotated[str, typer.Option(
        "--method", help="morris (screening: r trajectories of D + 1 runs) or sobol "
                         "(variance shares: N (D + 2) runs)")] = "morris",
    params: Annotated[list[str] | None, typer.Option(
        "--params", help="what to vary: all (every non-input parameter; the default), "
                         "assumed, calibrated, reference, a module name, or parameter names; "
                         "repeatable and comma-separated")] = None,
    outputs: Annotated[list[str] | None, typer.Option(
        "--outputs", help="observables (comma-separated, repeatable; default phq9, gad7, il6, "
                          "crp, cortisol, butyrate, shannon, ...); for a trial, its "
                          "outcomes")] = None,
    summary: Annotated[str | None, typer.Option(
        "--summary", help="per run: end (last day), mean (over the run) or change (end minus "
                          "day 0); default end; scenarios only")] = None,
    n: Annotated[int | None, typer.Option(
        "--n", help="Morris trajectories r (default 10) or Sobol base samples N (default "
                    "1024, a power of 2)")] = None,
    seed: Annotated[int, typer.Option("--seed", help="random seed of the design")] = 0,
    levels: Annotated[int, typer.Option(
        "--levels", help="Morris grid levels (even)")] = 4,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
        "gutbrain-sensitivity"),
    workers: Annotated[int | None, typer.Option(
        "--workers", help="run chunks on a local dask cluster with N workers")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="address of an existing dask scheduler")] = None,
    overwrite: OverwriteOpt = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="print the leading parameters as JSON")] = False,
) -> None:
    """Rank parameters per output: indices.parquet (parameter, output, index, value, ci_low,
    ci_high), runs.parquet, summary.json and report.html. Resumable: rerun with the same
    --out to reuse finished chunks."""
    from rich.progress import Progress

    if workers is not None and workers <= 0:
        fail(f"--workers: expected a positive number, got {workers}", 2)
    if workers is not None and scheduler:
        fail("--workers and --scheduler: choose one", 2)
    from gutbrain.analysis.sensitivity import METHODS, make_design, select_factors
    from gutbrain.analysis.sensitivity_model import (
        SCENARIO_CHUNK,
        TRIAL_CHUNK,
        held_parameters,
        load_target,
        resolve_outputs,
        run_sensitivity,
    )

    if method not in METHODS:
        fail(f"--method: unknown method {method!r}; expected one of {', '.join(METHODS)}", 2)
    tgt = load_target(target)
    resolve_outputs(tgt, outputs, summary)  # bad input is refused before any work
    factors, _ = select_factors(params, held_parameters(tgt))
    from gutbrain.analysis.sensitivity import DEFAULT_N

    design = make_design(method, factors, DEFAULT_N[method] if n is None else n, seed, levels)
    prepare_out(out_dir)
    chunk = SCENARIO_CHUNK if tgt.kind == "scenario" else TRIAL_CHUNK
    n_chunks = -(-design.runs // chunk)
    err.print(f"{method}: {len(factors)} parameters, {design.runs:,} runs"
              + (" (each a whole trial)" if tgt.kind == "trial" else "")
              + f" in {n_chunks} chunks", highlight=False)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("compiling (first run only) and finding the reference "
                                 "steady state", total=n_chunks)

        def step(key: str) -> None:
            progress.update(task, description=f"simulated chunk {key}")
            progress.advance(task)

        table, info, _ = run_sensitivity(tgt, method, params, outputs, summary, n, seed, levels,
                                         out_dir, workers, scheduler, step, overwrite)
    from gutbrain.report.sensitivity import write_sensitivity_report

    write_sensitivity_report(table, info, out_dir / "report.html")
    _print_top(table, info, as_json)
    for w in info["warnings"]:
        warn(w)
    where = f"indices: {out_dir / 'indices.parquet'}\nreport: {out_dir / 'report.html'}"
    if as_json:  # stdout holds the JSON alone
        err.print(where, highlight=False, soft_wrap=True)
    else:
        say(where)


def _print_top(table, info, as_json: bool) -> None:
    """The leading parameters of every output by μ* (Morris) or ST (Sobol)."""
    from gutbrain.cli.info import emit_table

    main = "mu_star" if info["method"] == "morris" else "ST"
    d = table[table["index"] == main].dropna(subset=["value"])
    rows = []
    for o in info["outputs"]:
        top = d[d.output == o].sort_values("value", ascending=False).head(TOP_PRINTED)
        for rank, r in enumerate(top.itertuples(index=False), 1):
            rows.append([o, rank, r.parameter, *(_short(x) for x in (r.value, r.ci_low,
                                                                      r.ci_high))])
    emit_table(["output", "rank", "parameter", main, "ci_low", "ci_high"], rows, as_json,
               False, title=f"leading parameters ({info['method']}, {info['runs']:,} runs, "
                            f"{info['failed_runs']} failed)")


def _short(x: float) -> float | None:
    """4 significant digits; None (JSON null) for an undefined interval."""
    import math

    return float(f"{x:.4g}") if math.isfinite(x) else None


def register(app: typer.Typer) -> None:
    app.command()(sensitivity)
