"""The REST API (issue #17) through FastAPI's TestClient, on a real process pool: answers
match the library, bad input gets the CLI's field-path message, limits are enforced, long
work runs as jobs without blocking the event loop."""

from __future__ import annotations

import io
import json
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from gutbrain.errors import SolverError  # noqa: E402
from gutbrain.web import Limits, create_app  # noqa: E402

LIMITS = Limits(max_days=400.0, max_persons=50, max_body_bytes=20_000, max_jobs=2)
PROBIOTIC = {"name": "probiotic", "days": 60, "interventions": [
    {"type": "probiotic", "genus": "multi_strain", "cfu_per_day": 1e10, "start_day": 7,
     "days": 28}]}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    card = tmp_path_factory.mktemp("card") / "scorecard.json"
    card.write_text(json.dumps([{"id": "a", "status": "pass"}, {"id": "b", "status": "fail"},
                                {"id": "c", "status": "pass"}]))
    with TestClient(create_app(LIMITS, workers=1, scorecard=card)) as c:
        yield c


def wait(client, url: str, timeout: float = 120.0) -> dict:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        job = client.get(url).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {url} did not finish in {timeout} s")


def test_listings(client):
    assert client.get("/api/health").json()["status"] == "ok"
    presets = client.get("/api/presets").json()
    assert "high_fiber" in presets["diets"] and "amoxicillin" in presets["antibiotics"]
    assert "depressed" in presets["populations"]
    scenarios = client.get("/api/scenarios").json()
    names = [s["name"] for s in scenarios]
    assert names[:3] == ["baseline", "high_fiber", "antibiotic"]
    from gutbrain.scenario.loader import parse_scenario

    for s in scenarios:  # each document is a valid scenario again
        assert parse_scenario(s["scenario"]).name
    hpa = client.get("/api/params", params={"module": "hpa"}).json()
    assert hpa and {r["module"] for r in hpa} == {"hpa"} and "unit" in hpa[0]
    bad = client.get("/api/params", params={"module": "nope"})
    assert bad.status_code == 422 and "expected one of diet, microbiota" in bad.json()["detail"]
    obs = {r["id"]: r["unit"] for r in client.get("/api/observables").json()}
    assert obs["phq9"] and "cortisol" in obs


def test_validation_serves_the_scorecard_file(client):
    body = client.get("/api/validation").json()
    assert body["summary"] == {"pass": 2, "fail": 1} and len(body["results"]) == 3


