"""The latest full scorecard of this model, kept in the cache folder so that faces (the
explorer's ``/api/validation``) can show it without rerunning the 3-5 minute validation.

Keyed by the model's digest: a scorecard of another model version is never shown as this
one's. Only a complete run (every target, no --tier/--only filter) is kept."""

from __future__ import annotations

from pathlib import Path

from gutbrain.analysis.validation.harness import TargetResult, write_json


def latest_path() -> Path:
    """Where the latest full scorecard of the current model lives (it may not exist)."""
    from gutbrain.compile.cache import cache_location
    from gutbrain.compile.digest import spec_digest
    from gutbrain.model import build_model

    return cache_location() / f"scorecard-{spec_digest(build_model())[:16]}.json"


def save_latest(results: list[TargetResult]) -> Path | None:
    """Keep a complete run's results (temp file, then rename); None when the cache folder
    cannot be written (a read-only cache is not worth a failed validation)."""
    path = latest_path()
    tmp = path.with_suffix(".json.tmp")
    try:
        write_json(results, tmp)
        tmp.replace(path)
    except OSError:
        return None
    return path


__all__ = ["latest_path", "save_latest"]
