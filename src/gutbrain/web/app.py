"""The FastAPI application: REST API under ``/api``, the explorer page at ``/``.

Simulations run in a process pool (``workers`` processes, each warmed up at start-up so the
first request is answered warm); the event loop only validates input and waits. Bad input is
a 422 with the CLI's field-path message; a solver failure a 422 naming the variable; too
much work a 413 or 429; nothing a client sends crashes the server.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from gutbrain.errors import InputError, SolverError
from gutbrain.web import work
from gutbrain.web.jobs import JobManager, TooBusy
from gutbrain.web.limits import Limits
from gutbrain.web.pool import Pool, WorkerLost
from gutbrain.web.schemas import add_components

STATIC = Path(__file__).parent / "static"


def describe_error(exc: BaseException) -> dict[str, str]:
    """The JSON error body of a failure, and its kind."""
    from gutbrain.analysis.response import DeadlineExceeded

    if isinstance(exc, InputError | ValueError):
        return {"error": "input", "detail": str(exc)}
    if isinstance(exc, SolverError):
        return {"error": "solver", "detail": f"the simulation failed: {exc}"}
    if isinstance(exc, DeadlineExceeded):
        return {"error": "job_time", "detail": f"the job ran out of time ({exc})"}
    if isinstance(exc, TooBusy):
        return {"error": "busy", "detail": str(exc)}
    if isinstance(exc, WorkerLost):
        return {"error": "worker_lost", "detail": str(exc)}
    if isinstance(exc, TimeoutError):
        return {"error": "request_time",
                "detail": str(exc) or "the request took longer than its limit"}
    return {"error": "internal", "detail": f"{type(exc).__name__}: {exc}"}


STATUS = {"input": 422, "solver": 422, "busy": 429, "request_time": 503, "job_time": 503,
          "too_large": 413, "worker_lost": 503, "internal": 500}


def error_response(exc: BaseException) -> JSONResponse:
    body = describe_error(exc)
    return JSONResponse(body, status_code=STATUS[body["error"]])


async def _handler(request: Request, exc: Exception) -> JSONResponse:
    return error_response(exc)


class BodyLimit:
    """ASGI middleware: refuse a request body over ``limit`` bytes (413) before reading more,
    whether or not it declares its length."""

    def __init__(self, app: Any, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_large = JSONResponse({"error": "too_large", "detail": f"the request body is larger "
                                  f"than this server accepts ({self.limit:,} bytes)"}, 413)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await too_large(scope, receive, send)
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _BodyTooLarge:
            await too_large(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


class ServerTiming:
    """ASGI middleware: a ``Server-Timing: app;dur=<ms>`` header on every response (the
    server's own time, which bench/bench_web.py reports beside the round trip)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()

        async def timed(message: dict) -> None:
            if message["type"] == "http.response.start":
                ms = 1000 * (time.perf_counter() - t0)
                message["headers"] = [*message.get("headers", []),
                                      (b"server-timing", f"app;dur={ms:.1f}".encode())]
            await send(message)

        await self.app(scope, receive, timed)


def create_app(limits: Limits | None = None, workers: int = 1,
               executor: Executor | None = None, scorecard: str | Path | None = None
               ) -> FastAPI:
    """The API and page. ``executor`` replaces the process pool (tests); ``scorecard`` is
    the JSON of ``gutbrain validate --json FILE`` served at /api/validation."""
    limits = limits or Limits.from_env()
    scorecard = scorecard or os.environ.get("GUTBRAIN_WEB_SCORECARD")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loop = asyncio.get_running_loop()
        if executor is None:  # generate and compile once here (minutes on a fresh machine,
            # cached on disk), so the worker processes only load the cached code
            await loop.run_in_executor(None, work.warm_up)
        pool = Pool(workers, executor, work.warm_up)
        await pool.start()
        app.state.pool = pool
        app.state.model = await loop.run_in_executor(None, _model_digest)
        app.state.jobs = JobManager(pool, limits, describe_error)
        yield
        app.state.jobs.close()
        pool.shutdown()

    # /docs is served below from a local copy of Swagger UI (FastAPI's own page loads it from a
    # CDN: blank offline, and a third-party request per visit); no /redoc, whose page fetches
    # its logo from the vendor's CDN whatever it is given
    app = FastAPI(title="gutbrain", version=_version(), lifespan=lifespan,
                  description=DESCRIPTION + "\n\n## Limits\n\n" + limits.markdown(),
                  docs_url=None, redoc_url=None)
    app.state.limits = limits
    app.state.scorecard = Path(scorecard) if scorecard else None
    app.add_middleware(BodyLimit, limit=limits.max_body_bytes)
    app.add_middleware(ServerTiming)

    from gutbrain.analysis.response import DeadlineExceeded

    for kind in (ValueError, SolverError, TooBusy, TimeoutError, DeadlineExceeded, WorkerLost):
        app.add_exception_handler(kind, _handler)

    @app.exception_handler(RequestValidationError)
    async def _query(request: Request, exc: RequestValidationError) -> JSONResponse:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"][1:]) or "request"
        return JSONResponse({"error": "input", "detail": f"{where}: {err['msg']}"}, 422)

    from gutbrain.web.routes import register

    register(app)
    base_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_components(base_openapi(), app.state.limits)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/vendor/docs", StaticFiles(directory=_docs_assets()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url, title="gutbrain API",
            swagger_js_url="/vendor/docs/swagger-ui-bundle.js",
            swagger_css_url="/vendor/docs/swagger-ui.css",
            swagger_favicon_url="/vendor/docs/favicon.png")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> Response:
        return Response(_plotly_js(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})

    return app


def _docs_assets() -> str:
    """Swagger UI 5 as the fastapi-offline package bundles it."""
    from importlib.resources import files

    return str(files("fastapi_offline").joinpath("static"))


def _plotly_js() -> bytes:
    """plotly.js as the plotly Python package bundles it (nothing from the network)."""
    from importlib.resources import files

    return files("plotly").joinpath("package_data/plotly.min.js").read_bytes()


def _model_digest() -> str:
    from gutbrain.compile.build import compile_model

    return compile_model().digest


def _version() -> str:
    from gutbrain import __version__

    return __version__


DESCRIPTION = """Simulate the microbiome–gut–brain axis of a person: the explorer page is at
[/](/). Scenario bodies are the scenario YAML schema as JSON (`gutbrain simulate` takes the
same document). A bad scenario gets a 422 whose `detail` names the field path, as the CLI
does; a solver failure a 422 with `"error": "solver"`. Population responses run as jobs:
`POST` returns the job (202), `GET /api/jobs/{id}` its progress and result."""

__all__ = ["create_app"]
