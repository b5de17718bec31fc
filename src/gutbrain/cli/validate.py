"""``gutbrain validate``: run the validation targets and print the scorecard.

Registered on the main CLI with ``gutbrain.cli.validate.register(app)``. Exit code 0 whatever the
targets' results (a failing or erroring target is a result, not a crash); 1 only when the
harness itself fails (e.g. a malformed target file); 2 for bad options.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def validate(
    tier: Annotated[str | None, typer.Option("--tier", help="only 'anchor' or 'soft' "
                                             "targets")] = None,
    only: Annotated[list[str] | None, typer.Option(
        "--only", help="target id, id prefix, glob or module (repeatable)")] = None,
    json_path: Annotated[Path | None, typer.Option(
        "--json", help="write results as JSON to this file ('-': print it instead of the "
                       "table)")] = None,
    csv_path: Annotated[Path | None, typer.Option(
        "--csv", help="write results as CSV to this file ('-': print it instead of the "
                      "table)")] = None,
    html_path: Annotated[Path | None, typer.Option("--html", help="write an HTML report with "
                                                   "plots")] = None,
    workers: Annotated[int, typer.Option("--workers", help="worker processes (0 = one per "
                                         "CPU)")] = 1,
    more: Annotated[list[str] | None, typer.Argument(
        metavar="ID", help="more selections like --only's, so that "
        "'--only ID ID ...' works", show_default=False)] = None,
) -> None:
    """Run the validation targets (published anchors) and print the scorecard."""
    from gutbrain.analysis.validation import (
        TIERS,
        TargetError,
        load_targets,
        print_scorecard,
        run_all,
        write_html,
        write_json,
    )

    out = Console()
    err = Console(stderr=True)
    if workers < 0:
        err.print(f"[bold red]error:[/] --workers: expected 0 or more, got {workers}")
        raise typer.Exit(2)
    if tier is not None and tier not in TIERS:
        err.print(f"[bold red]error:[/] --tier: expected one of {', '.join(TIERS)}, got "
                  f"{tier!r}")
        raise typer.Exit(2)
    if workers == 0:
        workers = os.cpu_count() or 1
    if more:
        only = [*(only or []), *more]
    try:
        targets = load_targets(tier=tier, only=only)
    except TargetError as exc:  # a malformed target file: the harness cannot run
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if not targets:
        err.print("[yellow]no targets match the selection[/]")
        raise typer.Exit(0)
    t0 = time.perf_counter()
    to_stdout = str(json_path) == "-" or str(csv_path) == "-"
    if str(json_path) == "-" and str(csv_path) == "-":
        err.print("[bold red]error:[/] --json - and --csv -: print one of them")
        raise typer.Exit(2)
    try:
        results = run_all(targets=targets, workers=workers)
        total = time.perf_counter() - t0
        if tier is None and not only:  # the whole scorecard: kept for the explorer
            from gutbrain.analysis.validation.latest import save_latest

            save_latest(results)
        if not to_stdout:
            print_scorecard(results, out, total_s=total)
        if json_path is not None:
            if str(json_path) == "-":
                import json
                import sys

                sys.stdout.write(json.dumps([r.to_json() for r in results], indent=2,
                                            allow_nan=False) + "\n")
            else:
                out.print(f"json: {write_json(results, json_path)}")
        if csv_path is not None:
            import csv
            import sys

            rows = [r.to_json() for r in results]
            cols = ["id", "module", "tier", "status", "value", "window", "unit", "quantity",
                    "note", "notes", "source"]
            fh = sys.stdout if str(csv_path) == "-" else open(csv_path, "w", newline="",
                                                             encoding="utf-8")
            try:
                w = csv.DictWriter(fh, cols, extrasaction="ignore", lineterminator="\n")
                w.writeheader()
                w.writerows(rows)
            finally:
                if fh is not sys.stdout:
                    fh.close()
                    out.print(f"csv: {csv_path}")
        if html_path is not None:
            path = write_html(results, html_path, {t.id: t for t in targets}, total_s=total)
            out.print(f"report: {path}")
    except Exception as exc:  # the harness itself failed
        err.print(f"[bold red]error:[/] validation harness failed: {type(exc).__name__}: {exc}",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    """Add the ``validate`` command to a Typer app (the main ``gutbrain`` CLI)."""
    app.command("validate")(validate)


__all__ = ["register", "validate"]
