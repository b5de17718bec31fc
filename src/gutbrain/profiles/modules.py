"""Module inference (Gut-Brain / Gut Metabolic Modules) compatible with Omixer-RPM 1.1.

Omixer-RPM (Darzi et al. 2016; raeslab/omixer-rpm) scores a module by enumerating every path
(one alternative enzyme per step) and keeping the best one. That enumeration is exponential and
runs out of memory on large modules (raeslab/omixer-rpm#9). Here each step simply takes its best
alternative: steps are independent and every Omixer estimator is non-decreasing in each step
value, so the per-step best gives exactly the same coverage and score (research notes
``software-anchors.md`` §2 item 8) in time linear in the database size, vectorised over samples.

Semantics reproduced from the Java source (module file parser, optimisers, coverage cut-off):

* Database: ``ID<TAB>name``, then one line per step, then ``///``. On a step line TAB separates
  alternatives (OR) and a comma joins the subunits of a complex (AND). The final ``///`` may be
  missing (the GBM file has none). Blank lines are ignored (Java would read them as steps).
* Value of an alternative = mean of its subunit abundances (absent = 0); it is present when the
  sum is > 0, so a partly detected complex counts as present at a reduced value.
* Coverage = present steps / steps. Scores: ``median`` of present step values (with
  ``normalize_by_length`` missing steps enter as 0 and a median of 0 becomes the smallest
  positive step value); ``average`` = sum of step values / present steps (/ all steps with
  normalisation); ``sum`` = sum of step values (/ all steps with normalisation). Medians use
  Apache Commons Math's legacy estimator (``lower + 0.5 * (upper - lower)``) for bit-equality.
* Best path = highest coverage, then highest score (Java keeps the first path on exact ties;
  the reported numbers are the same whichever tied path is kept).
* ``distribute`` (Java ``--Xdistribute``): an ID that appears N > 1 times in the database (each
  appearance counted, also repeats inside one module) is divided by N. Like Java, inside one
  module only the *last* appearance of the ID gets the divided value (Java updates the module's
  ID→ortholog map, which holds the last one); earlier repeats keep the full abundance.
* Cut-off: a module passes in a sample when coverage >= cut-off. ``min_coverage=-1`` (the
  Omixer default) picks the cut-off from all non-zero coverages: distinct values in descending
  order, the cut-off is the value just above the largest jump in module count (ties go to the
  lower coverage). A module is reported if it passes in >= 1 sample; failing samples get 0 in
  both matrices.

Deliberate differences from Java 1.1, where Java has a bug: ``min`` (Java always returns 0
because its running minimum starts at 0) is the smallest positive *subunit* abundance of the
best path, with coverage = present subunits / subunits as in Java; per-taxon mode with
``distribute`` treats each taxon independently (Java reuses the same module objects across
taxa). A path score that Java would make NaN (no present step) is written as 0. Duplicate
feature rows in an in-memory table are summed, as Omixer does.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from gutbrain.profiles._files import check_file, iter_lines, sniff_text
from gutbrain.profiles._io import ProfileError, atomic_write_tsv
from gutbrain.profiles.readers import Profile

Estimator = Literal["median", "average", "sum", "min"]
ESTIMATORS: tuple[str, ...] = ("median", "average", "sum", "min")
KO_PATTERN = re.compile(r"^K\d{5}$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_CHUNK_CELLS = 2_000_000  # (alternatives + module steps) × columns evaluated at once
MAX_DB_BYTES = 64 * 1024 * 1024  # GBM/GMM files are ~10-30 kB; anything this big is not one
DB_FORMAT = ("a module database such as GBMs.v1.0.txt: one block per module, made of a header "
             "line 'ID<TAB>name', one line per step with ortholog IDs (TAB between alternatives, "
             "',' between the subunits of a complex) and a closing '///'")
_NAMES_FILE = ("a module names file (.names: one 'ID<TAB>name' line per module, no steps), not "
               "a module database; expected " + DB_FORMAT)


# --------------------------------------------------------------------------------------------
# database
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModuleDef:
    """One module: ``steps[i][j]`` is alternative *j* of step *i*, a tuple of subunit IDs."""

    id: str
    name: str
    steps: tuple[tuple[tuple[str, ...], ...], ...]
    line: int = 0

    @property
    def n_steps(self) -> int:
        return len(self.steps)

    def flat_ids(self) -> list[str]:
        """IDs in Omixer's flat order (step, alternative, subunit), repeats included."""
        return [x for step in self.steps for alt in step for x in alt]

    def n_paths(self) -> int:
        """Number of paths Omixer-RPM would enumerate (product of alternatives per step)."""
        return math.prod(len(s) for s in self.steps)


