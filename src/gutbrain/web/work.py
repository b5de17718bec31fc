"""What the web API's worker processes run: plain data in (validated scenario JSON), plain
data or bytes out, so nothing heavy crosses the process boundary and the server's event loop
only waits. Every function here reuses the library (simulate, compare_runs, explain,
population_response); none of it is web-specific except the shape of the answer."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from gutbrain.analysis.compare import KEY_OBSERVABLES, compare_runs, daily_means
from gutbrain.results.io import json_safe

GUILDS = ("guild_bacteroides", "guild_starch_degraders", "guild_fibre_degraders",
          "guild_bifidobacterium", "guild_roseburia", "guild_faecalibacterium",
          "guild_lactate_utilisers", "guild_propionate_producers", "guild_acetogens",
          "guild_methanogens", "guild_lactobacillus", "guild_akkermansia",
          "guild_enterobacteriaceae", "guild_spore_formers")
# the series a comparison returns by default: the explorer page's plots
COMPARE_SERIES = (*KEY_OBSERVABLES, "acetate", "propionate", "kt_ratio", "vagal_tone",
                  "serotonin_gut", "richness", *GUILDS)
FAST_SERIES = ("cortisol",)  # drawn hour by hour over two days (the daily rhythm)


def warm_up() -> float:
    """Load the compiled model and every solver a request can need (one-person, batch,
    periodic burn-in) in this process, so the first request is answered warm. Seconds taken."""
    t0 = time.perf_counter()
    import gutbrain
    from gutbrain.analysis.population import population

    gutbrain.simulate({"name": "warm-up", "days": 2.0})
    population("general", n=2, seed=0)
    from gutbrain.analysis.cohort import cohort_chunk
    from gutbrain.scenario.schema import Scenario

    pop = population("general", n=2, seed=1)
    cohort_chunk(Scenario(name="warm-up", days=1.0).model_dump_json(), np.arange(2),
                 pop.params, pop.state, 0.25, ("phq9",), 3e-4)
    return time.perf_counter() - t0


def _scenario(data: dict[str, Any]):
    from gutbrain.scenario.loader import parse_scenario

    return parse_scenario(data, "scenario")


def simulate_payload(scenario: dict[str, Any], every_hours: float,
                     observables: tuple[str, ...] | None, fmt: str) -> tuple[bytes, str]:
    """One run as JSON, CSV or Parquet bytes, and the media type."""
    import gutbrain
    from gutbrain.results.io import observables_frame

    sc = _scenario(scenario)
    ds = gutbrain.simulate(sc, every_hours=every_hours)
    df = observables_frame(ds if observables is None else ds[list(observables)])
    if fmt == "csv":
        return df.to_csv(index=False).encode(), "text/csv"
    if fmt == "parquet":
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        return buf.getvalue(), "application/vnd.apache.parquet"
    cols = [c for c in df.columns if c != "day"]
    head = json.dumps({"scenario": sc.name, "every_hours": every_hours,
                       "units": {c: ds[c].attrs.get("units", "") for c in cols}})
    return (head[:-1] + ', "day": ' + _values(df.day) + ', "series": {'
            + ", ".join(f"{json.dumps(c)}: {_values(df[c])}" for c in cols) + "}}"
            ).encode(), "application/json"


def _values(column) -> str:
    """A numeric column as a JSON array, fast (pandas' C writer; 15 significant digits; NaN
    and infinities as null, which strict JSON readers accept)."""
    return column.to_json(orient="values", double_precision=15)


def _plain(sc, a, b, window: tuple[float, float]) -> dict[str, Any]:
    """The plain-language reading of the difference: per score a sentence on the change
    (severity bands, clinically noticeable or not) and one on the pathways that carried it,
    and results that run against common belief."""
    from gutbrain.analysis.explain import explain
    from gutbrain.report.plain import belief_flags, change_sentence, pathway_sentence

    out: dict[str, Any] = {}
    for score in ("phq9", "gad7"):
        ex = explain(a, b, score=score, window=window)
        out[score] = {"change": change_sentence(score, ex.reference, ex.scenario, window),
                      "pathways": pathway_sentence(ex)}
    out["flags"] = belief_flags(sc, a, b)
    return out


def _series(ds, names: tuple[str, ...]) -> dict[str, list[float]]:
    return {o: daily_means(ds[o])[1] for o in names if o in ds}


def compare_payload(scenario: dict[str, Any], reference: dict[str, Any] | None,
                    every_hours: float, observables: tuple[str, ...] | None) -> dict[str, Any]:
    """Both runs (daily means, and cortisol hour by hour over two days), the key observables
    side by side, the pathway attribution and its plain-language reading."""
    import gutbrain
    from gutbrain.analysis.compare import default_reference
    from gutbrain.report.plain import intervention_windows

    sc = _scenario(scenario)
    ref = _scenario(reference) if reference is not None else default_reference(sc)
    a = gutbrain.simulate(sc, every_hours=every_hours)
    b = gutbrain.simulate(ref, every_hours=every_hours)
    result = compare_runs(a, b)
    win = tuple(result["window"])
    names = observables or COMPARE_SERIES
    days, _ = daily_means(a[names[0]])
    lo = float(np.floor(win[0]))
    two = {"day": slice(lo, lo + 2.0)}
    result.update({
        "scenario": sc.name, "reference": ref.name, "every_hours": every_hours,
        "plain": _plain(sc, a, b, win),
        "interventions": [{"start": s, "end": e, "label": lab}
                          for s, e, lab in intervention_windows(sc)],
        "units": {o: a[o].attrs.get("units", "") for o in names},
        "series": {"day": days, "scenario": _series(a, names),
                   "reference": _series(b, names)},
        "two_days": {"day": a.day.sel(two).to_numpy(),
                     "scenario": {o: a[o].sel(two).to_numpy() for o in FAST_SERIES},
                     "reference": {o: b[o].sel(two).to_numpy() for o in FAST_SERIES}},
    })
    return json_safe(result)


def write_progress(path: str | None, fraction: float, message: str) -> None:
    """A job's progress, written atomically where the server reads it."""
    if path is None:
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    Path(tmp).write_text(json.dumps({"fraction": fraction, "message": message}),
                         encoding="utf-8")
    os.replace(tmp, path)


