"""Guards for user-supplied files: every way a file can be wrong becomes one ProfileError.

Why a separate layer: profile tables come from many tools and from careless hands (a ``.gz``
that is really text, an Excel "Unicode text" export, a binary file picked by mistake,
``/dev/zero``). Python and pyarrow each fail in their own way on these (OSError, EOFError,
LZMAError, UnicodeDecodeError, MemoryError after reading gigabytes, or a hang). Here the file
is checked before anything big is read:

* it must exist, be a regular file (not a folder, device, pipe or socket) and be readable;
* a compressed name (``.gz``, ``.bz2``, ``.xz``) must hold that kind of data, and compressed data
  must not hide behind a plain name;
* text must be UTF-8 (a UTF-8 byte-order mark is fine), without NUL bytes, and no single line
  may exceed :data:`MAX_LINE_BYTES`.

The first :data:`SNIFF_BYTES` are checked up front; :func:`iter_lines` applies the same checks
line by line for readers that go through the whole file, so a problem further down still gets
its line number.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import lzma
import os
import stat
import zlib
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from gutbrain.profiles._io import ProfileError

MAX_LINE_BYTES = 64 * 1024 * 1024  # one line longer than this is refused (endless input)
SNIFF_BYTES = 1 << 16  # bytes (after decompression) checked before any reader starts

# suffix → (name, opener, magic bytes)
COMPRESSIONS: dict[str, tuple[str, Callable[..., Any], bytes]] = {
    ".gz": ("gzip", gzip.open, b"\x1f\x8b"),
    ".bz2": ("bzip2", bz2.open, b"BZh"),
    ".xz": ("xz", lzma.open, b"\xfd7zXZ\x00"),
}
# errors the decompressors raise on bad or truncated data
DECOMPRESSION_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, lzma.LZMAError,
                                                         zlib.error)
_UTF_HINT = "expected UTF-8 text (re-save the file as UTF-8)"


def compression(path: Path) -> tuple[str, Callable[..., Any], bytes] | None:
    """The compression the file name announces (by its last suffix), or None."""
    return COMPRESSIONS.get(path.suffix.lower())


def _os_error(path: Path, exc: OSError, what: str) -> ProfileError:
    if isinstance(exc, FileNotFoundError):
        return ProfileError(f"file not found; expected a {what} file", path=path)
    if isinstance(exc, IsADirectoryError):
        return ProfileError(f"is a folder; expected a {what} file", path=path)
    if isinstance(exc, PermissionError):
        return ProfileError(f"permission denied; expected a readable {what} file", path=path)
    return ProfileError(f"cannot be read ({exc.strerror or exc}); expected a readable {what} "
                        "file", path=path)


def check_file(path: str | os.PathLike[str], what: str = "profile table") -> Path:
    """Refuse anything that is not an existing, readable, regular file; return it as a Path."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise _os_error(path, exc, what) from None
    except ValueError as exc:  # e.g. an embedded NUL in the name
        raise ProfileError(f"invalid file name ({exc}); expected a {what} file",
                           path=repr(str(path))) from None
    if stat.S_ISDIR(mode):
        raise ProfileError(f"is a folder; expected a {what} file", path=path)
    if not stat.S_ISREG(mode):
        raise ProfileError(f"is not a regular file (a device, pipe or socket); expected a {what} "
                           "file saved on disk", path=path)
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise _os_error(path, exc, what) from None
    return path


@contextmanager
def open_binary(path: Path, what: str = "profile table") -> Iterator[IO[bytes]]:
    """Open *path* for reading bytes, decompressing by suffix; OS errors become ProfileError."""
    comp = compression(path)
    try:
        fh: IO[bytes] = comp[1](path, "rb") if comp else open(path, "rb")
    except OSError as exc:
        raise _os_error(path, exc, what) from None
    try:
        yield fh
    finally:
        fh.close()


def read_error(path: Path, exc: BaseException, what: str = "profile table") -> ProfileError:
    """A ProfileError for an error raised while reading (bad compressed data, I/O error)."""
    comp = compression(path)
    if comp is not None:
        return ProfileError(f"is not valid {comp[0]} data: truncated or corrupt "
                            f"({type(exc).__name__}: {exc}); expected a complete "
                            f"{comp[0]}-compressed {what}", path=path)
    if isinstance(exc, OSError):
        return _os_error(path, exc, what)
    return ProfileError(f"cannot be read ({type(exc).__name__}: {exc})", path=path)


