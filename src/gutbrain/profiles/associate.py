"""Per-feature association models (MaAsLin / Tjazi ``fw_glm`` style) with BH q-values.

Pipeline, in this order (the order matters, see biobakery/Maaslin2#2):

1. **Prevalence filter on the raw table**, before any normalisation: keep features present
   (> ``min_abundance``) in at least ``prevalence`` (a *fraction*, 0.1 = 10 %) of the samples
   that have metadata. Filtering first keeps the threshold in the units the user sees.
2. **Transform** the kept features per sample: ``clr`` (default) replaces each zero by
   ``zero_factor`` × the sample's smallest non-zero value (Tjazi ``impute_zeroes(method =
   "const")``, 0.65 × detection limit) and takes log minus the sample's mean log; ``tss`` gives
   relative abundances; ``none`` leaves values as they are.
3. **One model per feature** through the statsmodels formula API. ``outcome`` + ``covariates``
   builds ``outcome ~ feature + covariates``: logistic when the outcome has two levels (the
   reference is the first in sorted order unless ``reference`` is given), linear when it is
   numeric. A ``formula`` may instead put the feature anywhere, e.g. MaAsLin's
   ``feature ~ Group + Sex + BMI`` (linear). Formulas follow the grammar of
   :mod:`gutbrain.profiles.formula` (columns, ``+ * : ( ) - 1``, ``C()``, log/sqrt/... of one
   column) and are checked before patsy sees them: patsy would evaluate arbitrary Python.
   A feature whose model fails is kept with NaN estimates and the reason in ``status``
   (failure is data, DESIGN §2).
4. **Benjamini–Hochberg** q-values per term across features (statsmodels ``multipletests``).

The tidy result has one row per (feature, term): feature, term, coef, se, p, q, n_nonzero,
plus n (samples in the model), prevalence and status.
"""

from __future__ import annotations

import csv
import html
import math
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gutbrain.profiles import _files
from gutbrain.profiles._io import ProfileError, atomic_write_text
from gutbrain.profiles.formula import (
    Formula,
    design_matrices,
    mentions_feature,
    parse_formula,
    quote_column,
)
from gutbrain.profiles.readers import Profile

TRANSFORMS = ("clr", "tss", "none")
RESULT_COLUMNS = ["feature", "term", "coef", "se", "p", "q", "n_nonzero", "n", "prevalence",
                  "status"]


# --------------------------------------------------------------------------------------------
# preparation
# --------------------------------------------------------------------------------------------

def prevalence_filter(table: pd.DataFrame, prevalence: float = 0.1,
                      min_abundance: float = 0.0) -> pd.DataFrame:
    """Features present (> *min_abundance*) in at least a fraction *prevalence* of samples."""
    if not 0 <= prevalence <= 1:
        raise ProfileError(f"prevalence {prevalence} is out of range; expected a fraction from "
                           "0 to 1 (0.1 = present in 10 % of samples)")
    present = (table.to_numpy(dtype=np.float64) > min_abundance).mean(axis=1)
    return table[present >= prevalence - 1e-12]


def clr(table: pd.DataFrame, zero_factor: float = 0.65) -> pd.DataFrame:
    """Centred log-ratio per sample (column) after constant zero replacement.

    Each zero becomes ``zero_factor`` × the smallest non-zero value of its sample (Tjazi's
    ``clr_c``); the CLR of a sample is ``log x - mean(log x)`` over the features given.
    """
    x = table.to_numpy(dtype=np.float64).copy()
    if (x < 0).any():
        raise ProfileError("negative abundances; CLR expects values >= 0")
    pos = np.where(x > 0, x, np.inf).min(axis=0)
    empty = ~np.isfinite(pos)
    if empty.any():
        raise ProfileError(f"sample {table.columns[np.flatnonzero(empty)[0]]!r} has no non-zero "
                           "feature after filtering; CLR is undefined (drop the sample or "
                           "lower the prevalence filter)")
    x = np.where(x > 0, x, zero_factor * pos)
    logx = np.log(x)
    return pd.DataFrame(logx - logx.mean(axis=0), index=table.index, columns=table.columns)


