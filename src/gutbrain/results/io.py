"""Write results to disk atomically: Parquet table plus provenance JSON."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr


def _atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def observables_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Columns ``day`` plus one per observable (state columns excluded)."""
    cols = [v for v in ds.data_vars if not str(v).startswith("state_")]
    df = ds[cols].to_dataframe().reset_index()
    return df[["day", *cols]]


def write_results(ds: xr.Dataset, out_dir: str | Path) -> dict[str, Path]:
    """``results.parquet`` (day + observables) and ``provenance.json`` in ``out_dir``."""
    out = Path(out_dir)
    table = out / "results.parquet"
    prov = out / "provenance.json"
    df = observables_frame(ds)
    _atomic(table, lambda tmp: df.to_parquet(tmp, index=False))
    meta = json.loads(ds.attrs["provenance"])
    meta["columns"] = {c: ds[c].attrs.get("units", "") for c in df.columns if c != "day"}
    meta["columns"]["day"] = "d"
    meta["status"] = ds.attrs.get("status", "")
    _atomic(prov, lambda tmp: Path(tmp).write_text(json.dumps(meta, indent=2), encoding="utf-8"))
    return {"results": table, "provenance": prov}


def write_text_atomic(path: str | Path, text: str) -> Path:
    path = Path(path)
    _atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def json_safe(obj: Any) -> Any:
    """A copy that strict JSON can hold: NaN and infinities become null (never the bare
    ``NaN`` that most JSON readers refuse), numpy scalars and arrays plain Python."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        v = float(obj)
        return v if math.isfinite(v) else None
    return obj


def to_json(obj: Any) -> str:
    """Strict JSON text (NaN/inf as null), indented."""
    return json.dumps(json_safe(obj), indent=2, allow_nan=False)