def test_validation_defaults_to_the_latest_full_scorecard_of_this_model(client, tmp_path,
                                                                       monkeypatch):
    from gutbrain.analysis.validation.harness import TargetResult
    from gutbrain.analysis.validation.latest import latest_path, save_latest

    monkeypatch.setenv("GUTBRAIN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(client.app.state, "scorecard", None)
    assert client.get("/api/validation").status_code == 404  # none kept yet
    result = TargetResult(id="x", module="m", tier="anchor", value=1.0, window=(0.0, 2.0),
                          passed=True, runtime_s=0.1, status="pass")
    assert save_latest([result]) == latest_path() and latest_path().parent == tmp_path
    body = client.get("/api/validation").json()
    assert body["summary"] == {"pass": 1} and body["results"][0]["id"] == "x"


def test_simulate_matches_the_library_in_every_format(client):
    import gutbrain

    ref = gutbrain.simulate(PROBIOTIC, every_hours=6.0)
    r = client.post("/api/simulate", params={"every_hours": 6, "observables": "phq9,cortisol"},
                    json=PROBIOTIC)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["units"]["phq9"] == ref.phq9.attrs["units"]
    np.testing.assert_allclose(body["day"], ref.day.values)
    np.testing.assert_allclose(body["series"]["phq9"], ref.phq9.values, rtol=1e-12)
    csv = client.post("/api/simulate", params={"every_hours": 6, "format": "csv",
                                               "observables": "phq9"}, json=PROBIOTIC)
    assert csv.headers["content-type"].startswith("text/csv")
    df = pd.read_csv(io.StringIO(csv.text))
    assert list(df.columns) == ["day", "phq9"]
    np.testing.assert_allclose(df.phq9, ref.phq9.values, rtol=1e-9)
    pq = client.post("/api/simulate", params={"every_hours": 6, "format": "parquet"},
                     json=PROBIOTIC)
    table = pd.read_parquet(io.BytesIO(pq.content))
    assert len(table) == len(ref.day) and "gad7" in table
    assert "server-timing" in r.headers


def test_a_bad_scenario_gets_the_cli_field_path_message(client, tmp_path):
    from typer.testing import CliRunner

    from gutbrain.cli import app

    bad = {"name": "bad", "days": 30, "interventions": [
        {"type": "probiotic", "cfu_per_day": -1}]}
    r = client.post("/api/simulate", json=bad)
    assert r.status_code == 422 and r.json()["error"] == "input"
    detail = r.json()["detail"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    cli = CliRunner().invoke(app, ["simulate", str(path), "--out", str(tmp_path / "o")])
    assert cli.exit_code == 2
    field_message = "interventions.0.cfu_per_day: Input should be greater than 0 (got -1)"
    assert field_message in detail and field_message in " ".join(cli.output.split())
    unknown = client.post("/api/simulate", json={"diet": "chips"}).json()["detail"]
    assert "diet: unknown diet preset 'chips'" in unknown


@pytest.mark.parametrize(("params", "body", "status", "needle"), [
    ({}, {"days": 500}, 422, "400 days"),
    ({"every_hours": 0.1}, {"days": 10}, 422, "at least 0.25 h"),
    ({"every_hours": "x"}, {"days": 10}, 422, "every_hours"),
    ({"format": "xml"}, {"days": 10}, 422, "json, csv, parquet"),
    ({"observables": "phq9,nope"}, {"days": 10}, 422, "'nope'"),
    ({}, {"days": 10, "person": {"profile": "/etc/passwd", "sample": "x"}}, 422,
     "person.profile"),
    ({}, [1, 2], 422, "expected a mapping"),
])
def test_limits_and_bad_requests_are_422(client, params, body, status, needle):
    r = client.post("/api/simulate", params=params, json=body)
    assert r.status_code == status and needle in r.json()["detail"], r.text


def test_body_limit_and_malformed_json(client):
    big = client.post("/api/simulate", content=b"{" + b" " * 30_000 + b"}",
                      headers={"content-type": "application/json"})
    assert big.status_code == 413 and "20,000 bytes" in big.json()["detail"]
    broken = client.post("/api/simulate", content=b"{\"days\": ",
                         headers={"content-type": "application/json"})
    assert broken.status_code == 422 and "not valid JSON" in broken.json()["detail"]


def test_compare_defaults_to_the_scenario_without_interventions(client):
    r = client.post("/api/compare", json={"scenario": PROBIOTIC})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["reference"] == "probiotic (no interventions)"
    assert set(body["attribution"]) == {"phq9", "gad7"}
    assert body["plain"]["phq9"]["change"].startswith("PHQ-9 ")
    assert len(body["series"]["day"]) == len(body["series"]["scenario"]["phq9"]) == 60
    assert body["interventions"] == [{"start": 7.0, "end": 35.0, "label": "probiotic"}]
    assert len(body["two_days"]["day"]) == 49  # hourly over two days
    same = client.post("/api/compare", json={"scenario": PROBIOTIC, "reference": PROBIOTIC})
    rows = same.json()["observables"]
    assert rows and all(abs(o["difference"]) < 1e-12 for o in rows)
    extra = client.post("/api/compare", json={"scenario": PROBIOTIC, "other": 1})
    assert extra.status_code == 422 and "other: unknown field" in extra.json()["detail"]


def test_population_response_job_runs_without_blocking_the_loop(client):
    r = client.post("/api/population-response",
                    json={"scenario": PROBIOTIC, "population": "general", "n": 20, "seed": 3})
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    t0 = time.perf_counter()
    assert client.get("/api/health").status_code == 200
    assert time.perf_counter() - t0 < 0.5  # the event loop answers while the job runs
    job = wait(client, url)
    assert job["status"] == "done", job["error"]
    res = job["result"]
    phq = res["observables"]["phq9"]
    assert res["n"] == 20 and len(phq["values"]) == 20
    assert 0.0 <= phq["share_improved"] <= 1.0
    assert phq["quantiles"]["0.05"] <= phq["quantiles"]["0.5"] <= phq["quantiles"]["0.95"]
    again = wait(client, client.post("/api/population-response", json={
        "scenario": PROBIOTIC, "population": "general", "n": 20, "seed": 3}).json()["url"])
    assert again["result"]["observables"]["phq9"]["values"] == phq["values"]  # seeded
    assert res["window_rule"] == "largest mean effect"
    # read where a trial reads it: the given days, the same persons, other values
    given = wait(client, client.post("/api/population-response", json={
        "scenario": PROBIOTIC, "population": "general", "n": 20, "seed": 3,
        "window": [50, 60]}).json()["url"])["result"]
    assert given["window"] == [50, 60] and given["window_rule"] == "given"
    assert given["observables"]["phq9"]["values"] != phq["values"]


def test_population_response_refusals(client):
    no_iv = client.post("/api/population-response", json={"scenario": {"days": 30}})
    assert no_iv.status_code == 422 and "intervention" in no_iv.json()["detail"]
    many = client.post("/api/population-response", json={"scenario": PROBIOTIC, "n": 51})
    assert many.status_code == 422 and "1 to 50" in many.json()["detail"]
    preset = client.post("/api/population-response",
                         json={"scenario": PROBIOTIC, "population": "martians"})
    assert preset.status_code == 422 and "general" in preset.json()["detail"]
    for window, expect in (([10, 5], "0 <= start < end <= 60"), ([0, 90], "<= 60"),
                           ([3], "two numbers"), (["a", 4], "two numbers"),
                           ([3, 3.5], "at least one day")):
        bad = client.post("/api/population-response",
                          json={"scenario": PROBIOTIC, "n": 10, "window": window})
        assert bad.status_code == 422 and bad.json()["detail"].startswith("window: "), bad.text
        assert expect in bad.json()["detail"], bad.json()["detail"]
    assert client.get("/api/jobs/nope").status_code == 404


def test_too_many_jobs_is_429(client):
    body = {"scenario": PROBIOTIC, "n": 10}
    codes = [client.post("/api/population-response", json=body) for _ in range(3)]
    assert [c.status_code for c in codes] == [202, 202, 429]
    assert "2 jobs" in codes[2].json()["detail"]
    for c in codes[:2]:
        wait(client, c.json()["url"])


def test_openapi_states_the_limits_and_the_scenario_schema(client):
    spec = client.get("/openapi.json").json()
    assert "Scenario" in spec["components"]["schemas"]
    assert "Probiotic" in spec["components"]["schemas"]
    assert "| days | 400 |" in spec["info"]["description"]
    body = spec["paths"]["/api/simulate"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/Scenario")
    assert client.get("/docs").status_code == 200
    # what a request may ask, as JSON Schema says it: this server's caps as maxima, preset
    # names as enums, bounds under JSON Schema's names (pydantic's gt/le are not read by
    # clients or request generators)
    schemas = spec["components"]["schemas"]
    days = schemas["Scenario"]["properties"]["days"]
    assert days["maximum"] == 400 and days["exclusiveMinimum"] == 0 and "le" not in days
    assert schemas["TrialSpec"]["properties"]["days"]["maximum"] == 400
    assert schemas["PopulationSpec"]["properties"]["n"]["maximum"] == 50
    person = schemas["Scenario"]["properties"]["person"]["anyOf"][0]
    assert "healthy_adult" in person["enum"] and "germ_free" in person["enum"]
    assert "amoxicillin" in schemas["Antibiotic"]["properties"]["class"]["enum"]
    assert schemas["TrialSpec"]["properties"]["arms"]["minProperties"] == 2
    fmt = next(p for p in spec["paths"]["/api/simulate"]["post"]["parameters"]
               if p["name"] == "format")
    assert fmt["schema"]["enum"] == ["json", "csv", "parquet"]
    population = spec["paths"]["/api/population-response"]["post"]["requestBody"]
    assert population["content"]["application/json"]["schema"]["properties"]["n"][
        "maximum"] == 50


def test_a_solver_failure_is_a_clear_json_error(monkeypatch):
    from gutbrain.web import work

    def failing(*args):
        raise SolverError("step size underflow at day 3.2 (variable cortisol)", 3.2,
                          "cortisol")

    monkeypatch.setattr(work, "warm_up", lambda: 0.0)
    monkeypatch.setattr(work, "simulate_payload", failing)
    with TestClient(create_app(LIMITS, executor=ThreadPoolExecutor(1))) as c:
        r = c.post("/api/simulate", json={"days": 10})
    assert r.status_code == 422
    assert r.json() == {"error": "solver", "detail": "the simulation failed: step size "
                        "underflow at day 3.2 (variable cortisol)"}


def test_a_request_over_its_time_limit_says_how_busy_the_workers_were(monkeypatch):
    import time

    from gutbrain.web import work

    monkeypatch.setattr(work, "warm_up", lambda: 0.0)
    monkeypatch.setattr(work, "simulate_payload", lambda *args: time.sleep(1.0))
    with TestClient(create_app(Limits(request_seconds=0.2),
                               executor=ThreadPoolExecutor(1))) as c:
        r = c.post("/api/simulate", json={"days": 10})
    assert r.status_code == 503
    assert r.json() == {"error": "request_time", "detail": "the request did not finish within "
                        "its limit of 0.2 s, waiting for a free worker included (1 worker(s); "
                        "0 job(s) queued or running)"}


def test_limits_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUTBRAIN_WEB_MAX_DAYS", "90")
    monkeypatch.setenv("GUTBRAIN_WEB_MAX_JOBS", "7")
    limits = Limits.from_env()
    assert limits.max_days == 90.0 and limits.max_jobs == 7
    monkeypatch.setenv("GUTBRAIN_WEB_MAX_JOBS", "many")
    with pytest.raises(ValueError, match="GUTBRAIN_WEB_MAX_JOBS"):
        Limits.from_env()


def test_a_job_over_its_time_limit_fails_with_a_clear_error(monkeypatch):
    from gutbrain.web import work

    monkeypatch.setattr(work, "warm_up", lambda: 0.0)
    limits = Limits(job_seconds=0.2)
    with TestClient(create_app(limits, executor=ThreadPoolExecutor(1))) as c:
        job = wait(c, c.post("/api/population-response",
                             json={"scenario": PROBIOTIC, "n": 120}).json()["url"])
    assert job["status"] == "failed" and job["error"]["error"] == "job_time", job["error"]
    assert "ran out of time" in job["error"]["detail"]


def test_a_dead_worker_costs_one_call_not_the_server():
    import asyncio
    import math
    import os

    from gutbrain.web.pool import Pool, WorkerLost

    async def scenario() -> float:
        pool = Pool(1)
        try:
            with pytest.raises(WorkerLost, match="restarted"):
                await pool.run(os._exit, 1)
            assert pool.replaced == 1
            return await pool.run(math.sqrt, 16.0)
        finally:
            pool.shutdown()

    assert asyncio.run(scenario()) == 4.0


def test_a_trial_runs_as_a_job_and_matches_the_library(client):
    from gutbrain.analysis.trial import run_trial
    from gutbrain.analysis.trial_spec import parse_trial

    spec = {"name": "tiny", "population": {"preset": "general", "n": 16, "seed": 5},
            "days": 28, "arms": {"placebo": [], "probiotic": [
                {"type": "probiotic", "genus": "multi_strain", "cfu_per_day": 1e10}]},
            "outcomes": ["phq9", "il6"]}
    r = client.post("/api/trial", json=spec)
    assert r.status_code == 202, r.text
    job = wait(client, r.json()["url"])
    assert job["status"] == "done", job["error"]
    expected, _, _ = run_trial(parse_trial(spec))
    got = job["result"]["arms"]["probiotic"]["outcomes"]["phq9"]
    want = expected["arms"]["probiotic"]["outcomes"]["phq9"]
    # the same persons and arms; the lockstep engine's float32 right-hand side may round
    # differently in another process (seen: 1e-8 relative), far below its rtol of 3e-4
    assert got == pytest.approx({k: float(v) for k, v in want.items()}, rel=1e-6)
    assert job["result"]["contrasts"] and job["progress"]["fraction"] == 1.0
    bad = client.post("/api/trial", json={**spec, "population": {"n": 51}})
    assert bad.status_code == 422 and "population.n" in bad.json()["detail"]
    wrong = client.post("/api/trial", json={**spec, "outcomes": []})
    assert wrong.status_code == 422 and "trial: outcomes" in wrong.json()["detail"]


def test_serve_refuses_bad_options():
    from typer.testing import CliRunner

    from gutbrain.cli import app

    res = CliRunner().invoke(app, ["serve", "--workers", "0"])
    assert res.exit_code == 2 and "--workers" in res.output
    res = CliRunner().invoke(app, ["serve", "--scorecard", "/nonexistent.json"])
    assert res.exit_code == 2 and "no such file" in res.output


@pytest.mark.slow
def test_gutbrain_serve_answers_after_loading_the_model(tmp_path):
    """The real command: nothing answers until the model is loaded, then it serves."""
    import os
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = os.path.join(os.path.dirname(sys.executable), "gutbrain")
    proc = subprocess.Popen([exe, "serve", "--port", str(port), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        t0 = time.monotonic()
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).json()
                break
            except httpx.TransportError:
                assert time.monotonic() - t0 < 300, "gutbrain serve did not start"
                time.sleep(0.5)
        assert health["status"] == "ok" and health["model"]
        t1 = time.perf_counter()
        r = httpx.post(f"http://127.0.0.1:{port}/api/simulate?observables=phq9",
                       json={"days": 180}, timeout=60)
        assert r.status_code == 200 and time.perf_counter() - t1 < 5  # warm at once
        assert "plotly" in httpx.get(f"http://127.0.0.1:{port}/").text
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                  text=True).stdout.split()
        assert children  # the worker pool (and multiprocessing's resource tracker)
    finally:
        proc.terminate()
        proc.wait(30)
    t0 = time.monotonic()
    while any(_running(int(c)) for c in children):  # no worker outlives its server
        assert time.monotonic() - t0 < 15, [c for c in children if _running(int(c))]
        time.sleep(0.5)


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie may wait for a reaper in containers)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_every_documented_example_body_runs(client):
    """The request examples in the OpenAPI document (what /docs' "Try it out" sends, and what
    the API fuzz sends first) are accepted and run to a result: a simulation, a comparison, a
    population response and a trial."""
    spec = client.get("/openapi.json").json()

    def example(path: str) -> dict:
        return spec["paths"][path]["post"]["requestBody"]["content"]["application/json"][
            "example"]

    r = client.post("/api/simulate", json=example("/api/simulate"))
    assert r.status_code == 200, r.text
    assert len(r.json()["day"]) > 14 * 24 and "phq9" in r.json()["series"]
    r = client.post("/api/compare", json=example("/api/compare"))
    assert r.status_code == 200, r.text
    # a population named by an object, not a name, was a 500 (found by the fuzz)
    bad = {**example("/api/population-response"), "population": {}}
    r = client.post("/api/population-response", json=bad)
    assert r.status_code == 422 and "population: expected one of" in r.json()["detail"]
    for path in ("/api/population-response", "/api/trial"):
        r = client.post(path, json=example(path))
        assert r.status_code == 202, r.text
        done = wait(client, r.json()["url"])
        assert done["status"] == "done", done