def transform_table(table: pd.DataFrame, transform: str = "clr",
                    zero_factor: float = 0.65) -> pd.DataFrame:
    """Apply ``clr``, ``tss`` (relative abundance) or ``none``."""
    if transform == "clr":
        return clr(table, zero_factor)
    if transform == "tss":
        tot = table.sum(axis=0)
        return table / tot.where(tot > 0)
    if transform == "none":
        return table.astype(np.float64)
    raise ProfileError(f"unknown transform {transform!r}; expected one of "
                       f"{', '.join(TRANSFORMS)}")


def _sample_key(s: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]", ".", str(s).strip())


def _check_table(table: pd.DataFrame) -> None:
    """The profile must be a finite numeric table with unique sample and feature names."""
    if table.shape[0] == 0 or table.shape[1] == 0:
        raise ProfileError(f"empty table ({table.shape[0]} features × {table.shape[1]} "
                           "samples); expected at least one of each")
    for kind, idx in (("sample", table.columns), ("feature", table.index)):
        dup = idx[idx.duplicated()]
        if len(dup):
            raise ProfileError(f"duplicated {kind} {dup[0]!r} in the table; expected each "
                               f"{kind} once")
    try:
        x = table.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"non-numeric values in the table ({exc}); expected numbers") from None
    bad = ~np.isfinite(x)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ProfileError(f"feature {table.index[r]!r}, sample {table.columns[c]!r}: value "
                           f"{x[r, c]} is not finite; expected finite abundances")


def match_samples(columns: Sequence[str], ids: Sequence[str]) -> tuple[dict[str, str], str]:
    """Map metadata sample IDs to table columns: exact, else after R's ``make.names``-style
    normalisation (every character other than letters, digits and ``_`` becomes ``.``), which
    fixes the ``wHAXPI032581-18`` vs ``wHAXPI032581.18`` mismatch of R-exported tables."""
    cols = [str(c) for c in columns]
    ids = [str(i) for i in ids]
    exact = set(cols) & set(ids)
    if exact and len(exact) == min(len(set(cols)), len(set(ids))):
        return {i: i for i in ids if i in exact}, "exact"
    col_keys: dict[str, str] = {}
    for c in cols:
        k = _sample_key(c)
        if k in col_keys and col_keys[k] != c:
            raise ProfileError(f"table columns {col_keys[k]!r} and {c!r} differ only in "
                               "punctuation; cannot match them to metadata unambiguously")
        col_keys[k] = c
    mapping = {}
    for i in ids:
        k = _sample_key(i)
        if i in exact:
            mapping[i] = i
        elif k in col_keys:
            mapping[i] = col_keys[k]
    if len(mapping) <= len(exact):
        return {i: i for i in ids if i in exact}, "exact"
    return mapping, "normalised ('-' and other punctuation read as '.')"


def _metadata_rows(path: Path, header: str, header_line: int,
                   lines: Iterator[tuple[int, str]], sep: str) -> tuple[list[str], list[int]]:
    """Split the header; check every row has as many fields; return (names, row lines)."""
    sep_name = "comma" if sep == "," else "tab"
    try:
        names = [h.strip() for h in next(csv.reader([header], delimiter=sep), [""])]
    except csv.Error as exc:
        raise ProfileError(f"cannot split the header ({exc}); expected {sep_name}-separated "
                           "column names", path=path, line=header_line) from None
    reader = csv.reader((text for _, text in lines), delimiter=sep)
    row_lines: list[int] = []
    line_end = header_line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return names, row_lines
        except csv.Error as exc:
            raise ProfileError(f"cannot split the row into fields ({exc}); expected "
                               f"{sep_name}-separated fields (is a quote left open?)",
                               path=path, line=line_end + 1) from None
        line_start, line_end = line_end + 1, header_line + reader.line_num
        if not row or all(not x.strip() for x in row):
            continue
        if len(row) != len(names):
            hint = (" (a header without a name for the sample column, as R's write.table "
                    "writes, has one field fewer than the rows: add one)"
                    if len(row) == len(names) + 1 else "")
            raise ProfileError(f"{len(row)} fields but the header (line {header_line}) has "
                               f"{len(names)}{hint}; expected every row to have {len(names)} "
                               f"{sep_name}-separated fields", path=path, line=line_start)
        row_lines.append(line_start)