@dataclass(frozen=True)
class ModuleDB:
    """An ordered module database (the order of the file is the order of the output rows)."""

    modules: tuple[ModuleDef, ...]
    source: str = "<modules>"

    def __len__(self) -> int:
        return len(self.modules)

    def __iter__(self) -> Iterator[ModuleDef]:
        return iter(self.modules)

    def __getitem__(self, module_id: str) -> ModuleDef:
        for m in self.modules:
            if m.id == module_id:
                return m
        raise KeyError(module_id)

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.modules]

    @property
    def names(self) -> dict[str, str]:
        return {m.id: m.name for m in self.modules}

    def feature_ids(self) -> list[str]:
        """Distinct IDs used by the database, in first-appearance order."""
        return list(dict.fromkeys(x for m in self.modules for x in m.flat_ids()))

    def appearances(self) -> Counter[str]:
        """How often each ID appears in the database (Omixer's ``--Xdistribute`` divisor)."""
        return Counter(x for m in self.modules for x in m.flat_ids())


def parse_modules(text: str, source: str = "<string>") -> ModuleDB:
    """Parse Omixer-format module definitions (see the module docstring for the format)."""
    modules: list[ModuleDef] = []
    seen: dict[str, int] = {}
    cur: tuple[str, str, int] | None = None
    steps: list[tuple[tuple[str, ...], ...]] = []
    expect_header = True

    def close(end_line: int) -> None:
        if cur is None:
            return
        mid, name, line = cur
        if not steps:
            raise ProfileError(f"module {mid!r} has no step lines before line {end_line}; "
                               "expected at least one step line after 'ID<TAB>name'",
                               path=source, line=line)
        modules.append(ModuleDef(mid, name, tuple(steps), line))

    lineno = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line == "///":
            if cur is None:
                raise ProfileError("'///' before any module; expected a module header "
                                   "'ID<TAB>name'", path=source, line=lineno)
            close(lineno)
            cur, steps, expect_header = None, [], True
            continue
        if expect_header:
            mid, _, name = line.partition("\t")
            mid = mid.strip()
            if "," in mid or not mid:
                raise ProfileError(f"{line!r} is not a module header; expected 'ID<TAB>name'",
                                   path=source, line=lineno)
            if mid in seen:
                raise ProfileError(f"duplicated module ID {mid!r} (first on line {seen[mid]}); "
                                   "expected unique module IDs", path=source, line=lineno)
            seen[mid] = lineno
            cur, expect_header = (mid, name.strip(), lineno), False
            continue
        parts = line.split("\t")
        if (len(parts) == 2 and " " in parts[1].strip() and parts[0].strip()
                and not any(c.isspace() for c in parts[0].strip())):
            raise ProfileError(f"{line[:80]!r} is a module header ('ID<TAB>name') where a step "
                               f"line was expected: this looks like {_NAMES_FILE}", path=source,
                               line=lineno)
        alts = []
        for alt in parts:
            subunits = tuple(s.strip() for s in alt.split(","))
            if not alt.strip() or any(not s for s in subunits):
                raise ProfileError(f"empty ID in step {line[:80]!r}; expected IDs separated by "
                                   "TAB (alternatives) or ',' (complex subunits)", path=source,
                                   line=lineno)
            spaced = next((x for x in subunits if any(c.isspace() for c in x)), None)
            if spaced is not None:
                raise ProfileError(f"{spaced[:60]!r} in step {line[:60]!r} contains spaces, so it "
                                   f"is not an ortholog ID; expected {DB_FORMAT}", path=source,
                                   line=lineno)
            numeric = next((x for x in subunits if _NUMBER.match(x)), None)
            if numeric is not None:
                raise ProfileError(f"{numeric!r} in step {line[:60]!r} is a number, not an "
                                   "ortholog ID; expected a module file (is this a profile "
                                   "table?)", path=source, line=lineno)
            alts.append(subunits)
        steps.append(tuple(alts))
    close(lineno + 1)
    if not modules:
        raise ProfileError(f"no modules found; expected {DB_FORMAT}", path=source)
    return ModuleDB(tuple(modules), source)


