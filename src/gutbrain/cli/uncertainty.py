"""``gutbrain posterior``: the shipped posterior ensemble, parameter by parameter: prior and
posterior 90 % intervals, contraction (identifiability), and the record's real-model checks."""

from __future__ import annotations

from typing import Annotated

import typer

from gutbrain.cli._boundary import guarded, say, warn


@guarded
def posterior(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="print CSV")] = False,
) -> None:
    """The posterior ensemble's marginals: which calibrated parameters the targets identify."""
    from gutbrain.analysis.uncertainty.ensemble import load_ensemble
    from gutbrain.cli.info import emit_table

    ens = load_ensemble()
    rec = ens.record
    rows = []
    for n in ens.names:
        m = rec.get("marginals", {}).get(n, {})
        pr, po = m.get("prior_q05_q50_q95"), m.get("posterior_q05_q50_q95")
        rows.append([n, rec.get("units", {}).get(n, ""), rec.get("priors", {}).get(n, {}).get(
            "family", ""), rec.get("nominal", {}).get(n),
            None if pr is None else f"{pr[0]:.4g}-{pr[2]:.4g}",
            None if po is None else f"{po[0]:.4g}-{po[2]:.4g}",
            None if "contraction" not in m else round(m["contraction"], 3),
            m.get("identifiable")])
    emit_table(["parameter", "unit", "prior", "model value", "prior 90 %", "posterior 90 %",
                "contraction", "identifiable"], rows, as_json, as_csv,
               title=f"posterior ensemble: {len(ens)} members")
    if as_json or as_csv:
        return
    say(f"not identifiable from the calibration targets: "
        f"{', '.join(rec.get('non_identifiable', [])) or 'none'}")
    checks = rec.get("checks")
    if checks:
        say(f"real-model checks of {checks['members']} members: related held-out targets "
            f"covered {checks['held_out_covered']}/{checks['held_out_total']}, held-out pass "
            f"rate {checks['held_out_member_pass_rate']:.0%}, calibration-target pass rate "
            f"{checks['calibration_member_pass_rate']:.0%}")
    prov = ens.provenance()
    if "warning" in prov:
        warn(prov["warning"])


def register(app: typer.Typer) -> None:
    app.command()(posterior)