def read_metadata(path: str | os.PathLike[str], sample_column: str | None = None,
                  ) -> pd.DataFrame:
    """Read a sample metadata table (TSV/CSV); the sample IDs become the index.

    The first column holds sample IDs unless *sample_column* names another one (a first column
    without a name, as R's ``write.csv`` writes it, works too). Sample IDs are read as text as
    they are ("NA" is a sample called NA); other columns get pandas' type and missing-value
    inference. An empty file, a header without rows, binary or non-UTF-8 content, duplicated
    column names, and empty or duplicated sample IDs are ProfileErrors naming the file and line.
    """
    what = "metadata table"
    if not Path(path).exists():
        raise ProfileError("metadata file not found; expected a TSV/CSV with one row per "
                           "sample", path=path)
    path = _files.check_file(path, what)
    _files.sniff_text(path, what)
    lines = _files.iter_lines(path, what)  # NUL / UTF-8 / line-length checks per line
    try:
        header, header_line = None, 0
        for lineno, text in lines:
            if text.strip():
                header, header_line = text.rstrip("\r\n"), lineno
                break
        if header is None:
            raise ProfileError("the file is empty; expected a header line and one row per "
                               "sample", path=path)
        sep = ("," if path.suffix.lower() == ".csv" or ("\t" not in header and "," in header)
               else "\t")
        sep_name = "comma" if sep == "," else "tab"
        names, row_lines = _metadata_rows(path, header, header_line, lines, sep)
    finally:
        lines.close()
    if not row_lines:
        raise ProfileError(f"no rows after the header (line {header_line}); expected one row "
                           "per sample", path=path)
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name and name in seen:
            raise ProfileError(f"duplicated column {name!r} (columns {seen[name] + 1} and "
                               f"{i + 1}); expected each column once", path=path,
                               line=header_line)
        seen[name] = i
    if sample_column is not None and sample_column not in seen:
        raise ProfileError(f"no column {sample_column!r}; columns are {', '.join(names)}",
                           path=path, line=header_line)
    pos = seen[sample_column] if sample_column is not None else 0
    try:
        df = pd.read_csv(path, sep=sep, keep_default_na=True, na_values=[""])
        ids_raw = pd.read_csv(path, sep=sep, usecols=[pos], dtype=str, keep_default_na=False,
                              na_filter=False).iloc[:, 0]
    except Exception as exc:  # pandas raises ParserError, ValueError, UnicodeError, ...
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise ProfileError(f"could not parse metadata ({type(exc).__name__}: {first}); "
                           f"expected a {sep_name}-separated table with a header",
                           path=path) from None
    if df.shape[0] == 0 or len(ids_raw) != df.shape[0]:
        raise ProfileError(f"no rows could be read after the header (line {header_line}); "
                           "expected one row per sample", path=path)
    line_of = row_lines if len(row_lines) == df.shape[0] else [
        header_line + 1 + i for i in range(df.shape[0])]  # pandas saw other rows: best effort
    col = df.columns[pos]
    ids = ids_raw.astype(str).str.strip().reset_index(drop=True)
    empty = np.flatnonzero((ids == "").to_numpy())
    if empty.size:
        raise ProfileError(f"empty sample ID in column {pos + 1} ({col!r}); expected a sample "
                           "ID in every row", path=path, line=line_of[int(empty[0])])
    dup = ids.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((ids == ids.iloc[i]).to_numpy())[0])
        raise ProfileError(f"duplicated sample {ids.iloc[i]!r} (first on line "
                           f"{line_of[first]}); expected each sample once", path=path,
                           line=line_of[i])
    df = df.drop(columns=[col])
    df.index = pd.Index(ids.to_numpy(dtype=object), name="sample")
    return df


# --------------------------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------------------------