def read_module_db(path: str | os.PathLike[str]) -> ModuleDB:
    """Read a module database file supplied by the user (e.g. GBMs.v1.0.txt, GMMs.v1.07.txt).

    gutbrain ships no module files: the GBM/GMM definitions carry an academic non-commercial
    licence (Raes lab), so users pass their own copy.
    """
    what = "module database"
    if not Path(path).exists():  # keeps the wording users know; check_file covers the rest
        raise ProfileError("module database not found; expected an Omixer-format module file "
                           "(e.g. GBMs.v1.0.txt)", path=path)
    path = check_file(path, what)
    if path.name.lower().endswith(".names"):
        raise ProfileError(f"is {_NAMES_FILE}", path=path)
    size = path.stat().st_size
    if size > MAX_DB_BYTES:
        raise ProfileError(f"is {size:,} bytes, too large for a module database (GBM/GMM files "
                           f"are a few kB); expected {DB_FORMAT}", path=path)
    sniff_text(path, what)
    lines, total = [], 0
    for lineno, line in iter_lines(path, what):  # NUL / UTF-8 / line-length checks per line
        total += len(line)
        if total > MAX_DB_BYTES:  # a compressed file can expand past the size check
            raise ProfileError(f"more than {MAX_DB_BYTES:,} characters, too large for a module "
                               f"database; expected {DB_FORMAT}", path=path, line=lineno)
        lines.append(line)
    return parse_modules("".join(lines), str(path))


# --------------------------------------------------------------------------------------------
# compiled plan (database × feature index) and vectorised evaluation
# --------------------------------------------------------------------------------------------

@dataclass
class _Plan:
    ids: list[str]
    occ: np.ndarray  # (n_alt, max_sub) row in ids; len(ids) = padding (zero row)
    div: np.ndarray  # (n_alt, max_sub) divisor (1.0 = none)
    alt_size: np.ndarray  # (n_alt,)
    step_start: np.ndarray  # (n_step,) first alternative of each step
    mod_steps: np.ndarray  # (n_mod, max_steps) step row; n_step = padding
    n_steps: np.ndarray  # (n_mod,)
    mod_alts: list[list[np.ndarray]]  # per module, per step: alternative rows (min estimator)


