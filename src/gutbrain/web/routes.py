"""The ``/api`` endpoints. Each checks its input on the event loop (fast: pydantic and the
limits), then waits for the process pool; listings come straight from the library."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from gutbrain.errors import InputError
from gutbrain.web import inputs, work
from gutbrain.web.schemas import COMPARE_BODY, POPULATION_BODY, SCENARIO_BODY, TRIAL_BODY

ERRORS = {422: {"description": "bad input (detail names the field) or a solver failure"},
          413: {"description": "request body over the limit"},
          429: {"description": "too many jobs at once"},
          503: {"description": "the work took longer than its limit"}}
EveryHours = Annotated[float, Query(description="sampling interval of the simulation, hours")]
Observables = Annotated[str | None, Query(
    description="comma-separated observable ids (GET /api/observables); 'all' for every one")]


async def _json(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise InputError("(body): not valid JSON") from None


async def _in_pool(request: Request, fn: Any, *args: Any) -> Any:
    """Run ``fn(*args)`` in the pool within the request time limit (which counts the wait for
    a free worker: the timeout says how busy the workers were, so a reader can tell a slow
    request from a queue behind population jobs)."""
    app = request.app
    limit = app.state.limits.request_seconds
    try:
        return await asyncio.wait_for(app.state.pool.run(fn, *args), timeout=limit)
    except TimeoutError:
        jobs = app.state.jobs.active()
        raise TimeoutError(f"the request did not finish within its limit of {limit:g} s, "
                           f"waiting for a free worker included ({app.state.pool.workers} "
                           f"worker(s); {jobs} job(s) queued or running)") from None


def register(app: FastAPI) -> None:
    limits = app.state.limits

    @app.post("/api/simulate", tags=["simulate"], openapi_extra=SCENARIO_BODY,
              responses={200: {"content": {"application/json": {}, "text/csv": {},
                                           "application/vnd.apache.parquet": {}},
                               "description": "day + the observables, with units (JSON)"},
                         **ERRORS})
    async def simulate(request: Request, every_hours: EveryHours = 1.0,
                       format: Annotated[str, Query(
                           description="json, csv or parquet",
                           json_schema_extra={"enum": list(inputs.FORMATS)})] = "json",
                       observables: Observables = None) -> Response:
        """Simulate one person through a scenario (the body); the observables sampled every
        `every_hours`."""
        fmt = inputs.output_format(format)
        sc = inputs.scenario(await _json(request), limits)
        every = inputs.every_hours(every_hours, sc, limits)
        names = inputs.observables(observables)
        content, media = await _in_pool(request, work.simulate_payload,
                                        sc.model_dump(mode="json", by_alias=True), every,
                                        names, fmt)
        headers = {} if fmt == "json" else {
            "Content-Disposition": f'attachment; filename="gutbrain-results.{fmt}"'}
        return Response(content, media_type=media, headers=headers)

    @app.post("/api/compare", tags=["simulate"], openapi_extra=COMPARE_BODY, responses=ERRORS)
    async def compare(request: Request, every_hours: EveryHours = 1.0,
                      observables: Observables = None) -> JSONResponse:
        """A scenario against a reference (default: the same person and diet without the
        interventions): both series (daily means; cortisol hour by hour over two days), key
        observables side by side, and which pathways carried the PHQ-9 and GAD-7 change."""
        data = inputs.mapping(await _json(request), ("scenario", "reference"), ("scenario",))
        sc = inputs.scenario(data["scenario"], limits)
        ref = None
        if data.get("reference") is not None:
            ref = inputs.scenario(data["reference"], limits, "reference")
        for s in (sc, ref):
            if s is not None:
                inputs.every_hours(every_hours, s, limits)
        names = inputs.observables(observables)
        body = await _in_pool(request, work.compare_payload,
                              sc.model_dump(mode="json", by_alias=True),
                              ref.model_dump(mode="json", by_alias=True) if ref else None,
                              every_hours, names)
        return JSONResponse(body)

    @app.post("/api/population-response", tags=["jobs"], status_code=202,
              openapi_extra=POPULATION_BODY, responses=ERRORS)
    async def population_response(request: Request) -> JSONResponse:
        """Start a job: the scenario's interventions across `n` virtual persons of a
        population preset (ΔPHQ-9, ΔGAD-7 and key physiology per person, their
        distribution, the share who improve). Returns the job; poll `GET /api/jobs/{id}`."""
        from gutbrain.analysis.population import PRESETS
        from gutbrain.analysis.response import check_window

        data = inputs.mapping(await _json(request),
                              ("scenario", "population", "n", "seed", "window"), ("scenario",))
        sc = inputs.scenario(data["scenario"], limits)
        if not sc.interventions:
            raise InputError("scenario.interventions: a population response needs at least "
                             "one intervention")
        preset = data.get("population", "general")
        if not isinstance(preset, str) or preset not in PRESETS:  # {} was a 500 (the fuzz)
            raise InputError(f"population: expected one of {', '.join(PRESETS)}, got "
                             f"{preset!r}")
        n = inputs.whole(data, "n", 200, 1, limits.max_persons)
        seed = inputs.whole(data, "seed", 0, 0, 2**32 - 1)
        window = check_window(data["window"], sc.days) if "window" in data else None
        job = request.app.state.jobs.submit(
            "population-response", work.population_payload,
            sc.model_dump(mode="json", by_alias=True), preset, n, seed, window)
        return JSONResponse({**job.view(), "url": f"/api/jobs/{job.id}"}, 202)

    @app.post("/api/trial", tags=["jobs"], status_code=202, openapi_extra=TRIAL_BODY,
              responses=ERRORS)
    async def trial(request: Request) -> JSONResponse:
        """Start a job: a virtual randomised trial (the trial spec of `gutbrain trial` as
        JSON). The result is trial.json's content; poll `GET /api/jobs/{id}`."""
        from gutbrain.analysis.trial_spec import parse_trial

        spec = parse_trial(await _json(request), "trial")
        if spec.population.n > limits.max_persons:
            raise InputError(f"trial: population.n: {spec.population.n:,} persons is more "
                             f"than this server simulates ({limits.max_persons:,})")
        if spec.days + spec.run_in_days > limits.max_days:
            raise InputError(f"trial: days: {spec.days + spec.run_in_days:g} days with the "
                             f"run-in is more than this server simulates "
                             f"({limits.max_days:g})")
        job = request.app.state.jobs.submit("trial", work.trial_payload,
                                            spec.model_dump(mode="json", by_alias=True))
        return JSONResponse({**job.view(), "url": f"/api/jobs/{job.id}"}, 202)

    @app.get("/api/jobs/{job_id}", tags=["jobs"],
             responses={404: {"description": "no such job"}})
    async def job(request: Request, job_id: str) -> JSONResponse:
        """A job's status, progress (fraction, message) and, when done, its result."""
        found = request.app.state.jobs.jobs.get(job_id)
        if found is None:
            return JSONResponse({"error": "not_found", "detail": f"no job {job_id!r} (finished "
                                 "jobs are kept for a while, then forgotten)"}, 404)
        return JSONResponse(found.view())

    _listings(app)