def _bh(p: np.ndarray) -> np.ndarray:
    from statsmodels.stats.multitest import multipletests

    q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return q


def associate(table: pd.DataFrame | Profile, metadata: pd.DataFrame, *,
              outcome: str | None = None, covariates: Sequence[str] = (),
              formula: str | None = None, prevalence: float = 0.1,
              min_abundance: float = 0.0, transform: str = "clr", zero_factor: float = 0.65,
              reference: str | None = None, engine: str = "auto") -> pd.DataFrame:
    """Fit one model per feature and return the tidy table (see the module docstring).

    *metadata* is indexed by sample ID (see :func:`read_metadata`). ``result.attrs`` records the
    formula, model family, sample matching and feature counts before/after filtering.
    ``engine="auto"`` builds the design matrix once (all linear feature-as-response models are
    solved together, other models reuse the matrix); ``"formula"`` rebuilds the design with
    patsy and refits every feature with statsmodels (slower, the reference the fast paths are
    tested against). *formula* must follow :mod:`gutbrain.profiles.formula`.
    """
    if isinstance(table, Profile):
        table = table.table
    if (formula is None) == (outcome is None):
        raise ProfileError("give either outcome (with optional covariates) or a formula "
                           "containing 'feature'")
    if transform not in TRANSFORMS:
        raise ProfileError(f"unknown transform {transform!r}; expected one of "
                           f"{', '.join(TRANSFORMS)}")
    if engine not in ("auto", "formula"):
        raise ProfileError(f"unknown engine {engine!r}; expected 'auto' or 'formula'")
    covariates = [c for c in covariates if c]
    if "feature" in metadata.columns:
        raise ProfileError("metadata has a column named 'feature', which the model formula "
                           "reserves for the profile feature; rename it")
    meta_cols = [str(c) for c in metadata.columns]
    if formula is None:
        assert outcome is not None
        for kind, name in (("outcome", outcome), *(("covariate", c) for c in covariates)):
            if name not in meta_cols:
                raise ProfileError(f"{kind} {name!r} is not a metadata column; columns are "
                                   f"{', '.join(meta_cols) or '(none)'}")
        formula = (f"{quote_column(outcome)} ~ feature"
                   + "".join(f" + {quote_column(c)}" for c in covariates))
    checked = parse_formula(formula, meta_cols)  # the grammar, before patsy sees anything
    formula, response = checked.text, checked.response
    _check_table(table)

    mapping, how = match_samples(table.columns, metadata.index)
    if len(mapping) < 3:
        raise ProfileError(f"only {len(mapping)} samples match between the table and the "
                           f"metadata (table e.g. {list(table.columns[:3])}, metadata e.g. "
                           f"{list(metadata.index[:3])}); expected the same sample IDs")
    meta = metadata.loc[list(mapping)].copy()
    meta.index = pd.Index([mapping[i] for i in meta.index], name="sample")
    raw = table[list(meta.index)]

    family = "linear"
    if response != "feature":
        if response not in meta.columns:
            raise ProfileError(f"outcome {response!r} is not a metadata column; columns are "
                               f"{', '.join(map(str, meta.columns))}")
        y = meta[response]
        levels = sorted(y.dropna().unique(), key=str)
        if len(levels) < 2:
            shown = f"only the value {levels[0]!r}" if levels else "no values"
            raise ProfileError(f"outcome {response!r} has {shown} in the {len(meta)} matched "
                               "samples; expected at least two different values")
        if len(levels) == 2:
            family = "logistic"
            ref = levels[0] if reference is None else reference
            if ref not in levels:  # --reference arrives as text: match 0/1 outcomes too
                ref = next((lv for lv in levels if str(lv) == str(ref)), ref)
            if ref not in levels:
                raise ProfileError(f"reference {ref!r} is not a level of {response!r}; levels "
                                   f"are {levels}")
            meta[response] = (y != ref).astype(float).where(y.notna())
            event = [lv for lv in levels if lv != ref][0]
        elif not pd.api.types.is_numeric_dtype(y):
            raise ProfileError(f"outcome {response!r} has {len(levels)} levels; expected two "
                               "(logistic) or numbers (linear); for groups with more levels "
                               "use formula='feature ~ C(group) + ...'")
    n_in = raw.shape[0]
    kept = prevalence_filter(raw, prevalence, min_abundance)
    if kept.shape[0] == 0:
        raise ProfileError(f"no feature is present in >= {prevalence:.0%} of the "
                           f"{raw.shape[1]} matched samples; lower the prevalence filter")
    prev = (kept.to_numpy() > min_abundance).mean(axis=1)
    values = transform_table(kept, transform, zero_factor)
    present = kept.to_numpy() > min_abundance
    rows = _fit_all(values, present, prev, meta, checked, family, response, engine)
    out = pd.DataFrame(rows, columns=[c for c in RESULT_COLUMNS if c != "q"])
    out.insert(5, "q", np.nan)
    for _, idx in out.groupby("term", sort=False).groups.items():
        out.loc[idx, "q"] = _bh(out.loc[idx, "p"].to_numpy(dtype=float))
    out = out.sort_values(["term", "p"], kind="stable", na_position="last").reset_index(
        drop=True)
    out.attrs.update({
        "formula": formula, "family": family, "transform": transform,
        "zero_factor": zero_factor, "prevalence": prevalence, "min_abundance": min_abundance,
        "n_features_in": int(n_in), "n_features_tested": int(kept.shape[0]),
        "n_samples_matched": len(mapping), "n_table_samples": int(table.shape[1]),
        "n_metadata_samples": int(metadata.shape[0]), "sample_matching": how,
        "outcome_event": event if family == "logistic" else None})
    return out