def _read_head(path: Path, what: str) -> tuple[bytes, bool]:
    """The first SNIFF_BYTES (decompressed) and whether that is the whole file."""
    with open_binary(path, what) as fh:
        try:
            head = fh.read(SNIFF_BYTES + 1)
        except DECOMPRESSION_ERRORS as exc:
            raise read_error(path, exc, what) from None
    return head[:SNIFF_BYTES], len(head) <= SNIFF_BYTES


def sniff_text(path: Path, what: str = "profile table") -> None:
    """Check the start of a text file: compression matches the name, UTF-8, no NUL bytes."""
    comp = compression(path)
    if comp is None:
        try:
            with open(path, "rb") as fh:
                magic = fh.read(6)
        except OSError as exc:
            raise _os_error(path, exc, what) from None
        for suffix, (name, _, sig) in COMPRESSIONS.items():
            if magic.startswith(sig):
                raise ProfileError(f"holds {name}-compressed data but its name does not end in "
                                   f"{suffix}; expected plain text, or rename it to "
                                   f"{path.name}{suffix}", path=path)
    else:
        try:
            with open(path, "rb") as fh:
                magic = fh.read(len(comp[2]))
        except OSError as exc:
            raise _os_error(path, exc, what) from None
        if not magic.startswith(comp[2]):
            raise ProfileError(f"is not valid {comp[0]} data (the file does not start with the "
                               f"{comp[0]} signature); expected a {comp[0]}-compressed {what}, or "
                               f"a name without {path.suffix}", path=path)
    head, whole = _read_head(path, what)
    check_bytes(path, head, 1, final=whole, what=what)


def check_bytes(path: Path, data: bytes, first_line: int, *, final: bool,
                what: str = "profile table") -> None:
    """Raise at the first NUL byte or invalid UTF-8 sequence in *data* (lines from *first_line*)."""
    if first_line == 1 and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ProfileError(f"is UTF-16 text (a byte-order mark {data[:2]!r}, as Excel's "
                           f"'Unicode text' writes); {_UTF_HINT}", path=path, line=1)
    nul = data.find(b"\x00")
    if nul >= 0:
        if first_line == 1 and data.startswith(b"\x89HDF"):
            hint = " (it looks like HDF5: a BIOM 2 file? use format 'biom')"
        else:
            hint = ""
        line = first_line + data.count(b"\n", 0, nul)
        col = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise ProfileError(f"binary content (a NUL byte at character {col}){hint}; expected a "
                           f"text {what}", path=path, line=line)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError as exc:
        line = first_line + data.count(b"\n", 0, exc.start)
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ProfileError(f"byte {data[exc.start]:#04x} at character {col} is not valid UTF-8; "
                           f"{_UTF_HINT}", path=path, line=line) from None


def iter_lines(path: Path, what: str = "profile table",
               ) -> Generator[tuple[int, str], None, None]:
    """Yield (1-based line number, text with its line ending) with the checks of this module.

    A UTF-8 byte-order mark at the start is dropped. Reads one bounded line at a time, so an
    endless line or binary stream is refused after :data:`MAX_LINE_BYTES`, not after the memory
    runs out.
    """
    with open_binary(path, what) as fh:
        lineno = 0
        while True:
            try:
                raw = fh.readline(MAX_LINE_BYTES + 1)
            except DECOMPRESSION_ERRORS as exc:
                raise read_error(path, exc, what) from None
            if not raw:
                return
            lineno += 1
            if len(raw) > MAX_LINE_BYTES:
                raise ProfileError(f"line longer than {MAX_LINE_BYTES:,} bytes; expected a text "
                                   f"{what} with one row per line", path=path, line=lineno)
            if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            if b"\x00" in raw or (lineno == 1 and raw[:2] in (b"\xff\xfe", b"\xfe\xff")):
                check_bytes(path, raw, lineno, final=True, what=what)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                check_bytes(path, raw, lineno, final=True, what=what)
                raise  # pragma: no cover - check_bytes raises first
            yield lineno, text


__all__ = ["COMPRESSIONS", "DECOMPRESSION_ERRORS", "MAX_LINE_BYTES", "SNIFF_BYTES",
           "check_bytes", "check_file", "compression", "iter_lines", "open_binary",
           "read_error", "sniff_text"]