def _listings(app: FastAPI) -> None:
    @app.get("/api/presets", tags=["catalogue"])
    async def presets() -> dict[str, Any]:
        """Names of the built-in diets (with intakes), persons, antibiotic classes, probiotic
        genera, prebiotic kinds, FMT donors and population presets."""
        from gutbrain.analysis.population import PRESETS
        from gutbrain.scenario import presets as p

        return {"diets": p.DIETS, "persons": p.PERSONS, "antibiotics": sorted(p.ANTIBIOTICS),
                "probiotics": sorted(p.PROBIOTICS), "prebiotics": sorted(p.PREBIOTICS),
                "donors": sorted(p.DONORS),
                "populations": {k: v.description for k, v in PRESETS.items()}}

    @app.get("/api/scenarios", tags=["catalogue"])
    async def scenarios() -> list[dict[str, Any]]:
        """The built-in scenarios (the demo's story), each with its scenario document."""
        from gutbrain.scenario.library import catalog

        return catalog()

    @app.get("/api/params", tags=["catalogue"], responses={422: ERRORS[422]})
    async def params(module: str | None = None, kind: str | None = None,
                     basis: str | None = None) -> list[dict[str, Any]]:
        """Every model parameter: value, unit, plausible range, kind, basis and source."""
        from gutbrain.model.catalog import parameter_records

        return parameter_records(module, kind, basis)

    @app.get("/api/observables", tags=["catalogue"])
    async def observables() -> list[dict[str, str]]:
        """Every observable (result column) with its unit."""
        from gutbrain.model.catalog import observable_records

        return observable_records()

    @app.get("/api/validation", tags=["catalogue"],
             responses={404: {"description": "this server has no scorecard"}})
    async def validation(request: Request) -> JSONResponse:
        """The latest validation scorecard of this model: the one the last full `gutbrain
        validate` kept in the cache folder, or the file given to `gutbrain serve --scorecard
        FILE` (written by `gutbrain validate --json FILE`); counts by status and every
        target."""
        from gutbrain.analysis.validation.latest import latest_path

        path = request.app.state.scorecard or latest_path()
        if not path.is_file():
            return JSONResponse({"error": "not_found", "detail": "this server has no "
                                 "scorecard of this model: run `gutbrain validate` (it keeps "
                                 "the latest full scorecard) or start `gutbrain serve "
                                 "--scorecard FILE`"}, 404)
        results = json.loads(path.read_text(encoding="utf-8"))
        counts: dict[str, int] = {}
        for r in results:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()
        return JSONResponse({"file": path.name, "written": modified, "summary": counts,
                             "results": results})

    @app.get("/api/health", tags=["catalogue"])
    async def health(request: Request) -> dict[str, Any]:
        """Liveness, versions and how busy the server is."""
        from gutbrain import __version__

        return {"status": "ok", "gutbrain": __version__, "model": request.app.state.model,
                "jobs_active": request.app.state.jobs.active(),
                "limits": request.app.state.limits.__dict__}