def _row(feat: str, term: str, coef: float, se: float, p: float, n_nonzero: int, n: int,
         prevalence: float, status: str) -> dict[str, object]:
    return {"feature": feat, "term": term, "coef": coef, "se": se, "p": p,
            "n_nonzero": n_nonzero, "n": n, "prevalence": prevalence, "status": status}


def _status(caught: list[warnings.WarningMessage]) -> str:
    msgs = [str(w.message) for w in caught if "converge" in str(w.message).lower()
            or "separation" in str(w.message).lower()]
    return "warning: " + msgs[0].splitlines()[0][:120] if msgs else "ok"


def _fit_all(values: pd.DataFrame, present: np.ndarray, prev: np.ndarray, meta: pd.DataFrame,
             formula: Formula, family: str, response: str, engine: str,
             ) -> list[dict[str, object]]:
    """Fit every feature's model; pick the fastest path that gives statsmodels' numbers."""
    data = meta.copy()
    data["feature"] = values.iloc[0].to_numpy()
    y0, x0 = design_matrices(formula, data)  # checked grammar, restricted patsy environment
    used = meta.index.get_indexer(x0.index)
    cols = list(x0.columns)
    uses_feature = [c for c in cols if mentions_feature(c)]
    if engine == "auto" and response == "feature" and not uses_feature:
        return _ols_batch(values, present, prev, x0, used)
    if engine == "auto" and uses_feature == ["feature"]:
        return _loop_design(values, present, prev, y0, x0, used, family)
    return _loop_formula(values, present, prev, meta, formula, family, response)


def _ols_batch(values: pd.DataFrame, present: np.ndarray, prev: np.ndarray, x0: pd.DataFrame,
               used: np.ndarray) -> list[dict[str, object]]:
    """``feature ~ covariates`` for all features at once (same design, many responses)."""
    from scipy import stats

    x = x0.to_numpy(dtype=np.float64)
    y = values.to_numpy(dtype=np.float64)[:, used].T  # samples × features
    n, k = x.shape
    rank = np.linalg.matrix_rank(x)
    pinv = np.linalg.pinv(x)
    beta = pinv @ y
    resid = y - x @ beta
    df = n - rank
    sigma2 = (resid**2).sum(axis=0) / df if df > 0 else np.full(y.shape[1], np.nan)
    cov_diag = np.diag(pinv @ pinv.T)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.outer(cov_diag, sigma2))
        t = beta / se
    p = 2 * stats.t.sf(np.abs(t), df) if df > 0 else np.full_like(t, np.nan)
    status = "ok" if rank == k else f"warning: design matrix rank {rank} < {k} columns"
    rows = []
    nz = present[:, used].sum(axis=1)
    for fi, feat in enumerate(values.index):
        for j, term in enumerate(x0.columns):
            if term == "Intercept":
                continue
            rows.append(_row(str(feat), term, float(beta[j, fi]), float(se[j, fi]),
                             float(p[j, fi]), int(nz[fi]), n, float(prev[fi]), status))
    return rows


