"""Hostile and careless input to the profile layer (issue #16): every bad file, metadata table,
module database or model formula is a ProfileError naming the file (and line/column/field where
they apply) and what was expected; never another exception type, a hang, or evaluated Python.

Each case found by the hostile-input sweep has a regression test here; property-based tests
(hypothesis) fuzz the readers and the formula grammar.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gutbrain.profiles import ProfileError, _files, read_module_db, read_profile
from gutbrain.profiles import readers as readers_mod
from gutbrain.profiles.associate import associate, match_samples, read_metadata
from gutbrain.profiles.formula import (
    GRAMMAR,
    design_matrices,
    eval_env,
    mentions_feature,
    parse_formula,
)
from gutbrain.profiles.modules import parse_modules

MODULES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "modules"
# 60 examples each keep this file under 20 s; GUTBRAIN_FUZZ_EXAMPLES=5000 for a deeper search.
# No example database: the tests write nothing outside their temporary folders.
FUZZ = settings(max_examples=int(os.environ.get("GUTBRAIN_FUZZ_EXAMPLES", "60")), deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _raises(fn, *args, needle: str, path: Path | None = None, line: int | None = None,
            **kwargs) -> ProfileError:
    """Call *fn*, expect a ProfileError containing *needle* (and the path / line if given)."""
    with pytest.raises(ProfileError) as info:
        fn(*args, **kwargs)
    msg = str(info.value)
    assert needle in msg, msg
    if path is not None:
        assert str(path) in msg, msg
    if line is not None:
        assert info.value.line == line, msg
    return info.value


# ---------------------------------------------------------------------------------------------
# 1. wide tables: linear in the number of columns
# ---------------------------------------------------------------------------------------------

def _wide(folder: Path, n_samples: int, n_rows: int = 3, seed: int = 0) -> tuple[Path, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = np.round(rng.random((n_rows, n_samples)) * 100, 3)
    lines = ["id\t" + "\t".join(f"S{j}" for j in range(n_samples))]
    lines += [f"K{i:05d}\t" + "\t".join(map(repr, row.tolist())) for i, row in enumerate(values)]
    return _write(folder, "wide.tsv", "\n".join(lines) + "\n"), values


def test_wide_table_50k_sample_columns(tmp_path):
    """Was quadratic in the width (Table.drop_columns in a loop): 20,000 columns took 104 s.
    The timing figure lives in bench/bench_profiles_wide.py; here only the result is checked."""
    path, values = _wide(tmp_path, 50_000)
    prof = read_profile(path)
    assert prof.table.shape == (3, 50_000)
    assert prof.samples[:2] == ["S0", "S1"] and prof.samples[-1] == "S49999"
    np.testing.assert_array_equal(prof.table.to_numpy(), values)


@pytest.mark.parametrize("path_kind", ["arrow", "rows"])
def test_row_reader_and_arrow_reader_agree(tmp_path, monkeypatch, path_kind):
    """Wide, short files go row by row; both readers give the same table and errors."""
    monkeypatch.setattr(readers_mod, "_WIDE_COLUMNS", 1 if path_kind == "rows" else 10**9)
    path, values = _wide(tmp_path, 40, n_rows=7)
    prof = read_profile(path)
    np.testing.assert_array_equal(prof.table.to_numpy(), values)
    crlf = _write(tmp_path, "crlf.csv", b'id,"S 1",S2\r\n"K1",1,2.5\r\nK2,0,3\r\n')
    table = read_profile(crlf).table
    assert list(table.columns) == ["S 1", "S2"] and table.loc["K1", "S2"] == 2.5
    bad = _write(tmp_path, "bad.tsv", "id\tS1\tS2\nK1\t1\t2\nK2\t1\tx\n")
    _raises(read_profile, bad, needle="'x' is not a number", path=bad, line=3)
    ragged = _write(tmp_path, "ragged.tsv", "id\tS1\tS2\nK1\t1\t2\nK2\t1\n")
    _raises(read_profile, ragged, needle="2 fields but the header", line=3)
    under = _write(tmp_path, "under.tsv", "id\tS1\nK1\t1_000\n")
    _raises(read_profile, under, needle="'1_000' is not a number", line=2)


# ---------------------------------------------------------------------------------------------
# 2. compressed names without compressed data (and the reverse)
# ---------------------------------------------------------------------------------------------

TEXT = "id\tS1\tS2\nK00001\t1\t2\nK00002\t3\t4\n"


@pytest.mark.parametrize(("suffix", "name"), [(".gz", "gzip"), (".bz2", "bzip2"), (".xz", "xz")])
def test_compressed_name_with_plain_text(tmp_path, suffix, name):
    path = _write(tmp_path, f"t.tsv{suffix}", TEXT)
    _raises(read_profile, path, needle=f"is not valid {name} data", path=path)
    _raises(read_metadata, path, needle=f"is not valid {name} data", path=path)
    _raises(read_module_db, path, needle=f"is not valid {name} data", path=path)


@pytest.mark.parametrize(("suffix", "compress"), [(".gz", gzip.compress), (".bz2", bz2.compress),
                                                  (".xz", lzma.compress)])
def test_compressed_files_still_read(tmp_path, suffix, compress):
    path = _write(tmp_path, f"t.tsv{suffix}", compress(TEXT.encode()))
    assert read_profile(path).table.loc["K00002", "S2"] == 4.0


def test_truncated_or_trailing_garbage_gzip(tmp_path):
    body = "id\tS1\n" + "".join(f"K{i:05d}\t{i}\n" for i in range(100_000))
    full = gzip.compress(body.encode())
    cut = _write(tmp_path, "cut.tsv.gz", full[: len(full) // 2])
    _raises(read_profile, cut, needle="is not valid gzip data: truncated or corrupt", path=cut)
    junk = _write(tmp_path, "junk.tsv.gz", full + b"not gzip at all")
    _raises(read_profile, junk, needle="is not valid gzip data", path=junk)
    empty = _write(tmp_path, "empty.tsv.gz", b"")
    _raises(read_profile, empty, needle="is not valid gzip data", path=empty)


def test_compressed_data_behind_a_plain_name(tmp_path):
    path = _write(tmp_path, "t.tsv", gzip.compress(TEXT.encode()))
    _raises(read_profile, path, needle="holds gzip-compressed data but its name does not end "
                                       "in .gz", path=path)


# ---------------------------------------------------------------------------------------------
# 3. binary, endless and non-UTF-8 input
# ---------------------------------------------------------------------------------------------

@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_dev_zero_is_refused_without_reading(tmp_path):
    for fn in (read_profile, read_metadata, read_module_db):
        _raises(fn, "/dev/zero", needle="is not a regular file", path=Path("/dev/zero"))
    link = tmp_path / "zero.tsv"
    link.symlink_to("/dev/zero")
    _raises(read_profile, link, needle="is not a regular file", path=link)


def test_binary_file_is_refused_early(tmp_path):
    path = _write(tmp_path, "zeros.tsv", b"\x00" * 1_000_000)
    _raises(read_profile, path, needle="binary content", path=path, line=1)
    hdf = _write(tmp_path, "x.tsv", b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    _raises(read_profile, hdf, needle="BIOM", path=hdf)  # detected as BIOM, not a crash
    _raises(read_profile, hdf, format="table", needle="looks like HDF5", path=hdf)


def test_nul_byte_far_into_a_text_file_names_its_line(tmp_path):
    rows = "".join(f"K{i:05d}\t1\n" for i in range(20_000))  # > the 64 kB sniffed up front
    for tail, col in ((b"K\x00\t1\n", 2), (b"Kx\t1\x00\n", 5)):
        path = _write(tmp_path, "late.tsv", ("id\tS1\n" + rows).encode() + tail)
        err = _raises(read_profile, path, needle="binary content", path=path, line=20_002)
        assert f"character {col}" in str(err)


def test_utf16_and_latin1_are_refused_with_the_line(tmp_path):
    path = _write(tmp_path, "u16.tsv", TEXT.encode("utf-16"))
    _raises(read_profile, path, needle="UTF-16", path=path, line=1)
    latin = _write(tmp_path, "latin.tsv", "id\tÉchantillon\nK1\t1\n".encode("latin-1"))
    _raises(read_profile, latin, needle="is not valid UTF-8", path=latin, line=1)
    rows = "".join(f"K{i:05d}\t1\n" for i in range(20_000))
    late = _write(tmp_path, "late.tsv", ("id\tS1\n" + rows + "Kxé\t1\n").encode("latin-1"))
    _raises(read_profile, late, needle="is not valid UTF-8", path=late, line=20_002)


def test_utf8_bom_is_accepted(tmp_path):
    path = _write(tmp_path, "bom.tsv", "\ufeff" + TEXT)
    prof = read_profile(path)
    assert prof.info["id_column"] == "id" and prof.samples == ["S1", "S2"]


def test_overlong_line_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(_files, "MAX_LINE_BYTES", 1000)
    path = _write(tmp_path, "long.tsv", "id\tS1\nK1\t" + "1" * 5000 + "\n")
    _raises(read_profile, path, needle="line longer than 1,000 bytes", path=path, line=2)
    endless = _write(tmp_path, "endless.tsv", "a" * 50_000)  # one line, no newline
    _raises(read_profile, endless, needle="line longer than", path=endless, line=1)


# ---------------------------------------------------------------------------------------------
# the same contract for the ordinary problems
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "needle"), [
    ("id\tS1\nK1\tinf\n", 2, "not a finite number"),
    ("id\tS1\nK1\t-inf\n", 2, "not a finite number"),
    ("id\tS1\nK1\tInfinity\n", 2, "not a finite number"),
    ("id\tS1\nK1\t1e400\n", 2, "not a finite number"),
    ("id\tS1\nK1\tNaN\n", 2, "not a finite number"),
    ("id\tS1\nK1\t-1e-300\n", 2, "negative"),
    ("id\tS1\tS2\n\t1\t2\n", 2, "empty feature ID"),
    ("id\t\tS2\nK1\t1\t2\n", 1, "column 2 has no name"),
    ("S1\tS2\nK1\t1\t2\n", 2, "R's write.table"),
    ('id\tS1\n"K1\t1\nK2\t2\n', 2, "fields but the header"),
    ("id\tS1\tS1\nK1\t1\t2\n", 1, "duplicated sample 'S1'"),
    ("id\tS1\nK1\t1\nK1\t2\n", 3, "duplicated feature 'K1'"),
])
def test_bad_values_name_line_and_expectation(tmp_path, text, line, needle):
    path = _write(tmp_path, "t.tsv", text)
    err = _raises(read_profile, path, needle=needle, path=path, line=line)
    assert "expected" in str(err)


def test_header_only_folder_missing_and_unreadable(tmp_path):
    header_only = _write(tmp_path, "h.tsv", "id\tS1\tS2\n")
    _raises(read_profile, header_only, needle="no data rows", path=header_only)
    _raises(read_profile, tmp_path, needle="is a folder", path=tmp_path)
    _raises(read_profile, tmp_path / "none.tsv", needle="file not found")
    locked = _write(tmp_path, "locked.tsv", TEXT)
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: chmod 000 does not block reading")
        for fn in (read_profile, read_metadata, read_module_db):
            _raises(fn, locked, needle="permission denied", path=locked)
    finally:
        locked.chmod(0o644)


def test_bad_options_are_profile_errors(tmp_path):
    path = _write(tmp_path, "t.tsv", TEXT)
    _raises(read_profile, path, format="excel", needle="unknown format 'excel'", path=path)
    _raises(read_profile, path, orientation="diagonal", needle="unknown orientation")
    _raises(read_profile, path, delimiter="ab", needle="delimiter 'ab' is not usable")
    _raises(read_profile, path, delimiter="\n", needle="is not usable")
    _raises(read_profile, path, level="", needle="level '' is empty")
    spaced = _write(tmp_path, "s.tsv", "id S1 S2\nK1 1 2\n")
    _raises(read_profile, spaced, needle="pass delimiter=")
    assert read_profile(spaced, delimiter=" ").table.loc["K1", "S2"] == 2.0


# ---------------------------------------------------------------------------------------------
# 4. metadata: empty and degenerate cases
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "needle", "line"), [
    ("", "the file is empty", None),
    ("\n\n  \n", "the file is empty", None),
    ("id\tgroup\n", "no rows after the header (line 1)", None),
    ("id\tgroup\n\n", "no rows after the header", None),
    ("id\tgroup\n\tx\nb\ty\n", "empty sample ID", 2),
    ("id\tgroup\tgroup\na\tx\ty\n", "duplicated column 'group'", 1),
    ("id\tgroup\na\tx\tz\n", "R's write.table", 2),
    ("id\tgroup\na\n", "1 fields but the header (line 1) has 2", 2),
    ("id\tgroup\na\tx\n\nb\ty\na\tz\n", "duplicated sample 'a' (first on line 2)", 5),
])
def test_read_metadata_degenerate(tmp_path, text, needle, line):
    path = _write(tmp_path, "meta.tsv", text)
    _raises(read_metadata, path, needle=needle, path=path, line=line)


def test_read_metadata_keeps_ids_as_text(tmp_path):
    meta = read_metadata(_write(tmp_path, "m.tsv", "id\tg\nNA\tx\n007\ty\n"))
    assert list(meta.index) == ["NA", "007"]
    r_style = read_metadata(_write(tmp_path, "m.csv", '"",g,n\n"s1",x,1\n"s2",y,\n'))
    assert list(r_style.index) == ["s1", "s2"] and np.isnan(r_style.loc["s2", "n"])
    _raises(read_metadata, tmp_path / "m.tsv", sample_column="nope", needle="no column 'nope'")


def _table_and_meta(n: int = 12, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    samples = [f"s{i}" for i in range(n)]
    table = pd.DataFrame(rng.lognormal(2, 1, (4, n)), index=[f"f{i}" for i in range(4)],
                         columns=samples)
    meta = pd.DataFrame({"group": ["a", "b"] * (n // 2), "age": rng.normal(50, 10, n),
                         "zero": np.zeros(n), "site": list("xyz") * (n // 3),
                         "BMI z": rng.normal(0, 1, n)}, index=samples)
    return table, meta


def test_associate_degenerate_metadata():
    table, meta = _table_and_meta()
    _raises(associate, table, meta.iloc[:0], outcome="group", needle="only 0 samples match")
    _raises(associate, table, meta.iloc[:1], outcome="group", needle="only 1 samples match")
    _raises(associate, table, meta.set_index(meta.index + "x"), outcome="group",
            needle="only 0 samples match")
    _raises(associate, table, meta.assign(group="a"), outcome="group",
            needle="only the value 'a'")
    _raises(associate, table, meta.assign(age=np.nan), outcome="age", needle="no values")
    _raises(associate, table, meta.assign(age=np.nan), formula="feature ~ age",
            needle="no values at all in 'age'")
    _raises(associate, table, meta, outcome="group", covariates=["nope"],
            needle="covariate 'nope' is not a metadata column")
    _raises(associate, table.iloc[:, :0], meta, outcome="group", needle="empty table")
    bad = table.copy()
    bad.iloc[0, 0] = np.inf
    _raises(associate, bad, meta, outcome="group", needle="is not finite")
    dup = table.copy()
    dup.columns = ["s0"] * dup.shape[1]
    _raises(associate, dup, meta, outcome="group", needle="duplicated sample 's0'")
    assert match_samples([], []) == ({}, "exact")
    assert match_samples(["a"], ["b"]) == ({}, "exact")


# ---------------------------------------------------------------------------------------------
# 5. a module names file is not a module database
# ---------------------------------------------------------------------------------------------

NAMES = "MGB001\tSerotonin synthesis I\nMGB002\tSerotonin synthesis II\nMGB003\tMelatonin\n"


def test_names_file_is_not_a_module_database(tmp_path):
    as_txt = _write(tmp_path, "modules.txt", NAMES)
    err = _raises(read_module_db, as_txt, needle="module names file", path=as_txt, line=2)
    assert "'///'" in str(err)  # says what a module database looks like
    as_names = _write(tmp_path, "GBMs.v1.0.names", NAMES)
    _raises(read_module_db, as_names, needle="module names file", path=as_names)
    _raises(parse_modules, "M1\tname\nK00001\tK0000 2\tK00003\n", needle="contains spaces",
            line=2)


@pytest.mark.parametrize("name", ["GBMs.v1.0.names", "GMMs.v1.07.names"])
def test_shared_names_files_are_refused(tmp_path, name):
    src = MODULES / name
    if not src.is_file():
        pytest.skip(f"{src} is absent (../shared/data/modules holds the licensed module files)")
    copy = _write(tmp_path, "db.txt", src.read_bytes())  # content check, not only the suffix
    _raises(read_module_db, copy, needle="module names file", path=copy, line=2)
    _raises(read_module_db, src, needle="module names file", path=src)


def test_module_db_size_and_binary(tmp_path, monkeypatch):
    import gutbrain.profiles.modules as modules

    monkeypatch.setattr(modules, "MAX_DB_BYTES", 100)
    big = _write(tmp_path, "big.txt", "M1\tx\n" + "K00001\n" * 50)
    _raises(read_module_db, big, needle="too large for a module database", path=big)
    monkeypatch.undo()
    binary = _write(tmp_path, "bin.txt", b"M1\tx\nK0\x0001\n")
    _raises(read_module_db, binary, needle="binary content", path=binary, line=2)


# ---------------------------------------------------------------------------------------------
# 6. formulas: a checked grammar, never Python evaluation
# ---------------------------------------------------------------------------------------------

ATTACKS = [
    'feature ~ I(__import__("os").system("touch PWNED"))',
    'feature ~ __import__("os").system("touch PWNED")',
    'feature ~ age + eval("open(\'PWNED\', \'w\')")',
    "feature ~ age.__class__.__mro__",
    "feature ~ (lambda: 1)()",
    "feature ~ [x for x in age]",
    'feature ~ Q("age") + Q("x\\")+__import__(\\"os\\")")',
    'feature ~ C(group, Treatment("a"))',
    "feature ~ age ** 2",
    "feature ~ age / site",
    "feature ~ 2 * age",
    "feature ~ age - site",
    "feature ~ log(exp(age))",
    "feature ~ age; import os",
    "feature ~ age\n+ os",
    "feature ~ if",
    "feature ~ nope",
    "feature ~ ",
    "feature age",
    "group ~ age",
    "feature ~ feature",
    "feature ~ age ~ site",
    "feature ~ ((age)",
]


@pytest.mark.parametrize("formula", ATTACKS)
def test_formula_outside_the_grammar_is_refused(tmp_path, monkeypatch, formula):
    monkeypatch.chdir(tmp_path)
    table, meta = _table_and_meta()
    with pytest.raises(ProfileError) as info:
        associate(table, meta, formula=formula)
    msg = str(info.value)
    assert "formula" in msg and ("allowed" in msg or "fit the metadata" in msg)
    assert not (tmp_path / "PWNED").exists() and list(tmp_path.iterdir()) == []


def test_formula_error_points_at_the_token():
    with pytest.raises(ProfileError) as info:
        parse_formula('feature ~ age + I(__import__("os").getcwd())', ["age"])
    msg = str(info.value)
    assert "'I' is not an allowed function" in msg and "(at character 17)" in msg
    lines = msg.splitlines()
    assert lines[1].strip().startswith("feature ~ age + I(") and lines[2].index("^") == 4 + 16
    assert GRAMMAR in msg


def test_patsy_environment_blocks_builtins_even_without_the_grammar(tmp_path, monkeypatch):
    """Defence in depth: patsy given an unchecked formula still cannot reach builtins."""
    import patsy

    monkeypatch.chdir(tmp_path)
    data = pd.DataFrame({"feature": np.arange(5.0), "age": np.arange(5.0) + 1})
    for text in ('feature ~ I(__import__("pathlib").Path("PWNED").touch())',
                 'feature ~ open("PWNED", "w")', 'feature ~ exec("x=1")'):
        with pytest.raises(patsy.PatsyError, match="not allowed in a model formula"):
            patsy.dmatrices(text, data, eval_env=eval_env())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("formula", "terms"), [
    ("feature ~ group + age", ["group[T.b]", "age"]),
    ("feature ~ C(site) + log(age)", ["C(site)[T.y]", "C(site)[T.z]", "log(age)"]),
    ('feature ~ Q("BMI z") * group', ['Q("BMI z")', "group[T.b]", 'Q("BMI z"):group[T.b]']),
    ("feature ~ center(age) + standardize(age) - 1", ["center(age)", "standardize(age)"]),
    ("feature ~ 0 + (group + site):age", None),
    ("group ~ feature + sqrt(age)", ["feature"]),
    ("age ~ log1p(feature) + group", ["log1p(feature)"]),  # transform="none" below
])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), sqrt(-1) on purpose
def test_formulas_inside_the_grammar_fit(formula, terms):
    table, meta = _table_and_meta(n=24)
    # raw abundances (> 0): log1p(feature) of CLR values below -1 would be undefined
    res = associate(table, meta, formula=formula, prevalence=0, transform="none")
    assert set(res["feature"]) == set(table.index)
    if terms is not None:
        assert set(res["term"]) == set(terms)


def test_formula_results_match_a_precomputed_column():
    """log(age) in the grammar gives the same model as a log-transformed column."""
    table, meta = _table_and_meta(n=24)
    a = associate(table, meta, formula="feature ~ log(age) + group", prevalence=0)
    b = associate(table, meta.assign(la=np.log(meta["age"])), formula="feature ~ la + group",
                  prevalence=0)
    a_coef = a[a.term == "log(age)"].set_index("feature")["coef"]
    b_coef = b[b.term == "la"].set_index("feature")["coef"]
    pd.testing.assert_series_equal(a_coef, b_coef, check_names=False)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), sqrt(-1) on purpose
def test_formula_limits_and_undefined_transforms():
    table, meta = _table_and_meta(n=24)
    wide = meta.assign(**{f"c{i}": np.arange(24.0) * (i + 1) for i in range(12)})
    _raises(associate, table, wide, formula="feature ~ " + " * ".join(f"c{i}" for i in range(12)),
            needle="model terms")
    _raises(associate, table, meta, formula="feature ~ log(zero)", needle="infinite")
    _raises(associate, table, meta.assign(neg=-meta["age"]), formula="feature ~ sqrt(neg)",
            needle="undefined value (NaN)")
    assert mentions_feature("log(feature)") and not mentions_feature('Q("feature count")')


# ---------------------------------------------------------------------------------------------
# 7. property-based fuzzing
# ---------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _sandbox() -> Iterator[Path]:
    """A fresh folder that is also the working directory; yields it."""
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            yield Path(folder)
        finally:
            os.chdir(old)


def _check_profile(prof) -> None:
    values = prof.table.to_numpy()
    assert values.dtype == np.float64
    assert np.isfinite(values).all() and (values >= 0).all()


_PREFIXES = [b"", b"\x1f\x8b\x08\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\x89HDF\r\n\x1a\n", b"{",
             b"BZh9", b"\xfd7zXZ\x00", b"id\tS1\n", b"# comment\n", b"#gene family\tS1\n"]


@FUZZ
@given(prefix=st.sampled_from(_PREFIXES), body=st.binary(max_size=400),
       suffix=st.sampled_from([".tsv", ".csv", ".txt", ".tsv.gz", ".biom", ".bz2"]))
def test_fuzz_random_bytes(prefix, body, suffix):
    with _sandbox() as folder:
        path = folder / f"in{suffix}"
        path.write_bytes(prefix + body)
        for fn in (read_profile, read_metadata, read_module_db):
            try:
                out = fn(path)
            except ProfileError as exc:
                assert str(path) in str(exc) or fn is read_module_db
            else:
                if fn is read_profile:
                    _check_profile(out)
        assert sorted(p.name for p in folder.iterdir()) == [path.name]


_CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-3, 10**6).map(str),
    st.sampled_from(["", " ", "nan", "NA", "inf", "-0", "1e400", "abc", '"', '"1"', "1_0",
                     " 2 ", "#", "K00001", "0x10", "1,5", "\x00", "é", "UNMAPPED", "k__Bacteria"]),
    st.text(max_size=4),
)
_HEADERS = st.sampled_from(["S1", "S2", "S3", "S1", "", "description", "taxonomy", "sequence",
                            "relative_abundance", "clade_taxid", "K00001", "g__A", '"q"', "é"])
_FIRST = st.sampled_from(["id", "#gene family", "# Pathway", "clade_name", "function",
                          "#OTU ID", "", "sample", "#SampleID", "#mpa_v30"])


@st.composite
def _tables(draw: st.DrawFn) -> tuple[str, str]:
    delim = draw(st.sampled_from(["\t", ",", ";", " "]))
    ncol = draw(st.integers(1, 5))
    header = [draw(_FIRST)] + [draw(_HEADERS) for _ in range(ncol - 1)]
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        width = max(0, ncol + draw(st.sampled_from([0, 0, 0, -1, 1])))
        first = draw(st.sampled_from(["K00001", "K00002", "g__A", "UNMAPPED", "K00001|g__A",
                                      "k__B|p__C", "", "S1", "PWY-1"]))
        rows.append([first] + [draw(_CELLS) for _ in range(max(0, width - 1))])
    lines = [delim.join(header)] + [delim.join(r) for r in rows]
    if draw(st.booleans()):
        lines.insert(0, "# " + draw(st.text(max_size=10)))
    ending = draw(st.sampled_from(["\n", "\r\n", ""]))
    return ending.join(lines) + ending, draw(st.sampled_from([".tsv", ".csv", ".txt", ".tsv.gz"]))


@FUZZ
@given(table=_tables(), fmt=st.sampled_from(list(readers_mod.FORMATS)),
       orientation=st.sampled_from(["auto", "features", "samples"]),
       wide=st.booleans())
def test_fuzz_small_tables(table, fmt, orientation, wide):
    text, suffix = table
    old = readers_mod._WIDE_COLUMNS
    readers_mod._WIDE_COLUMNS = 1 if wide else old  # exercise both matrix readers
    try:
        with _sandbox() as folder:
            path = folder / f"t{suffix}"
            data = text.encode("utf-8", "surrogatepass")
            path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
            try:
                prof = read_profile(path, format=fmt, orientation=orientation)
            except ProfileError as exc:
                assert str(path) in str(exc)
            else:
                _check_profile(prof)
                assert prof.table.index.is_unique or fmt in ("humann", "picrust2", "metaphlan")
            assert sorted(p.name for p in folder.iterdir()) == [path.name]
    finally:
        readers_mod._WIDE_COLUMNS = old


_FORMULA_PIECES = ["feature", "~", "+", "*", ":", "-", "1", "0", "2", "(", ")", "age", "group",
                   "site", "C(", "log(", "center(", 'Q("BMI z")', "Q('age')", "I(", "__import__",
                   ".", ",", "'", '"', " ", "**", "/", "lambda", "os", "[", "]", "\\", "\n"]


@FUZZ
@given(text=st.one_of(st.lists(st.sampled_from(_FORMULA_PIECES), max_size=14).map("".join),
                      st.text(max_size=40)))
def test_fuzz_formula_validator(text):
    table, meta = _table_and_meta()
    data = meta.assign(feature=np.log(table.iloc[0].to_numpy()))
    try:
        checked = parse_formula(text, meta.columns)
    except ProfileError as exc:
        assert "formula" in str(exc) and "allowed" in str(exc)
        return
    # accepted: only grammar tokens remain, the text is stable, and patsy's answer is clean
    bare = re.sub(r"""Q\(("[^"\\\n]*"|'[^'\\\n]*')\)""", "Q()", checked.text)
    assert re.fullmatch(r"[A-Za-z0-9_ ~+\-*:()]*", bare), checked.text
    assert "__" not in bare and "." not in bare
    assert parse_formula(checked.text, meta.columns) == checked
    with _sandbox() as folder:
        try:
            y, x = design_matrices(checked, data)
        except ProfileError:
            pass
        else:
            assert np.isfinite(x.to_numpy()).all() and len(y) == len(x)
        assert list(folder.iterdir()) == []
