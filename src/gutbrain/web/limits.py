"""The web API's caps on work per request: each one configurable (environment variables
``GUTBRAIN_WEB_<NAME>`` or ``create_app(limits=...)``) and stated in ``/docs``.

A public server must not let one request take the machine: a 100-year hourly run, a million
persons or a 1 GB body are refused up front with the limit named (DESIGN §8).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from gutbrain.errors import InputError


@dataclass(frozen=True)
class Limits:
    max_days: float = 3650.0  # scenario horizon (ten years)
    min_every_hours: float = 0.25  # finest sampling interval
    max_samples: int = 100_000  # output rows of one run (days * 24 / every_hours)
    max_persons: int = 1000  # n of a population response
    max_body_bytes: int = 100_000  # request body
    max_jobs: int = 4  # jobs queued or running at once
    job_seconds: float = 300.0  # per-job wall time
    request_seconds: float = 60.0  # a simulate/compare request's wall time
    keep_jobs: int = 100  # finished jobs kept for GET /api/jobs/{id}

    @classmethod
    def from_env(cls) -> Limits:
        """Defaults, overridden by ``GUTBRAIN_WEB_MAX_DAYS=...`` and the like."""
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f"GUTBRAIN_WEB_{f.name.upper()}")
            if raw is None:
                continue
            kind = int if f.type in (int, "int") else float
            try:
                values[f.name] = kind(raw)
            except ValueError:
                raise InputError(f"GUTBRAIN_WEB_{f.name.upper()}: expected a {kind.__name__}, "
                                 f"got {raw!r}") from None
        return cls(**values)

    def markdown(self) -> str:
        """The limits as a Markdown table (the OpenAPI description shows it at /docs)."""
        rows = [
            ("days", f"{self.max_days:g}", "scenario horizon, days"),
            ("every_hours", f">= {self.min_every_hours:g}", "sampling interval, hours"),
            ("samples", f"{self.max_samples:,}", "rows of one run (days × 24 / every_hours)"),
            ("n", f"{self.max_persons:,}", "persons of a population response"),
            ("body", f"{self.max_body_bytes:,} bytes", "request body"),
            ("jobs", f"{self.max_jobs}", "jobs queued or running at once (else 429)"),
            ("job time", f"{self.job_seconds:g} s", "wall time of one job"),
            ("request time", f"{self.request_seconds:g} s", "wall time of one simulate or "
                                                           "compare request"),
        ]
        head = "| limit | value | what |\n|---|---|---|\n"
        env = ", ".join(f"`GUTBRAIN_WEB_{f.name.upper()}`" for f in fields(self))
        return head + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows) + (
            f"\n\nSet with the environment variables {env}.")