def _plan(db: ModuleDB, distribute: bool) -> _Plan:
    ids = db.feature_ids()
    pos = {x: i for i, x in enumerate(ids)}
    counts = db.appearances() if distribute else Counter()
    alts: list[list[int]] = []
    divs: list[list[float]] = []
    step_start: list[int] = []
    mod_steps: list[list[int]] = []
    mod_alts: list[list[np.ndarray]] = []
    n_step = 0
    for m in db.modules:
        flat = m.flat_ids()
        last = {x: k for k, x in enumerate(flat)}
        k = 0
        rows: list[int] = []
        per_step: list[np.ndarray] = []
        for step in m.steps:
            step_start.append(len(alts))
            per_step.append(np.arange(len(alts), len(alts) + len(step)))
            for alt in step:
                alts.append([pos[x] for x in alt])
                d = []
                for x in alt:
                    n = counts.get(x, 1)
                    d.append(float(n) if n > 1 and last[x] == k else 1.0)
                    k += 1
                divs.append(d)
            rows.append(n_step)
            n_step += 1
        mod_steps.append(rows)
        mod_alts.append(per_step)
    max_sub = max(len(a) for a in alts)
    occ = np.full((len(alts), max_sub), len(ids), dtype=np.intp)
    div = np.ones((len(alts), max_sub))
    for i, (a, d) in enumerate(zip(alts, divs, strict=True)):
        occ[i, :len(a)] = a
        div[i, :len(d)] = d
    max_steps = max(len(r) for r in mod_steps)
    ms = np.full((len(mod_steps), max_steps), n_step, dtype=np.intp)
    for i, r in enumerate(mod_steps):
        ms[i, :len(r)] = r
    return _Plan(ids, occ, div, np.array([len(a) for a in alts], dtype=np.float64),
                 np.array(step_start, dtype=np.intp), ms,
                 np.array([len(r) for r in mod_steps], dtype=np.intp), mod_alts)