def _loop_design(values: pd.DataFrame, present: np.ndarray, prev: np.ndarray,
                 y0: pd.DataFrame, x0: pd.DataFrame, used: np.ndarray,
                 family: str) -> list[dict[str, object]]:
    """``outcome ~ feature + covariates``: one design matrix, the feature column swapped."""
    import statsmodels.api as sm

    x = x0.to_numpy(dtype=np.float64).copy()
    y = y0.iloc[:, 0].to_numpy(dtype=np.float64)
    j = list(x0.columns).index("feature")
    vals = values.to_numpy(dtype=np.float64)[:, used]
    nz = present[:, used].sum(axis=1)
    rows = []
    for fi, feat in enumerate(values.index):
        x[:, j] = vals[fi]
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = sm.Logit(y, x) if family == "logistic" else sm.OLS(y, x)
                res = model.fit(disp=0) if family == "logistic" else model.fit()
            rows.append(_row(str(feat), "feature", float(res.params[j]), float(res.bse[j]),
                             float(res.pvalues[j]), int(nz[fi]), len(y), float(prev[fi]),
                             _status(caught)))
        except Exception as exc:  # noqa: BLE001 - a failed model is recorded, not raised
            rows.append(_row(str(feat), "feature", math.nan, math.nan, math.nan, int(nz[fi]),
                             len(y), float(prev[fi]),
                             f"error: {type(exc).__name__}: {exc}"[:200]))
    return rows


def _loop_formula(values: pd.DataFrame, present: np.ndarray, prev: np.ndarray,
                  meta: pd.DataFrame, formula: Formula, family: str,
                  response: str) -> list[dict[str, object]]:
    """General case: every feature's own design (patsy, restricted environment) and model.

    Equivalent to ``statsmodels.formula.api`` (which builds the same patsy design) without
    handing it the formula: statsmodels would evaluate it in the caller's Python namespace.
    """
    import statsmodels.api as sm

    rows: list[dict[str, object]] = []
    for fi, feat in enumerate(values.index):
        data = meta.copy()
        data["feature"] = values.loc[feat].to_numpy()
        nonzero = pd.Series(present[fi], index=data.index)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                y, x = design_matrices(formula, data)
                model = sm.Logit(y, x) if family == "logistic" else sm.OLS(y, x)
                res = model.fit(disp=0) if family == "logistic" else model.fit()
            used = x.index
            names = [t for t in res.params.index if t != "Intercept"]
            if response != "feature":
                names = [t for t in names if mentions_feature(t)]
            for t in names:
                rows.append(_row(str(feat), t, float(res.params[t]), float(res.bse[t]),
                                 float(res.pvalues[t]), int(nonzero.loc[used].sum()),
                                 len(used), float(prev[fi]), _status(caught)))
        except Exception as exc:  # noqa: BLE001 - a failed model is recorded, not raised
            rows.append(_row(str(feat), "feature" if response != "feature" else "", math.nan,
                             math.nan, math.nan, int(nonzero.sum()), len(data),
                             float(prev[fi]), f"error: {type(exc).__name__}: {exc}"[:200]))
    return rows


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------

def _fmt(x: object) -> str:
    if isinstance(x, float):
        if math.isnan(x):
            return "NA"
        return f"{x:.3g}"
    return str(x)


