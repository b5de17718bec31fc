"""``gutbrain profile …``: module inference, guild profiles and associations on real data.

Bad input (unreadable table, wrong module file, unknown metadata column …) exits with code 2 and
one message naming the file, line, column and what was expected; no traceback.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gutbrain.cli._boundary import fail, guarded, out
from gutbrain.cli._boundary import say as _say

profile_app = typer.Typer(add_completion=False, no_args_is_help=True,
                          help="Analyse real microbiome profiles: Gut-Brain/Gut Metabolic "
                               "Modules, guilds, associations, simulated responses.")


class EstimatorChoice(StrEnum):
    median = "median"
    average = "average"
    sum = "sum"
    min = "min"


class FormatChoice(StrEnum):
    auto = "auto"
    table = "table"
    metaphlan = "metaphlan"
    biom = "biom"
    humann = "humann"
    picrust2 = "picrust2"


class OrientationChoice(StrEnum):
    auto = "auto"
    features = "features"
    samples = "samples"


class TransformChoice(StrEnum):
    clr = "clr"
    tss = "tss"
    none = "none"


class NormalizeChoice(StrEnum):
    total = "total"
    mapped = "mapped"


TableArg = Annotated[Path, typer.Argument(help="profile table (TSV/CSV, MetaPhlAn, BIOM, "
                                               "HUMAnN, PICRUSt2; .gz/.bz2/.xz ok)")]
FormatOpt = Annotated[FormatChoice, typer.Option("--format", help="input format (auto-detected "
                                                                   "by default)")]
OrientOpt = Annotated[OrientationChoice, typer.Option(
    "--orientation", help="generic tables: rows are features or samples")]


@profile_app.command()
@guarded
def modules(
    table: TableArg,
    db: Annotated[Path, typer.Option("--db", help="module database in Omixer format, e.g. "
                                                  "GBMs.v1.0.txt (not shipped: licence)")],
    out_dir: Annotated[Path, typer.Option("--out", help="output folder for modules.tsv and "
                                                        "modules-coverage.tsv")],
    min_coverage: Annotated[float, typer.Option(
        "--min-coverage", help="coverage cut-off 0..1, or -1 to learn it from the data "
                               "(Omixer-RPM default)")] = -1.0,
    estimator: Annotated[EstimatorChoice, typer.Option(
        "--estimator", help="module score from its step abundances")] = EstimatorChoice.median,
    normalize_by_length: Annotated[bool, typer.Option(
        "--normalize-by-length", help="missing steps count as 0 in the score")] = False,
    distribute: Annotated[bool, typer.Option(
        "--distribute", help="divide an ID's abundance by its number of appearances in the "
                             "database (Omixer --Xdistribute)")] = False,
    per_taxon: Annotated[bool, typer.Option(
        "--per-taxon", help="infer modules per taxon from stratified input (HUMAnN "
                            "KO|taxon rows, PICRUSt2 'sequence' column)")] = False,
    fmt: FormatOpt = FormatChoice.auto,
    orientation: OrientOpt = OrientationChoice.auto,
) -> None:
    """Infer module abundance and coverage (Omixer-RPM compatible) from a KO table."""
    from gutbrain.profiles._io import ProfileError
    from gutbrain.profiles.modules import (
        KO_PATTERN,
        infer_modules,
        infer_modules_per_taxon,
        ko_only_detectability,
        read_module_db,
    )
    from gutbrain.profiles.readers import read_profile

    mdb = read_module_db(db)
    prof = read_profile(table, format=fmt.value, orientation=orientation.value,
                        stratified=per_taxon, progress=True)
    kw = dict(min_coverage=min_coverage, estimator=estimator.value,
              normalize_by_length=normalize_by_length, distribute=distribute)
    if per_taxon:
        if prof.stratified is None or prof.stratified.shape[0] == 0:
            raise ProfileError("--per-taxon needs stratified input; expected HUMAnN rows "
                               "'KO|taxon' or a PICRUSt2 table with a 'sequence' column",
                               path=table)
        res = infer_modules_per_taxon(prof.stratified, mdb, **kw)  # type: ignore[arg-type]
    else:
        res = infer_modules(prof.table, mdb, **kw)  # type: ignore[arg-type]
    paths = res.write(out_dir)
    o = res.options
    cut = "none (no module has coverage > 0)" if res.threshold != res.threshold else (
        f"{res.threshold:.4g}" + (" (automatic)" if min_coverage == -1 else ""))
    kind = "taxon-module pairs" if per_taxon else "modules"
    _say(f"input ({prof.format}): {prof.table.shape[1]} samples, "
         f"{o['n_db_ids_in_table']}/{o['n_db_ids']} database IDs found; coverage cut-off "
         f"{cut}; {res.abundance.shape[0]} {kind} of {len(mdb)} reported")
    feats = prof.table.index.astype(str)
    if len(feats) and feats.str.match(KO_PATTERN.pattern).mean() > 0.9:
        det = ko_only_detectability(mdb)
        never = det[det.status == "never"]
        capped = det[det.status == "capped"]
        if len(never) or len(capped):
            caps = ", ".join(f"{m} at {c:.2g}" for m, c in zip(capped.module, capped.max_coverage,
                                                               strict=True))
            _say(f"note: from KO-only input {len(never)} modules can never be detected"
                 + (f" ({', '.join(never.module)})" if len(never) else "")
                 + f" and {len(capped)} are capped below full coverage"
                 + (f" ({caps})" if len(capped) else ""))
    for p in paths.values():
        _say(f"wrote {p}")


@profile_app.command()
@guarded
def guilds(
    table: TableArg,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="write guilds × samples (plus an 'unmapped' row) to this TSV")] = None,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", help="also write how each taxon was mapped (TSV)")] = None,
    level: Annotated[str, typer.Option("--level", help="MetaPhlAn clade level")] = "genus",
    normalize: Annotated[NormalizeChoice, typer.Option(
        "--normalize", help="'total': guilds + unmapped = 1; 'mapped': guilds sum to 1")
    ] = NormalizeChoice.total,
    fmt: FormatOpt = FormatChoice.auto,
    orientation: OrientOpt = OrientationChoice.auto,
) -> None:
    """Map taxa to the simulator's 14 guilds and report the unmapped fraction per sample."""
    import pandas as pd

    from gutbrain.profiles._io import atomic_write_tsv
    from gutbrain.profiles.guilds import guild_profile
    from gutbrain.profiles.readers import read_profile

    prof = read_profile(table, format=fmt.value, orientation=orientation.value, level=level,
                        progress=True)
    g, unmapped = guild_profile(prof, normalize=normalize.value)
    full = pd.concat([g, unmapped.to_frame().T])
    full.index.name = "guild"
    if out_file is not None:
        atomic_write_tsv(full, out_file)
        _say(f"wrote {out_file}")
    if mapping is not None:
        atomic_write_tsv(g.attrs["mapping"], mapping, index=False)
        _say(f"wrote {mapping}")
    summary = Table(title=f"guilds in {prof.table.shape[1]} samples ({prof.format} table)")
    summary.add_column("guild")
    summary.add_column("mean", justify="right")
    summary.add_column("min", justify="right")
    summary.add_column("max", justify="right")
    for name, row in full.iterrows():
        summary.add_row(str(name), f"{row.mean():.4f}", f"{row.min():.4f}", f"{row.max():.4f}")
    out.print(summary)


