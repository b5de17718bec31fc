"""Readers for microbiome profiles: generic tables, MetaPhlAn, BIOM, HUMAnN and PICRUSt2.

Every reader returns a :class:`Profile` whose ``table`` is features × samples (float64), so the
rest of gutbrain (module inference, guilds, associations) sees one shape whatever the tool.

Why a custom layer over ``pandas.read_csv``: the tools' tables differ in small ways that break
generic readers silently (comment lines, a header that is itself a ``#`` line, description
columns, stratified ``KO|taxon`` rows, ``UNMAPPED`` rows, duplicated samples renamed ``S1.1``).
Omixer-RPM users lose hours on exactly these (omixer/omixer-rpmR#4, #7, #9, #10). Here each
problem is a :class:`ProfileError` naming the file, the 1-based line, the column and the expected
form. The fast path reads with pyarrow (multi-threaded C++); only when it finds a problem is the
file re-scanned line by line to say where the problem is.

Hostile or careless files (issue #16) are refused before anything big is read: not a regular
file, a ``.gz``/``.bz2``/``.xz`` name without that kind of data, binary content (NUL bytes),
UTF-16 or other non-UTF-8 text, or a line longer than ``MAX_LINE_BYTES`` (see
:mod:`gutbrain.profiles._files`). The work per file is linear in its size, also for very wide
tables (200,000 sample columns).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import pandas as pd

from gutbrain.profiles import _files
from gutbrain.profiles._files import check_file, compression, iter_lines, sniff_text
from gutbrain.profiles._io import ProfileError

Format = Literal["auto", "table", "metaphlan", "biom", "humann", "picrust2"]
Orientation = Literal["auto", "features", "samples"]
FORMATS: tuple[str, ...] = ("auto", "table", "metaphlan", "biom", "humann", "picrust2")
LARGE_FILE_BYTES = 100 * 1024 * 1024  # files above this get a progress bar when asked
MAX_DENSE_CELLS = 2_000_000_000  # a BIOM (sparse) table larger than this is refused (16 GB)

_OPENERS = _files.COMPRESSIONS
_SCAN_LINES = 10_000  # the layout scan gives up looking for a header after this many lines
# first header field (lower case, '#' and spaces stripped) that marks a '#' line as the header
_KNOWN_HEADERS = {"gene family", "pathway", "otu id", "clade_name", "feature id", "featureid",
                  "function", "entry", "id", "taxon", "taxonomy", "sample", "sampleid"}
_HUMANN_SPECIAL = ("UNMAPPED", "UNGROUPED", "UNINTEGRATED")
_HUMANN_SUFFIX = re.compile(r"_(Abundance|Coverage)(-RPKs|-CPM|-RELAB)?$")
_METAPHLAN_UNCLASSIFIED = {"UNKNOWN", "UNCLASSIFIED", "unclassified", "unknown"}
_METAPHLAN_ANNOTATIONS = {"ncbi_tax_id", "clade_taxid", "additional_species", "coverage",
                          "estimated_number_of_reads_from_the_clade", "taxid"}
_PICRUST_ANNOTATIONS = {"description"}
# text columns next to the numbers in generic tables (QIIME/BIOM TSV taxonomy, descriptions)
_GENERIC_ANNOTATIONS = {"taxonomy", "description", "ncbi_tax_id", "clade_taxid", "name",
                        "consensus lineage", "kegg_description"}
_PICRUST_TAXON = {"sequence", "taxon"}
RANKS = {"kingdom": "k", "domain": "k", "phylum": "p", "class": "c", "order": "o",
         "family": "f", "genus": "g", "species": "s", "strain": "t", "sgb": "t"}
_FEATURE_LIKE = re.compile(
    r"^K\d{5}$|^(EC:)?\d+\.(\d+|-)\.(\d+|-)\.(n?\d+|-)$"
    r"|^(COG|KOG|ENOG|NOG|bactNOG|firmNOG|proNOG|TIGR|PF|GO:|PWY|MGB|MF|M)\S*\d"
    r"|[a-z]__|\||^(UNMAPPED|UNGROUPED|UNINTEGRATED)$"
    r"|^[A-Z][a-z]+(aceae|ales)_|^[A-Z][a-z]+ [a-z]+$|^(ASV|OTU)[_\-]?\d+", re.ASCII)


@dataclass
class Profile:
    """A profile table (features × samples, float64) with what the reader learned on the way.

    ``stratified`` (HUMAnN ``KO|taxon`` rows, PICRUSt2 ``sequence`` column) has a (feature, taxon)
    MultiIndex and is only filled on request. ``info`` holds the detected format, orientation,
    dropped annotation columns, HUMAnN special rows, and so on.
    """

    table: pd.DataFrame
    format: str
    path: Path | None = None
    stratified: pd.DataFrame | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def samples(self) -> list[str]:
        return [str(c) for c in self.table.columns]

    @property
    def features(self) -> list[str]:
        return [str(i) for i in self.table.index]


@dataclass
class _Layout:
    path: Path
    delimiter: str
    header_line: int  # 1-based physical line of the header
    header: list[str]
    comments: list[str]
    first_data: list[str] | None
    longest_line: int = 0  # bytes of the longest line seen by the scan (sets the block size)


# --------------------------------------------------------------------------------------------
# public entry points
# --------------------------------------------------------------------------------------------

def read_profile(path: str | Path, *, format: Format = "auto", orientation: Orientation = "auto",
                 level: str = "genus", stratified: bool = False, keep_special: bool = False,
                 unclassified: Literal["keep", "drop"] = "keep", names: Literal[
                     "short", "lineage"] = "short", strip_suffixes: bool = True,
                 delimiter: str | None = None, progress: bool = False) -> Profile:
    """Read a profile in any supported format (``format="auto"`` detects it from the content).

    Parameters that only some formats use: ``orientation`` (generic tables: ``features`` = one
    row per feature, ``samples`` = one row per sample, ``auto`` guesses from the names),
    ``level`` (MetaPhlAn clade level), ``stratified`` (also return HUMAnN/PICRUSt2 per-taxon
    rows), ``keep_special`` (keep HUMAnN UNMAPPED/UNGROUPED rows in the table),
    ``unclassified`` (MetaPhlAn UNKNOWN/UNCLASSIFIED row), ``names`` (MetaPhlAn feature names:
    last clade only or the full lineage), ``strip_suffixes`` (HUMAnN ``_Abundance-RPKs``).
    """
    path = check_file(path)
    _check_options(path, format, orientation, level, unclassified, names, delimiter)
    if format == "auto":
        fmt = _detect(path)  # checks the text itself (sniff_text) unless it is BIOM
    else:
        fmt = format
        if fmt != "biom":
            sniff_text(path)
    if fmt == "biom":
        return _read_biom(path)
    layout = _scan_layout(path, delimiter)
    if fmt == "humann":
        return _read_humann(layout, stratified, keep_special, strip_suffixes, progress)
    if fmt == "picrust2":
        return _read_picrust2(layout, stratified, progress)
    if fmt == "metaphlan":
        return _read_metaphlan(layout, level, unclassified, names, progress)
    return _read_generic(layout, orientation, progress)


def _check_options(path: Path, format: str, orientation: str, level: str, unclassified: str,
                   names: str, delimiter: str | None) -> None:
    """Refuse unknown option values up front, with the file named, before any reading."""
    choices: tuple[tuple[str, object, tuple[str, ...]], ...] = (
        ("format", format, FORMATS), ("orientation", orientation, ("auto", "features", "samples")),
        ("unclassified", unclassified, ("keep", "drop")), ("names", names, ("short", "lineage")))
    for what, value, allowed in choices:
        if value not in allowed:
            raise ProfileError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}",
                               path=path)
    if not isinstance(level, str) or not level.strip():
        raise ProfileError(f"MetaPhlAn level {level!r} is empty; expected one of "
                           f"{', '.join(RANKS)} or 'all'", path=path)
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1
                                  or delimiter in "\r\n\"#" or delimiter.isalnum()):
        raise ProfileError(f"delimiter {delimiter!r} is not usable; expected one character such "
                           "as a tab, ',' or ';'", path=path)


def detect_format(path: str | Path) -> str:
    """Guess the format from the file's first bytes and header: biom, humann, picrust2,
    metaphlan or table (generic)."""
    return _detect(check_file(path))


def _detect(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".biom":
        return "biom"
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise _files.read_error(path, exc) from None
    if head.startswith(b"\x89HDF"):
        return "biom"
    if head.lstrip()[:1] == b"{" and not any(s in _OPENERS for s in suffixes[-1:]):
        return "biom"
    sniff_text(path)
    layout = _scan_layout(path, None)
    first = _norm_header(layout.header[0]) if layout.header else ""
    lowered = {_norm_header(h) for h in layout.header}
    if first in {"gene family", "pathway"}:
        return "humann"
    if first == "function":
        return "picrust2"
    if first == "clade_name" or any(c.lower().startswith("#mpa") for c in layout.comments):
        return "metaphlan"
    if "relative_abundance" in lowered:
        return "metaphlan"
    if layout.first_data:
        rid = layout.first_data[0].strip()
        if re.match(r"^[kd]__", rid) or (rid in _METAPHLAN_UNCLASSIFIED and first in {"id", ""}):
            return "metaphlan"
        if rid in _HUMANN_SPECIAL:
            return "humann"
    return "table"


# --------------------------------------------------------------------------------------------
# layout: delimiter, comment lines, header line
# --------------------------------------------------------------------------------------------

def _open_binary(path: Path, progress: bool) -> tuple[IO[bytes], Any]:
    """Open for pyarrow; with *progress* and a large file, wrap it in a rich progress bar."""
    comp = compression(path)
    opener = None if comp is None else comp[1]
    try:
        large = progress and path.stat().st_size > LARGE_FILE_BYTES
        if opener is None and not large:
            import pyarrow as pa

            return pa.OSFile(str(path), "rb"), None  # native reads: no Python I/O in the loop
        raw: IO[bytes] = open(path, "rb")
    except OSError as exc:
        raise _files.read_error(path, exc) from None
    bar = None
    if large:
        from rich.console import Console
        from rich.progress import Progress

        bar = Progress(console=Console(stderr=True), transient=True)
        bar.start()
        raw = bar.wrap_file(raw, total=path.stat().st_size,
                            description=f"reading {path.name}")  # type: ignore[assignment]
    if opener is not None:
        return opener(raw, "rb"), bar  # type: ignore[operator]
    return raw, bar


def _norm_header(field_: str) -> str:
    return field_.lstrip("#").strip().lower()


def _split(line: str, delimiter: str, path: Path | None = None, lineno: int | None = None,
           ) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [""])
    except csv.Error as exc:
        raise ProfileError(f"cannot split the line into fields ({exc}); expected "
                           f"{_delim_name(delimiter)}-separated fields", path=path,
                           line=lineno) from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _delimiter_for(path: Path, line: str) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in _OPENERS]
    ext = suffixes[-1] if suffixes else ""
    if ext == ".csv":
        return ","
    if ext in {".tsv", ".tab", ".txt"} or "\t" in line:
        return "\t"
    if "," in line:
        return ","
    return "\t"


def _scan_layout(path: Path, delimiter: str | None) -> _Layout:
    """Find the header line, the delimiter and the leading comment lines from the first lines."""
    leading: list[tuple[int, str]] = []  # comment lines before the first data line
    data: list[tuple[int, str]] = []
    scanned, longest, eof = 0, 0, True
    for lineno, raw in iter_lines(path):
        text = raw.rstrip("\r\n")
        scanned += len(raw)
        longest = max(longest, len(raw))
        if not text.strip():
            pass
        elif text.startswith("#") and not data:
            leading.append((lineno, text))
        else:
            data.append((lineno, text))
        if len(data) >= 2 or lineno >= _SCAN_LINES or scanned > 2 * _files.MAX_LINE_BYTES:
            eof = False
            break
    if not leading and not data:
        raise ProfileError("the file is empty; expected a header line and at least one data "
                           "row", path=path)
    probe = data[0][1] if data else leading[-1][1]
    delim = delimiter or _delimiter_for(path, leading[-1][1] if leading and (
        "\t" in leading[-1][1] or "," in leading[-1][1]) else probe)
    header_line, header, first_data = 0, [], None
    comment_header = False
    if leading and delim in leading[-1][1]:
        fields = _split(leading[-1][1], delim, path, leading[-1][0])
        fields[0] = fields[0].lstrip("#").strip()
        if _norm_header(fields[0]) in _KNOWN_HEADERS:
            comment_header = True
        elif data:
            first = _split(data[0][1], delim, path, data[0][0])
            comment_header = len(first) == len(fields) and len(first) > 1 and all(
                _is_number(x) for x in first[1:] if x.strip())
        if comment_header:
            header_line, header = leading[-1][0], fields
            leading = leading[:-1]
            first_data = _split(data[0][1], delim, path, data[0][0]) if data else None
    if not comment_header:
        if not data:
            where = "" if eof else f" in the first {lineno:,} lines"
            raise ProfileError(f"only comment lines ('#'){where}; expected a header line and "
                               "data rows", path=path)
        header_line, header = data[0][0], _split(data[0][1], delim, path, data[0][0])
        first_data = _split(data[1][1], delim, path, data[1][0]) if len(data) > 1 else None
    if first_data is None and eof:
        raise ProfileError(f"no data rows after the header (line {header_line}); expected at "
                           "least one data row", path=path)
    header = [h.strip() for h in header]
    return _Layout(path, delim, header_line, header, [t for _, t in leading], first_data,
                   longest)


# --------------------------------------------------------------------------------------------
# the fast matrix reader and the exact diagnosis
# --------------------------------------------------------------------------------------------

def _read_matrix(layout: _Layout, key_cols: Sequence[int], value_cols: Sequence[int],
                 progress: bool = False) -> tuple[list[list[str]], np.ndarray]:
    """Read string key columns and float value columns; return (keys per column, values).

    Values come back as a Fortran-ordered (rows × value columns) array, so that a pandas frame
    built on it needs no copy. Any parse problem (ragged row, non-number, empty cell) sends the
    file to :func:`_diagnose`, which reports the exact line and column.

    Linear in the number of columns: the Arrow columns are taken once by position and released
    one by one (``Table.drop_columns`` in a loop rebuilt the table each time and made a
    20,000-column file take 100 s). Wide, short tables (many samples as columns, few rows) go
    row by row instead (:func:`_read_matrix_rows`): Arrow's cost per column (~20 µs) would
    dominate there.
    """
    ncol = len(layout.header)
    if _wide_and_short(layout):
        return _read_matrix_rows(layout, key_cols, value_cols)
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency, pandas is the fallback
        return _read_matrix_pandas(layout, key_cols, value_cols)
    names = [f"c{i}" for i in range(ncol)]
    included = [names[i] for i in (*key_cols, *value_cols)]
    types = {names[i]: pa.string() for i in key_cols}
    types.update({names[i]: pa.float64() for i in value_cols})
    # a block must hold a whole row: size it from the longest line the layout scan saw
    block = int(min(max(1 << 24, 4 * layout.longest_line + 4096), 4 * _files.MAX_LINE_BYTES))
    read_opts = pacsv.ReadOptions(skip_rows=layout.header_line, column_names=names,
                                  block_size=block)
    parse_opts = pacsv.ParseOptions(delimiter=layout.delimiter)
    conv_opts = pacsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                     include_columns=[] if included == names else included)
    source, bar = _open_binary(layout.path, progress)
    try:
        tbl = pacsv.read_csv(source, read_options=read_opts, parse_options=parse_opts,
                             convert_options=conv_opts)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, pa.ArrowKeyError,
            UnicodeDecodeError) as exc:
        _diagnose(layout, key_cols, value_cols)
        raise ProfileError(f"could not parse the table ({str(exc)[:300]}); expected a "
                           f"{_delim_name(layout.delimiter)}-separated table",
                           path=layout.path) from exc
    except _files.DECOMPRESSION_ERRORS as exc:  # bad compressed data further down the file
        raise _files.read_error(layout.path, exc) from None
    finally:
        source.close()
        if bar is not None:
            bar.stop()
    n_rows, n_keys = tbl.num_rows, len(key_cols)
    columns: list[Any] = tbl.columns  # include_columns order: keys, then values
    del tbl  # from here each column is freed as soon as it is converted
    if any(columns[n_keys + j].null_count for j in range(len(value_cols))):
        _diagnose(layout, key_cols, value_cols)
    keys = [[s.strip() for s in columns[k].to_pylist()] for k in range(n_keys)]
    values = np.empty((n_rows, len(value_cols)), dtype=np.float64, order="F")
    for j in range(len(value_cols)):
        start = 0
        for chunk in columns[n_keys + j].chunks:  # chunk by chunk: no concatenated copy
            values[start:start + len(chunk), j] = chunk.to_numpy(zero_copy_only=False)
            start += len(chunk)
        columns[n_keys + j] = None
    return keys, values


_WIDE_COLUMNS = 1024  # at least this many columns ...
_SHORT_ROWS = 256  # ... and about this many rows at most: read row by row


def _wide_and_short(layout: _Layout) -> bool:
    """Whether the file is wide and short enough that a row-by-row parse beats Arrow."""
    if len(layout.header) < _WIDE_COLUMNS or layout.longest_line <= 0:
        return False
    try:
        size = layout.path.stat().st_size
    except OSError:
        return False
    if compression(layout.path) is not None:
        size *= 10  # typical text compression ratio: an estimate is enough here
    return size // layout.longest_line <= _SHORT_ROWS


def _read_matrix_rows(layout: _Layout, key_cols: Sequence[int],
                      value_cols: Sequence[int]) -> tuple[list[list[str]], np.ndarray]:
    """Row-by-row reader for wide, short tables: the csv module splits each line (the same
    parser :func:`_diagnose` uses) and NumPy converts the fields of a row at once."""
    import operator

    ncol = len(layout.header)
    take_values = operator.itemgetter(*value_cols) if value_cols else (lambda _row: ())
    keys: list[list[str]] = [[] for _ in key_cols]
    rows: list[np.ndarray] = []
    lines = iter_lines(layout.path)
    try:
        reader = csv.reader((text for lineno, text in lines if lineno > layout.header_line),
                            delimiter=layout.delimiter)
        for row in reader:
            if not row or all(not x.strip() for x in row):
                continue
            if len(row) != ncol:
                raise ValueError("ragged row")
            vals = take_values(row)
            if "_" in "".join(vals):  # Python/NumPy read 1_000 as 1000; Arrow does not
                raise ValueError("digit separator")
            rows.append(np.array(vals if len(value_cols) != 1 else [vals], dtype=np.float64))
            for k, i in enumerate(key_cols):
                keys[k].append(row[i].strip())
    except ProfileError:
        raise
    except (ValueError, csv.Error):
        lines.close()
        _diagnose(layout, key_cols, value_cols)
        raise ProfileError(f"could not parse the table; expected a "
                           f"{_delim_name(layout.delimiter)}-separated table of numbers",
                           path=layout.path) from None
    finally:
        lines.close()
    values = np.empty((len(rows), len(value_cols)), dtype=np.float64, order="F")
    for r, v in enumerate(rows):
        values[r] = v
    return keys, values


def _read_matrix_pandas(layout: _Layout, key_cols: Sequence[int],
                        value_cols: Sequence[int]) -> tuple[list[list[str]], np.ndarray]:
    names = [f"c{i}" for i in range(len(layout.header))]
    try:
        df = pd.read_csv(layout.path, sep=layout.delimiter, header=None, names=names,
                         skiprows=layout.header_line, engine="c",
                         usecols=[names[i] for i in (*key_cols, *value_cols)],
                         dtype={names[i]: str for i in key_cols}, skip_blank_lines=True)
        values = df[[names[i] for i in value_cols]].to_numpy(dtype=np.float64)
    except (ValueError, pd.errors.ParserError) as exc:
        _diagnose(layout, key_cols, value_cols)
        raise ProfileError(f"could not parse the table ({exc})", path=layout.path) from exc
    if np.isnan(values).any():
        _diagnose(layout, key_cols, value_cols)
    keys = [df[names[i]].astype(str).str.strip().tolist() for i in key_cols]
    return keys, np.asfortranarray(values)


def _delim_name(d: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon"}.get(d, repr(d))


def _col_label(layout: _Layout, i: int) -> str:
    name = layout.header[i] if i < len(layout.header) else ""
    return f"{i + 1} ({name!r})" if name else str(i + 1)


def _diagnose(layout: _Layout, key_cols: Sequence[int], value_cols: Sequence[int],
              row_kind: str = "feature", check_duplicates: bool = True,
              check_negative: bool = True) -> None:
    """Re-read the file line by line and raise a ProfileError at the first problem."""
    lines = iter_lines(layout.path)  # the same NUL / UTF-8 / line-length checks as the scan
    try:
        _diagnose_rows(layout, lines, key_cols, value_cols, row_kind, check_duplicates,
                       check_negative)
    finally:
        lines.close()


def _diagnose_rows(layout: _Layout, lines: Iterator[tuple[int, str]], key_cols: Sequence[int],
                   value_cols: Sequence[int], row_kind: str, check_duplicates: bool,
                   check_negative: bool) -> None:
    ncol = len(layout.header)
    seen: dict[tuple[str, ...], int] = {}
    reader = csv.reader((text for lineno, text in lines if lineno > layout.header_line),
                        delimiter=layout.delimiter)
    line_end = layout.header_line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ProfileError(f"cannot split the row into fields ({exc}); expected "
                               f"{_delim_name(layout.delimiter)}-separated fields (is a quote "
                               "left open?)", path=layout.path, line=line_end + 1) from None
        line_start, line_end = line_end + 1, layout.header_line + reader.line_num
        if not row or all(not x.strip() for x in row):
            continue
        if len(row) != ncol:
            hint = (" (a header without a name for the ID column, as R's write.table writes, "
                    "has one field fewer than the rows: add one)" if len(row) == ncol + 1
                    else "")
            raise ProfileError(
                f"{len(row)} fields but the header (line {layout.header_line}) has {ncol}{hint}; "
                f"expected every row to have {ncol} {_delim_name(layout.delimiter)}-separated "
                "fields", path=layout.path, line=line_start)
        key = tuple(row[i].strip() for i in key_cols)
        if not key[0]:
            raise ProfileError(f"empty {row_kind} ID; expected a name in the first field",
                               path=layout.path, line=line_start, column=1)
        if check_duplicates:
            if key in seen:
                what = " / ".join(key)
                raise ProfileError(
                    f"duplicated {row_kind} {what!r} (first on line {seen[key]}); expected "
                    f"each {row_kind} once", path=layout.path, line=line_start)
            seen[key] = line_start
        for j in value_cols:
            cell = row[j].strip()
            try:
                if "_" in cell:  # float() reads 1_000 as 1000; Arrow and other tools do not
                    raise ValueError(cell)
                value = float(cell)
            except ValueError:
                shown = "an empty cell" if not cell else f"{cell[:80]!r} is not a number"
                raise ProfileError(f"{shown}; expected a non-negative number",
                                   path=layout.path, line=line_start,
                                   column=_col_label(layout, j)) from None
            if not math.isfinite(value):
                raise ProfileError(f"{cell!r} is not a finite number; expected a "
                                   "non-negative number", path=layout.path,
                                   line=line_start, column=_col_label(layout, j))
            if check_negative and value < 0:
                raise ProfileError(f"{cell} is negative; expected abundances >= 0",
                                   path=layout.path, line=line_start,
                                   column=_col_label(layout, j))


def _check_header_unique(layout: _Layout, cols: Sequence[int], kind: str) -> None:
    first: dict[str, int] = {}
    for i in cols:
        name = layout.header[i]
        if name in first:
            raise ProfileError(
                f"duplicated {kind} {name!r} in columns {first[name] + 1} and {i + 1}; expected "
                f"each {kind} once", path=layout.path, line=layout.header_line)
        first[name] = i


def _validate(layout: _Layout, keys: list[list[str]], values: np.ndarray,
              key_cols: Sequence[int], value_cols: Sequence[int], row_kind: str,
              col_kind: str) -> None:
    """Cheap vectorised checks; on failure the exact scan says where."""
    if not value_cols:
        hint = (f" (the header has no {_delim_name(layout.delimiter)}: for another separator "
                "pass delimiter=..., e.g. ' ' or ';')" if len(layout.header) == 1 else "")
        raise ProfileError(f"no {col_kind} columns after column {max(key_cols) + 1}{hint}; "
                           f"expected one numeric column per {col_kind}", path=layout.path,
                           line=layout.header_line)
    if values.shape[0] == 0:
        raise ProfileError(f"no data rows after the header (line {layout.header_line}); "
                           f"expected at least one {row_kind} row", path=layout.path)
    for i in value_cols:
        if not layout.header[i]:
            raise ProfileError(f"column {i + 1} has no name in the header; expected a {col_kind} "
                               "name", path=layout.path, line=layout.header_line)
    _check_header_unique(layout, value_cols, col_kind)
    index = pd.MultiIndex.from_arrays(keys) if len(keys) > 1 else pd.Index(keys[0])
    dup = index.duplicated().any()
    empty = any(not k for k in keys[0])
    nul = any("\x00" in "".join(k) for k in keys)  # NULs further down than the sniff looked
    if dup or empty or nul or not np.isfinite(values).all() or (values < 0).any():
        _diagnose(layout, key_cols, value_cols, row_kind=row_kind)
        raise ProfileError("invalid values (duplicated rows, negative or non-finite numbers)",
                           path=layout.path)  # pragma: no cover - _diagnose raises first


# --------------------------------------------------------------------------------------------
# format readers
# --------------------------------------------------------------------------------------------

def _read_generic(layout: _Layout, orientation: Orientation, progress: bool) -> Profile:
    ncol = len(layout.header)
    annot = [i for i in range(1, ncol) if _norm_header(layout.header[i]) in _GENERIC_ANNOTATIONS]
    annot_set = set(annot)  # sets, not lists: membership tests stay O(1) for wide tables
    value_cols = [i for i in range(1, ncol) if i not in annot_set]
    (ids,), values = _read_matrix(layout, [0], value_cols, progress)
    header_names = [layout.header[i] for i in value_cols]
    basis = "given"
    if orientation == "auto":
        row_frac = _feature_fraction(ids)
        col_frac = _feature_fraction(header_names)
        if col_frac > 0.5 and col_frac > row_frac:
            orientation, basis = "samples", "column names look like feature IDs"
        else:
            orientation = "features"
            basis = ("row names look like feature IDs" if row_frac > 0.5 else
                     "default (rows = features); pass orientation='samples' if rows are samples")
    row_kind, col_kind = ("feature", "sample") if orientation == "features" else ("sample",
                                                                                  "feature")
    _validate(layout, [ids], values, [0], value_cols, row_kind, col_kind)
    if orientation == "features":
        table = pd.DataFrame(values, index=pd.Index(ids, name="feature"),
                             columns=pd.Index(header_names, name="sample"), copy=False)
    else:
        table = pd.DataFrame(values.T, index=pd.Index(header_names, name="feature"),
                             columns=pd.Index(ids, name="sample"), copy=False)
    return Profile(table, "table", layout.path, info={
        "orientation": orientation, "orientation_basis": basis,
        "dropped_columns": [layout.header[i] for i in annot],
        "delimiter": layout.delimiter, "header_line": layout.header_line,
        "id_column": layout.header[0]})


def _feature_fraction(names: Sequence[str]) -> float:
    names = list(names)[:2000]
    if not names:
        return 0.0
    return sum(bool(_FEATURE_LIKE.search(str(n))) for n in names) / len(names)


def _read_metaphlan(layout: _Layout, level: str, unclassified: str, names: str,
                    progress: bool) -> Profile:
    rank = RANKS.get(level.lower(), level.lower()[:1]) if level else ""
    if level and level.lower() not in RANKS and level.lower() != "all":
        raise ProfileError(f"unknown MetaPhlAn level {level!r}; expected one of "
                           f"{', '.join(RANKS)} or 'all'", path=layout.path)
    lowered = [_norm_header(h) for h in layout.header]
    single = "relative_abundance" in lowered
    if single:
        value_cols = [lowered.index("relative_abundance")]
    else:
        value_cols = [i for i in range(1, len(layout.header))
                      if lowered[i] not in _METAPHLAN_ANNOTATIONS]
    value_set = set(value_cols)
    dropped = [layout.header[i] for i in range(1, len(layout.header)) if i not in value_set]
    (clades,), values = _read_matrix(layout, [0], value_cols, progress)
    _validate(layout, [clades], values, [0], value_cols, "clade", "sample")
    samples = [layout.header[i] for i in value_cols]
    if single:
        sid = next((c.split("\t", 1)[1].strip() for c in layout.comments
                    if c.lower().startswith("#sampleid") and "\t" in c), "")
        samples = [sid or layout.path.name.split(".")[0]]
    full = pd.DataFrame(values, index=pd.Index(clades), columns=samples, copy=False)
    is_unclassified = np.array([c in _METAPHLAN_UNCLASSIFIED for c in clades])
    last = [c.rsplit("|", 1)[-1] for c in clades]
    ranks = np.array([s[0].lower() if len(s) > 3 and s[1:3] == "__" else "" for s in last])
    if level.lower() == "all":
        keep = ~is_unclassified | (unclassified == "keep")
    else:
        if rank == "k":
            keep = np.isin(ranks, ["k", "d"])
        else:
            keep = ranks == rank
        if not keep.any():
            found = sorted({r for r in ranks if r})
            raise ProfileError(f"no clades at level {level!r} ({rank}__); the file has levels "
                               f"{', '.join(r + '__' for r in found) or 'none'}",
                               path=layout.path)
        if unclassified == "keep":
            keep = keep | is_unclassified
    sub = full[keep]
    idx = list(sub.index)
    if names == "short" and level.lower() != "all":
        short = [c.rsplit("|", 1)[-1] for c in idx]
        counts = pd.Series(short).value_counts()
        idx = [s if counts[s] == 1 else c for s, c in zip(short, idx, strict=True)]
    table = pd.DataFrame(sub.to_numpy(), index=pd.Index(idx, name="feature"),
                         columns=pd.Index(samples, name="sample"))
    return Profile(table, "metaphlan", layout.path, info={
        "level": level, "dropped_columns": dropped, "single_profile": single,
        "comments": layout.comments, "header_line": layout.header_line,
        "unclassified": full[is_unclassified].sum(axis=0) if is_unclassified.any() else None,
        "n_clades": len(clades)})


def _strip_humann(name: str) -> str:
    return _HUMANN_SUFFIX.sub("", name)


def _read_humann(layout: _Layout, stratified: bool, keep_special: bool, strip_suffixes: bool,
                 progress: bool) -> Profile:
    value_cols = list(range(1, len(layout.header)))
    (ids,), values = _read_matrix(layout, [0], value_cols, progress)
    _validate(layout, [ids], values, [0], value_cols, "feature", "sample")
    samples = [layout.header[i] for i in value_cols]
    renamed = [_strip_humann(s) for s in samples] if strip_suffixes else samples
    if len(set(renamed)) != len(renamed):
        renamed = samples  # stripping would merge samples: keep the original names
    ids_arr = np.array(ids, dtype=object)
    has_pipe = np.array(["|" in i for i in ids])
    base = np.array([i.split("|", 1)[0] for i in ids], dtype=object)
    special = np.isin(base, _HUMANN_SPECIAL)
    cols = pd.Index(renamed, name="sample")
    unstrat_mask = ~has_pipe & (keep_special | ~special)
    strat_mask = has_pipe & (keep_special | ~special)
    strat_df = pd.DataFrame(values[strat_mask], columns=cols, index=pd.MultiIndex.from_arrays(
        [base[strat_mask], [i.split("|", 1)[1] for i in ids_arr[strat_mask]]],
        names=["feature", "taxon"]))
    if unstrat_mask.any():
        table = pd.DataFrame(values[unstrat_mask], index=pd.Index(ids_arr[unstrat_mask],
                                                                  name="feature"), columns=cols)
        totals_from = "unstratified rows"
    else:
        table = strat_df.groupby(level="feature", sort=False).sum()
        totals_from = "sum of stratified rows (the file has no unstratified rows)"
    if table.shape[0] == 0:
        raise ProfileError("no feature rows besides UNMAPPED/UNGROUPED; expected KO or gene "
                           "family rows", path=layout.path)
    special_rows = pd.DataFrame(values[special & ~has_pipe], columns=cols,
                                index=pd.Index(ids_arr[special & ~has_pipe], name="feature"))
    return Profile(table, "humann", layout.path, stratified=strat_df if stratified else None,
                   info={"id_column": layout.header[0], "special_rows": special_rows,
                         "totals_from": totals_from, "header_line": layout.header_line,
                         "sample_names": dict(zip(samples, renamed, strict=True)),
                         "n_stratified_rows": int(strat_mask.sum())})


def _read_picrust2(layout: _Layout, stratified: bool, progress: bool) -> Profile:
    lowered = [_norm_header(h) for h in layout.header]
    taxon_col = next((i for i, h in enumerate(lowered) if h in _PICRUST_TAXON), None)
    annot = [i for i, h in enumerate(lowered) if h in _PICRUST_ANNOTATIONS]
    key_cols = [0] if taxon_col is None else [0, taxon_col]
    skip = {*annot, taxon_col}
    value_cols = [i for i in range(1, len(lowered)) if i not in skip]
    keys, values = _read_matrix(layout, key_cols, value_cols, progress)
    _validate(layout, keys, values, key_cols, value_cols, "function", "sample")
    samples = pd.Index([layout.header[i] for i in value_cols], name="sample")
    strat = None
    if taxon_col is not None:
        strat = pd.DataFrame(values, columns=samples, index=pd.MultiIndex.from_arrays(
            keys, names=["feature", "taxon"]))
        table = strat.groupby(level="feature", sort=False).sum()
    else:
        table = pd.DataFrame(values, index=pd.Index(keys[0], name="feature"), columns=samples,
                             copy=False)
    return Profile(table, "picrust2", layout.path, stratified=strat if stratified else None,
                   info={"dropped_columns": [layout.header[i] for i in annot],
                         "header_line": layout.header_line,
                         "taxon_column": None if taxon_col is None else layout.header[taxon_col]})


def _read_biom(path: Path) -> Profile:
    try:
        import biom
    except ImportError as exc:  # pragma: no cover - biom-format is a dependency
        raise ProfileError("reading BIOM needs the biom-format package (pip install "
                           "biom-format)", path=path) from exc
    try:
        tab = biom.load_table(str(path))
    except Exception as exc:  # biom raises many types for bad files
        raise ProfileError(f"not a readable BIOM file ({type(exc).__name__}: {exc}); expected "
                           "BIOM 1.0 (JSON) or 2.x (HDF5)", path=path) from exc
    n_obs, n_samples = (int(n) for n in tab.shape)
    if n_obs * n_samples > MAX_DENSE_CELLS:
        raise ProfileError(f"BIOM table of {n_obs:,} observations × {n_samples:,} samples is too "
                           f"large to hold densely (more than {MAX_DENSE_CELLS:,} values); "
                           "expected a table that fits in memory", path=path)
    try:
        df = tab.to_dataframe(dense=True).astype(np.float64)
    except (ValueError, TypeError, KeyError, IndexError) as exc:  # inconsistent ids / shape
        raise ProfileError(f"not a usable BIOM table ({type(exc).__name__}: {exc}); expected "
                           "BIOM 1.0 (JSON) or 2.x (HDF5) with numeric values", path=path) from exc
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise ProfileError(f"empty table ({df.shape[0]} observations × {df.shape[1]} samples); "
                           "expected at least one of each", path=path)
    for kind, idx in (("observation", df.index), ("sample", df.columns)):
        dup = idx[idx.duplicated()]
        if len(dup):
            raise ProfileError(f"duplicated {kind} {dup[0]!r}; expected each {kind} once",
                               path=path)
    bad = ~np.isfinite(df.to_numpy()) | (df.to_numpy() < 0)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ProfileError(f"observation {df.index[r]!r}, sample {df.columns[c]!r}: value "
                           f"{df.iat[r, c]} is negative or not finite; expected abundances >= 0",
                           path=path)
    df.index = pd.Index([str(i) for i in df.index], name="feature")
    df.columns = pd.Index([str(c) for c in df.columns], name="sample")
    taxonomy = None
    md = tab.metadata(axis="observation")
    if md is not None and md and "taxonomy" in (md[0] or {}):
        taxonomy = {str(i): m.get("taxonomy") for i, m in zip(tab.ids("observation"), md,
                                                             strict=True)}
    return Profile(df, "biom", path, info={"taxonomy": taxonomy,
                                          "table_type": getattr(tab, "type", None)})


def profile_from_frame(df: pd.DataFrame, *, name: str = "<table>") -> Profile:
    """Validate an in-memory features × samples frame and wrap it as a Profile."""
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise ProfileError(f"empty table ({df.shape[0]} features × {df.shape[1]} samples); "
                           "expected at least one of each", path=name)
    for kind, idx in (("feature", df.index), ("sample", df.columns)):
        dup = idx[idx.duplicated()]
        if len(dup):
            raise ProfileError(f"duplicated {kind} {dup[0]!r}; expected each {kind} once",
                               path=name)
    try:
        values = df.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"non-numeric values ({exc}); expected numbers", path=name) from exc
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ProfileError(f"feature {df.index[r]!r}, sample {df.columns[c]!r}: value "
                           f"{values[r, c]} is negative or not finite; expected abundances >= 0",
                           path=name)
    table = pd.DataFrame(values, index=pd.Index([str(i) for i in df.index], name="feature"),
                         columns=pd.Index([str(c) for c in df.columns], name="sample"))
    return Profile(table, "frame", None)


__all__ = ["FORMATS", "Profile", "ProfileError", "detect_format", "profile_from_frame",
           "read_profile", "RANKS", "LARGE_FILE_BYTES"]