def _median_legacy(sorted_vals: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Median of the first *m* sorted values along axis 1, as Commons Math's legacy estimator.

    ``pos = 0.5 (m + 1)``; ``pos < 1`` → first, ``pos >= m`` → m-th, else
    ``lower + (pos - floor(pos)) * (upper - lower)``. Returns +inf where m == 0.
    """
    k = sorted_vals.shape[1]
    pos = 0.5 * (m + 1.0)
    ipos = np.floor(pos).astype(np.intp)
    dif = pos - ipos

    def take(idx: np.ndarray) -> np.ndarray:
        idx = np.clip(idx, 0, k - 1)
        return np.take_along_axis(sorted_vals, idx[:, None, :], axis=1)[:, 0, :]

    lower, upper = take(ipos - 1), take(ipos)
    with np.errstate(invalid="ignore"):
        mid = lower + dif * (upper - lower)
    return np.where(pos < 1, sorted_vals[:, 0, :], np.where(pos >= m, take(m - 1), mid))


def _evaluate(plan: _Plan, x: np.ndarray, estimator: str, normalize_by_length: bool,
              distribute: bool) -> tuple[np.ndarray, np.ndarray]:
    """Abundance and coverage (modules × columns) for a (len(ids) × columns) abundance block."""
    n = x.shape[1]
    z = np.vstack([x, np.zeros((1, n))])
    alt_sum = np.zeros((plan.occ.shape[0], n))
    need_min = estimator == "min"
    if need_min:
        p_count = np.zeros((plan.occ.shape[0], n), dtype=np.int64)
        min_pos = np.full((plan.occ.shape[0], n), np.inf)
    for k in range(plan.occ.shape[1]):
        v = z[plan.occ[:, k]]
        if distribute:
            v /= plan.div[:, k, None]
        alt_sum += v
        if need_min:
            pres = v > 0
            p_count += pres
            np.minimum(min_pos, np.where(pres, v, np.inf), out=min_pos)
    if need_min:
        return _evaluate_min(plan, p_count, min_pos)
    alt_val = alt_sum / plan.alt_size[:, None]
    step_val = np.maximum.reduceat(alt_val, plan.step_start, axis=0)
    step_pres = np.logical_or.reduceat(alt_sum > 0, plan.step_start, axis=0)
    s = np.vstack([step_val, np.zeros((1, n))])[plan.mod_steps]  # (mod, max_steps, n)
    p = np.vstack([step_pres, np.zeros((1, n), dtype=bool)])[plan.mod_steps]
    n_present = p.sum(axis=1)
    n_steps = plan.n_steps[:, None]
    coverage = n_present / n_steps
    if estimator == "median":
        pad = np.arange(s.shape[1])[None, :, None] >= plan.n_steps[:, None, None]
        if normalize_by_length:
            vals = np.where(pad, np.inf, s)
            m = np.broadcast_to(n_steps, n_present.shape)
        else:
            vals = np.where(p, s, np.inf)
            m = n_present
        vals.sort(axis=1)
        score = _median_legacy(vals, m)
        min_positive = np.where(s > 0, s, np.inf).min(axis=1)
        score = np.where((score == 0) & np.isfinite(min_positive), min_positive, score)
        score = np.where(np.isfinite(score), score, 0.0)
    else:
        total = np.zeros_like(coverage)
        for j in range(s.shape[1]):  # sequential, in step order, as Java sums
            total = total + s[:, j, :]
        if normalize_by_length:
            norm = np.broadcast_to(n_steps, total.shape).astype(np.float64)
        elif estimator == "average":
            norm = n_present.astype(np.float64)
        else:
            norm = np.ones_like(total)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = total / norm
        score = np.where(n_present > 0, score, 0.0)
    return score, coverage


def _evaluate_min(plan: _Plan, p_count: np.ndarray,
                  min_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``min`` estimator: coverage = present subunits / subunits of the path (maximised exactly
    by a small knapsack over path lengths), then the largest smallest-positive subunit."""
    n = p_count.shape[1]
    size = plan.alt_size.astype(np.int64)
    score = np.zeros((len(plan.mod_alts), n))
    coverage = np.zeros((len(plan.mod_alts), n))
    for mi, steps in enumerate(plan.mod_alts):
        lmax = int(sum(size[a].max() for a in steps))
        dp = np.full((lmax + 1, n), -1, dtype=np.int64)
        dp[0] = 0
        for alts in steps:
            new = np.full_like(dp, -1)
            for a in alts:
                s_a = int(size[a])
                shifted = dp[: lmax + 1 - s_a]
                cand = np.where(shifted >= 0, shifted + p_count[a], -1)
                np.maximum(new[s_a:], cand, out=new[s_a:])
            dp = new
        best_p = np.zeros(n, dtype=np.int64)
        best_l = np.ones(n, dtype=np.int64)
        for length in range(1, lmax + 1):
            better = (dp[length] >= 0) & (dp[length] * best_l > best_p * length)
            best_p = np.where(better, dp[length], best_p)
            best_l = np.where(better, length, best_l)
        path_score = np.full(n, np.inf)
        for alts in steps:
            key = np.stack([p_count[a] * best_l - best_p * size[a] for a in alts])
            on_best = key == key.max(axis=0)
            step_score = np.where(on_best, min_pos[alts], -np.inf).max(axis=0)
            path_score = np.minimum(path_score, step_score)
        coverage[mi] = best_p / best_l
        score[mi] = np.where(np.isfinite(path_score) & (best_p > 0), path_score, 0.0)
    return score, coverage


def _align(table: pd.DataFrame, ids: Sequence[str]) -> np.ndarray:
    """Rows of *table* for *ids* (zeros where absent), as float64."""
    if not table.index.is_unique:  # Omixer sums duplicated feature rows
        table = table.groupby(level=0, sort=False).sum()
    index = pd.Index([str(i).strip() for i in table.index])
    where = index.get_indexer(list(ids))
    out = np.zeros((len(ids), table.shape[1]))
    hit = where >= 0
    if hit.any():
        out[hit] = table.to_numpy(dtype=np.float64)[where[hit]]
    return out


def _check_options(min_coverage: float, estimator: str) -> None:
    if estimator not in ESTIMATORS:
        raise ProfileError(f"unknown estimator {estimator!r}; expected one of "
                           f"{', '.join(ESTIMATORS)}")
    if not (min_coverage == -1 or 0 <= min_coverage <= 1):
        raise ProfileError(f"min_coverage {min_coverage} is out of range; expected -1 "
                           "(automatic) or a number from 0 to 1")


def _run(plan: _Plan, x: np.ndarray, estimator: str, normalize_by_length: bool,
         distribute: bool) -> tuple[np.ndarray, np.ndarray]:
    n = x.shape[1]
    per_col = plan.occ.shape[0] + plan.mod_steps.size
    chunk = max(1, _CHUNK_CELLS // per_col)
    if n <= chunk:
        return _evaluate(plan, x, estimator, normalize_by_length, distribute)
    ab = np.empty((len(plan.n_steps), n))
    cov = np.empty((len(plan.n_steps), n))
    for start in range(0, n, chunk):
        sl = slice(start, min(n, start + chunk))
        ab[:, sl], cov[:, sl] = _evaluate(plan, np.ascontiguousarray(x[:, sl]), estimator,
                                          normalize_by_length, distribute)
    return ab, cov


# --------------------------------------------------------------------------------------------
# cut-off and results
# --------------------------------------------------------------------------------------------

def automatic_coverage_threshold(coverages: np.ndarray | Sequence[float]) -> float:
    """Omixer-RPM's automatic cut-off (``-c -1``) from all (module, sample) coverages.

    Distinct non-zero coverages in descending order, with their counts; the cut-off is the
    coverage just above the largest count (the largest jump in the cumulative module count);
    on ties the lower coverage wins. NaN when no coverage is positive.
    """
    c = np.asarray(coverages, dtype=np.float64).ravel()
    c = c[c > 0]
    if c.size == 0:
        return float("nan")
    values, counts = np.unique(c, return_counts=True)
    values, counts = values[::-1], counts[::-1]
    if values.size == 1:
        return float(values[0])
    jumps = counts[1:]
    j = 1 + int(np.flatnonzero(jumps == jumps.max())[-1])
    return float(values[j - 1])


@dataclass
class ModuleResult:
    """Omixer-style output: modules passing in >= 1 sample; failing samples are 0 in both.

    ``all_abundance``/``all_coverage`` hold every module unfiltered (not for per-taxon runs,
    where ``long`` lists every non-zero (taxon, module, sample) instead).
    """

    abundance: pd.DataFrame
    coverage: pd.DataFrame
    threshold: float
    options: dict[str, object] = field(default_factory=dict)
    all_abundance: pd.DataFrame | None = None
    all_coverage: pd.DataFrame | None = None
    long: pd.DataFrame | None = None

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write ``modules.tsv`` and ``modules-coverage.tsv`` (atomically) into *out_dir*."""
        return write_module_tables(self, out_dir)


def _filter(ab: pd.DataFrame, cov: pd.DataFrame, threshold: float,
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    passed = cov.to_numpy() >= threshold if not math.isnan(threshold) else np.zeros(
        cov.shape, dtype=bool)
    rows = passed.any(axis=1)
    ab_out = ab.where(passed, 0.0)[rows]
    cov_out = cov.where(passed, 0.0)[rows]
    return ab_out, cov_out


def infer_modules(table: pd.DataFrame | Profile, db: ModuleDB, *, min_coverage: float = -1.0,
                  estimator: Estimator = "median", normalize_by_length: bool = False,
                  distribute: bool = False) -> ModuleResult:
    """Infer module abundance and coverage from a features × samples table (e.g. KOs).

    Defaults follow Omixer-RPM: median estimator, automatic coverage cut-off (-1).
    """
    if isinstance(table, Profile):
        table = table.table
    _check_options(min_coverage, estimator)
    plan = _plan(db, distribute)
    x = _align(table, plan.ids)
    ab, cov = _run(plan, x, estimator, normalize_by_length, distribute)
    cols = pd.Index([str(c) for c in table.columns], name="sample")
    idx = pd.Index(db.ids, name="module")
    all_ab = pd.DataFrame(ab, index=idx, columns=cols)
    all_cov = pd.DataFrame(cov, index=idx, columns=cols)
    threshold = automatic_coverage_threshold(cov) if min_coverage == -1 else float(min_coverage)
    ab_out, cov_out = _filter(all_ab, all_cov, threshold)
    return ModuleResult(ab_out, cov_out, threshold, _options(
        min_coverage, estimator, normalize_by_length, distribute, db, False, plan, table),
        all_ab, all_cov)


def _options(min_coverage: float, estimator: str, nbl: bool, distribute: bool, db: ModuleDB,
             per_taxon: bool, plan: _Plan, table: pd.DataFrame) -> dict[str, object]:
    index = table.index.get_level_values(0) if isinstance(table.index, pd.MultiIndex) else (
        table.index)
    found = pd.Index(plan.ids).isin(pd.Index([str(i) for i in index]))
    return {"min_coverage": min_coverage, "estimator": estimator,
            "normalize_by_length": nbl, "distribute": distribute, "per_taxon": per_taxon,
            "database": db.source, "n_modules": len(db), "n_db_ids": len(plan.ids),
            "n_db_ids_in_table": int(found.sum())}


def infer_modules_per_taxon(stratified: pd.DataFrame | Profile, db: ModuleDB, *,
                            min_coverage: float = -1.0, estimator: Estimator = "median",
                            normalize_by_length: bool = False,
                            distribute: bool = False) -> ModuleResult:
    """Per-taxon inference (Omixer ``-a 2``) from a (feature, taxon) × samples table.

    Each taxon's features are scored on their own; the automatic cut-off uses the coverages of
    all (taxon, module, sample) triples, as Omixer does. Rows of the result are (taxon, module)
    pairs that pass in >= 1 sample. Memory grows with the number of non-zero coverages only.
    """
    if isinstance(stratified, Profile):
        if stratified.stratified is None:
            raise ProfileError("this profile has no stratified table; read it with "
                               "stratified=True (HUMAnN KO|taxon rows, PICRUSt2 'sequence')",
                               path=stratified.path)
        stratified = stratified.stratified
    _check_options(min_coverage, estimator)
    if not isinstance(stratified.index, pd.MultiIndex) or stratified.index.nlevels != 2:
        raise ProfileError("per-taxon inference needs a table indexed by (feature, taxon); "
                           "read HUMAnN or PICRUSt2 output with stratified=True")
    plan = _plan(db, distribute)
    feats = stratified.index.get_level_values(0).astype(str).str.strip()
    id_pos = pd.Index(plan.ids).get_indexer(feats)
    keep = id_pos >= 0
    taxa_all = stratified.index.get_level_values(1).astype(str)
    taxon_codes, taxa = pd.factorize(taxa_all[keep], sort=False)
    values = stratified.to_numpy(dtype=np.float64)[keep]
    id_pos = id_pos[keep]
    samples = [str(c) for c in stratified.columns]
    n = len(samples)
    per_col = plan.occ.shape[0] + plan.mod_steps.size + len(plan.ids)
    batch = max(1, _CHUNK_CELLS // max(1, per_col * n))
    order = np.argsort(taxon_codes, kind="stable")
    bounds = np.searchsorted(taxon_codes[order], np.arange(len(taxa) + 1))
    parts: list[tuple[np.ndarray, ...]] = []
    for t0 in range(0, len(taxa), batch):
        t1 = min(len(taxa), t0 + batch)
        rows = order[bounds[t0]:bounds[t1]]
        block = np.zeros((len(plan.ids), t1 - t0, n))
        np.add.at(block, (id_pos[rows], taxon_codes[rows] - t0), values[rows])
        ab, cov = _run(plan, block.reshape(len(plan.ids), -1), estimator, normalize_by_length,
                       distribute)
        m_i, c_i = np.nonzero(cov > 0)
        parts.append((m_i, c_i // n + t0, c_i % n, cov[m_i, c_i], ab[m_i, c_i]))
    cat = [np.concatenate(p) for p in zip(*parts, strict=True)] if parts else [
        np.array([], dtype=np.intp)] * 3 + [np.array([])] * 2
    mod_i, tax_i, smp_i, cov_v, ab_v = cat
    threshold = (automatic_coverage_threshold(cov_v) if min_coverage == -1
                 else float(min_coverage))
    long = pd.DataFrame({"taxon": np.asarray(taxa, dtype=object)[tax_i] if len(taxa) else [],
                         "module": np.asarray(db.ids, dtype=object)[mod_i],
                         "sample": np.asarray(samples, dtype=object)[smp_i],
                         "coverage": cov_v, "abundance": ab_v})
    passed = long[long["coverage"] >= threshold] if not math.isnan(threshold) else long.iloc[:0]
    if min_coverage == 0:  # coverage 0 passes too: every (taxon, module) becomes a row
        grid = pd.MultiIndex.from_product([list(taxa), db.ids], names=["taxon", "module"])
    else:
        grid = pd.MultiIndex.from_frame(passed[["taxon", "module"]].drop_duplicates())
        grid = grid.set_names(["taxon", "module"])
    cols = pd.Index(samples, name="sample")
    if len(passed):
        ab_out = passed.pivot_table(index=["taxon", "module"], columns="sample",
                                    values="abundance", aggfunc="first")
        cov_out = passed.pivot_table(index=["taxon", "module"], columns="sample",
                                     values="coverage", aggfunc="first")
        ab_out = ab_out.reindex(index=grid, columns=cols).fillna(0.0)
        cov_out = cov_out.reindex(index=grid, columns=cols).fillna(0.0)
    else:
        ab_out = pd.DataFrame(0.0, index=grid, columns=cols)
        cov_out = pd.DataFrame(0.0, index=grid, columns=cols)
    module_rank = {m: i for i, m in enumerate(db.ids)}
    order_rows = sorted(range(len(ab_out)), key=lambda i: (
        str(ab_out.index[i][0]), module_rank[ab_out.index[i][1]]))
    ab_out, cov_out = ab_out.iloc[order_rows], cov_out.iloc[order_rows]
    return ModuleResult(ab_out, cov_out, threshold, _options(
        min_coverage, estimator, normalize_by_length, distribute, db, True, plan, stratified),
        long=long)


def write_module_tables(result: ModuleResult, out_dir: str | os.PathLike[str],
                        ) -> dict[str, Path]:
    """Write ``modules.tsv`` and ``modules-coverage.tsv`` like Omixer-RPM ``-e 2``.

    First column ``module`` (``taxon``, ``module`` in per-taxon mode), one column per sample,
    full float precision. Each file is written to a temporary name and renamed into place.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, df in (("modules.tsv", result.abundance),
                     ("modules-coverage.tsv", result.coverage)):
        paths[name] = atomic_write_tsv(df, out / name)
    return paths


# --------------------------------------------------------------------------------------------
# what a database can detect from KO-only input
# --------------------------------------------------------------------------------------------

def ko_only_detectability(db: ModuleDB, pattern: re.Pattern[str] | str = KO_PATTERN,
                          ) -> pd.DataFrame:
    """For each module, the highest coverage reachable when only IDs matching *pattern* (KEGG
    KOs by default) can be non-zero, as with HUMAnN ``uniref90_ko`` or PICRUSt2 KO tables.

    A step is reachable if any alternative has at least one matching subunit (a partly present
    complex counts as present). ``status`` is ``full``, ``capped`` (0 < max coverage < 1) or
    ``never`` (no step reachable: the module cannot be detected at all).
    """
    rx = re.compile(pattern) if isinstance(pattern, str) else pattern
    rows = []
    for m in db.modules:
        ok = sum(any(any(rx.search(x) for x in alt) for alt in step) for step in m.steps)
        cov = ok / m.n_steps
        status = "full" if ok == m.n_steps else ("never" if ok == 0 else "capped")
        rows.append((m.id, m.name, m.n_steps, ok, cov, status))
    return pd.DataFrame(rows, columns=["module", "name", "n_steps", "reachable_steps",
                                       "max_coverage", "status"])


__all__ = ["ESTIMATORS", "KO_PATTERN", "ModuleDB", "ModuleDef", "ModuleResult",
           "automatic_coverage_threshold", "infer_modules", "infer_modules_per_taxon",
           "ko_only_detectability", "parse_modules", "read_module_db", "write_module_tables"]