@profile_app.command()
@guarded
def associate(
    table: TableArg,
    metadata: Annotated[Path, typer.Option("--metadata", help="sample metadata TSV/CSV, one "
                                                              "row per sample")],
    out_dir: Annotated[Path, typer.Option("--out", help="output folder for associations.tsv "
                                                        "and report.md")],
    outcome: Annotated[str | None, typer.Option(
        "--outcome", help="metadata column to explain: binary → logistic, numeric → "
                          "linear (model: outcome ~ feature + covariates)")] = None,
    covariates: Annotated[list[str] | None, typer.Option(
        "--covariates", help="adjustment columns, comma-separated or repeated")] = None,
    formula: Annotated[str | None, typer.Option(
        "--formula", help="model formula using the word 'feature' (instead of --outcome), in "
                          "gutbrain's grammar (never evaluated as Python): columns or "
                          "Q(\"name\"), + * : ( ) - 1, C(col), log/log2/log10/log1p/sqrt/exp/"
                          "center/standardize(col); e.g. 'feature ~ Group + Sex + BMI'")] = None,
    prevalence: Annotated[float, typer.Option(
        "--prevalence", help="keep features present in at least this fraction of samples "
                             "(applied before normalisation)")] = 0.1,
    transform: Annotated[TransformChoice, typer.Option(
        "--transform", help="feature transform")] = TransformChoice.clr,
    reference: Annotated[str | None, typer.Option(
        "--reference", help="reference level of a binary outcome")] = None,
    sample_column: Annotated[str | None, typer.Option(
        "--sample-column", help="metadata column with sample IDs (default: first)")] = None,
    fmt: FormatOpt = FormatChoice.auto,
    orientation: OrientOpt = OrientationChoice.auto,
) -> None:
    """Per-feature models with covariates, BH q-values, a tidy table and a short report."""
    from gutbrain.profiles._io import atomic_write_tsv
    from gutbrain.profiles.associate import associate as run_associate
    from gutbrain.profiles.associate import association_report, read_metadata
    from gutbrain.profiles.readers import read_profile

    covs = [c.strip() for item in (covariates or []) for c in item.split(",") if c.strip()]
    meta = read_metadata(metadata, sample_column)
    prof = read_profile(table, format=fmt.value, orientation=orientation.value, progress=True)
    res = run_associate(prof, meta, outcome=outcome, covariates=covs, formula=formula,
                        prevalence=prevalence, transform=transform.value, reference=reference)
    out_dir.mkdir(parents=True, exist_ok=True)
    tsv = atomic_write_tsv(res, out_dir / "associations.tsv", index=False)
    rep = association_report(res, out_dir / "report.md")
    a = res.attrs
    n_sig = int((res["q"] < 0.1).sum())
    _say(f"{a['family']} model {a['formula']!r}: {a['n_features_tested']} of "
              f"{a['n_features_in']} features tested in {a['n_samples_matched']} samples; "
              f"{n_sig} results with q < 0.1")
    _say(f"wrote {tsv}\nwrote {rep}")


@profile_app.command("responses")
@guarded
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

    from gutbrain.cli._boundary import prepare_out
    from gutbrain.report.profile_responses import simulate_responses, write_response_report

    groups = None
    if metadata is not None and group_column:
        from gutbrain.profiles.associate import read_metadata

        meta = read_metadata(metadata, sample_column)
        if group_column not in meta.columns:
            fail(f"{metadata}: column {group_column!r} not found; expected one of "
                 f"{', '.join(map(str, meta.columns))}", 2)
        groups = pd.Series(meta[group_column].to_numpy(),
                           index=meta.index.astype(str).str.replace("-", "."))
    prepare_out(out_dir)
    df = simulate_responses(table)
    path = write_response_report(df, out_dir, groups, title=table.name)
    _say(f"responses: {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(profile_app, name="profile",
                  help="Real microbiome profiles: modules, guilds, associations, responses.")


__all__ = ["profile_app", "register"]