def population_payload(scenario: dict[str, Any], population: str, n: int, seed: int,
                       window: tuple[float, float] | None, progress_path: str | None,
                       deadline_s: float) -> dict[str, Any]:
    """A population response (analysis.response) with progress written to a file and the
    job's time budget enforced between chunks."""
    from gutbrain.analysis.response import population_response

    deadline = time.monotonic() + deadline_s
    result = population_response(_scenario(scenario), population, n, seed,
                                 progress=lambda f, m: write_progress(progress_path, f, m),
                                 deadline=deadline, window=window)
    return json_safe(result)


def trial_payload(spec: dict[str, Any], progress_path: str | None,
                  deadline_s: float) -> dict[str, Any]:
    """A virtual trial (analysis.trial.run_trial, in memory): its trial.json as data. The
    time budget is enforced after each chunk of persons."""
    from gutbrain.analysis.response import DeadlineExceeded
    from gutbrain.analysis.trial import CHUNK, run_trial
    from gutbrain.analysis.trial_spec import parse_trial

    sc = parse_trial(spec, "trial")
    deadline = time.monotonic() + deadline_s
    per_arm = -(-sc.population.n // len(sc.arms))
    total = len(sc.arms) * -(-per_arm // CHUNK)
    done = 0
    write_progress(progress_path, 0.0, f"sampling and screening {sc.population.n} persons")

    def step(key: str) -> None:
        nonlocal done
        done += 1
        write_progress(progress_path, min(0.99, done / total), f"simulated chunk {done} of "
                       f"~{total}")
        if time.monotonic() > deadline:
            raise DeadlineExceeded(f"stopped after {done} chunks")

    result, _, _ = run_trial(sc, out=None, progress=step)
    return json_safe(result)
