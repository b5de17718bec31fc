"""The server never crashes on input: schemathesis generates requests from the OpenAPI
schema (the scenario schema included) and every answer must be a non-5xx response. The
default run is bounded (a few examples per operation, small limits so each simulation is
short); the long run is marked slow."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.python import asgi as schemathesis_asgi  # noqa: E402

from gutbrain.web import Limits, create_app  # noqa: E402

# small caps keep every fuzzed simulation to seconds; the caps themselves are under test. The
# OpenAPI document states them (and the presets' names), so many generated requests are ones
# the server runs (a body without days asks for the default 180 and is refused here).
APP = create_app(Limits(max_days=30.0, max_persons=4, max_jobs=2, min_every_hours=1.0,
                        request_seconds=30.0, job_seconds=30.0), workers=1)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# The bounded run sends the documented example bodies and generated ones; the coverage phase
# (every boundary case of the schema, each mutated from the examples and so mostly a valid
# simulation) runs in the slow set only.
bounded = schemathesis.openapi.from_asgi("/openapi.json", APP)
bounded.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture(scope="module", autouse=True)
def started():
    """Run the app's start-up (the warmed process pool) once for every generated call."""
    with TestClient(APP):
        yield


# One in-process client for every generated call, not entered as a context: schemathesis ends
# an app's lifespan after each test and its own client starts it again for the next (the app's
# start-up warms a process pool, ~2.3 s a test: two thirds of this file's time), while the
# module's start-up above already serves every call.
CLIENT = schemathesis_asgi.get_client(APP)


def _check(case) -> None:
    response = case.call(session=CLIENT)
    assert response.status_code < 500, (case.method, case.path, case.body, response.text)
    if response.status_code in (413, 422, 429, 503):  # the API's own refusals say why
        body = response.json()
        assert body.get("detail") and body.get("error"), body


@bounded.parametrize()
@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_fuzz_bounded(case):
    _check(case)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_fuzz_long(case):
    _check(case)
