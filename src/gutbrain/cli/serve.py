"""``gutbrain serve``: the REST API and the explorer page (FastAPI on uvicorn)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gutbrain.cli._boundary import fail, guarded, say


@guarded
def serve(
    host: Annotated[str, typer.Option(help="address to listen on (0.0.0.0: every "
                                           "interface)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="simulation worker processes")] = 2,
    scorecard: Annotated[Path | None, typer.Option(
        help="scorecard JSON (`gutbrain validate --json FILE`) for /api/validation")] = None,
) -> None:
    """Serve the REST API (OpenAPI at /docs) and the explorer page at /. The model is
    loaded in every worker before the first request is taken. Limits: GUTBRAIN_WEB_*
    environment variables (listed at /docs)."""
    if not 1 <= workers <= 64:
        fail(f"--workers: expected 1 to 64, got {workers}", 2)
    if not 0 <= port <= 65535:
        fail(f"--port: expected 0 to 65535, got {port}", 2)
    if scorecard is not None and not scorecard.is_file():
        fail(f"--scorecard {scorecard}: no such file", 2)
    import uvicorn

    from gutbrain.web import Limits, create_app

    app = create_app(Limits.from_env(), workers=workers, scorecard=scorecard)
    say(f"gutbrain explorer: http://{host}:{port}/  (API docs: /docs; loading the model in "
        f"{workers} worker(s) first)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command()(serve)