def association_report(results: pd.DataFrame, path: str | os.PathLike[str], *,
                       title: str = "gutbrain association report", top: int = 15,
                       alpha: float = 0.1) -> Path:
    """Write a short Markdown (or HTML, by the ``.html`` suffix) report of *results*."""
    path = Path(path)
    a = results.attrs
    lines = [f"# {title}", ""]
    if a:
        lines += [
            f"- Model: `{a.get('formula')}` ({a.get('family')}"
            + (f"; event = {a['outcome_event']!r}" if a.get("outcome_event") is not None
               else "") + ")",
            f"- Transform: {a.get('transform')} (zeros → {a.get('zero_factor')} × the sample's "
            "smallest non-zero value)" if a.get("transform") == "clr" else
            f"- Transform: {a.get('transform')}",
            f"- Samples: {a.get('n_samples_matched')} matched (table {a.get('n_table_samples')}, "
            f"metadata {a.get('n_metadata_samples')}; matching: {a.get('sample_matching')})",
            f"- Features: {a.get('n_features_tested')} of {a.get('n_features_in')} tested after "
            f"the prevalence filter (present in ≥ {a.get('prevalence', 0):.0%} of samples, "
            "applied before normalisation)",
            "- q: Benjamini–Hochberg per term across features", ""]
    failed = results["status"].astype(str).str.startswith("error").sum()
    summary = results.groupby("term", sort=False).agg(
        tests=("p", "size"), q05=("q", lambda s: int((s < 0.05).sum())),
        q10=("q", lambda s: int((s < 0.1).sum())), p05=("p", lambda s: int((s < 0.05).sum())))
    lines += ["## Tests per term", "", "| term | tests | p < 0.05 | q < 0.05 | q < 0.1 |",
              "|---|---|---|---|---|"]
    for term, r in summary.iterrows():
        lines.append(f"| {term} | {r.tests} | {r.p05} | {r.q05} | {r.q10} |")
    warned = results["status"].astype(str).str.startswith("warning").sum()
    lines += ["", f"Models that failed: {failed}; fitted with warnings: {warned}.", ""]
    main_terms = [t for t in summary.index if "feature" in str(t)] or list(summary.index)
    for term in main_terms[:3]:
        sub = results[results["term"] == term].nsmallest(top, "p")
        lines += [f"## Top {len(sub)} features for `{term}`", "",
                  "| feature | coef | se | p | q | n_nonzero |", "|---|---|---|---|---|---|"]
        for _, r in sub.iterrows():
            mark = " *" if r["q"] < alpha else ""
            lines.append(f"| {r['feature']}{mark} | {_fmt(r['coef'])} | {_fmt(r['se'])} | "
                         f"{_fmt(r['p'])} | {_fmt(r['q'])} | {r['n_nonzero']} |")
        lines += ["", f"\\* q < {alpha}", ""]
    text = "\n".join(lines) + "\n"
    if path.suffix.lower() in (".html", ".htm"):
        text = _markdown_to_html(text, title)
    return atomic_write_text(path, text)


def _markdown_to_html(md: str, title: str) -> str:
    """Tiny converter for the report's own Markdown (headings, bullets, tables)."""
    out = ["<!doctype html><html><head><meta charset='utf-8'>",
           f"<title>{html.escape(title)}</title>",
           "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
           "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
           "</style></head><body>"]
    in_table = in_list = False
    for line in md.splitlines():
        esc = html.escape(line)
        esc = re.sub(r"`([^`]*)`", r"<code>\1</code>", esc)
        if line.startswith("|"):
            cells = [c.strip() for c in esc.strip("|").split("|")]
            if set(line.replace("|", "").strip()) <= {"-"}:
                continue
            if not in_table:
                out.append("<table><tr>" + "".join(f"<th>{c}</th>" for c in cells) + "</tr>")
                in_table = True
            else:
                out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{esc[2:]}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if line.startswith("## "):
            out.append(f"<h2>{esc[3:]}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{esc[2:]}</h1>")
        elif line.strip():
            out.append(f"<p>{esc.replace(chr(92) + '*', '*')}</p>")
    if in_table:
        out.append("</table>")
    if in_list:
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


__all__ = ["RESULT_COLUMNS", "TRANSFORMS", "associate", "association_report", "clr",
           "match_samples", "prevalence_filter", "read_metadata", "transform_table"]
