"""Read a metadata CSV into a typed DataFrame, and keep a columnar sidecar for warm reloads.

Cold: pyarrow parses the CSV with the schema's column types (a bad value is reported with its
file, column, line and text), list columns are parsed with ``ast.literal_eval`` (never ``eval``),
timestamps become UTC, AllenSDK's nullable ints become ``Int64``, and the index is AllenSDK's.
Warm: the typed table is stored as an Arrow IPC file named by the CSV's BLAKE2b; it is reused while
the CSV's size and mtime are unchanged, and rebuilt when the CSV's hash changes.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pyarrow import ipc

from .errors import TableError
from .layout import hash_file
from .schema import SCHEMAS, TableSchema

SIDECAR_FORMAT = "3"
_ROW = re.compile(r"In CSV column #(\d+): (?:Row #(\d+): )?")


def _column_types(schema: TableSchema) -> dict[str, pa.DataType]:
    types: dict[str, pa.DataType] = {}
    for col in (schema.index, *schema.ids, *schema.nullable_ints, *schema.floats):
        types[col] = pa.float64()  # ints too: tolerate "12.0", checked for integrality below
    for col in schema.bools:
        types[col] = pa.bool_()
    for col in (*schema.lists, *schema.dates, *schema.strings):
        types[col] = pa.string()
    return types


def _locate_bad_value(path: Path, column: str, kind: str) -> str:
    raw = pd.read_csv(path, usecols=[column], dtype=str, keep_default_na=False)[column]
    if kind == "bool":
        bad = ~raw.isin(["True", "False", "true", "false", "TRUE", "FALSE", "1", "0", ""])
    else:
        bad = pd.to_numeric(raw.replace("", np.nan), errors="coerce").isna() & (raw != "")
    if not bad.any():
        return ""
    row = int(np.flatnonzero(bad.to_numpy())[0])
    return f", line {row + 2}: {raw.iloc[row]!r}"


def _describe_ragged_row(path: Path, row: pacsv.InvalidRow) -> str:
    # pyarrow's row number is unknown when it parses in parallel; find the line with csv.
    line = row.number + 1 if row.number is not None else None
    if line is None:
        with path.open(newline="", encoding="utf-8", errors="replace") as handle:
            reader = csv.reader(handle)
            width = len(next(reader, []))
            line = next((reader.line_num for r in reader if len(r) != width), None)
    where = f"line {line}" if line is not None else "a line"
    return (
        f"{path}: {where} has {row.actual_columns} fields, expected {row.expected_columns}: "
        f"{row.text[:120]!r}"
    )


def _read_arrow(path: Path, schema: TableSchema) -> pa.Table:
    invalid: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "error"

    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8", "replace").rstrip("\r\n")
    columns = next(csv.reader([header]), [])
    if not header or not columns:
        raise TableError(f"{path}: no header line")
    missing = [c for c in (schema.index, *schema.required) if c not in columns]
    if missing:
        raise TableError(f"{path}: missing column(s) {missing}; the header has {columns}")
    types = {c: t for c, t in _column_types(schema).items() if c in columns}
    try:
        return pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
        )
    except pa.ArrowInvalid as err:
        if invalid:
            raise TableError(_describe_ragged_row(path, invalid[0])) from None
        match = _ROW.search(str(err))
        if match:
            column = columns[int(match[1])]
            kind = "bool" if column in schema.bools else "number"
            where = _locate_bad_value(path, column, kind)
            raise TableError(f"{path}: column {column!r} expects a {kind}{where}") from None
        raise TableError(f"{path}: {err}") from None


def _as_int(path: Path, frame: pd.DataFrame, column: str, nullable: bool) -> None:
    values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
    present = ~np.isnan(values)
    fractional = present & (values != np.round(values))
    if fractional.any() or (not nullable and not present.all()):
        row = int(np.flatnonzero(fractional | ~present)[0])
        raise TableError(
            f"{path}: column {column!r} expects an integer, line {row + 2}: {float(values[row])!r}"
        )
    frame[column] = pd.array(values, dtype="Int64") if nullable else values.astype("int64")


def _as_dates(path: Path, column: pd.Series) -> pd.Series:
    """UTC timestamps; a TableError naming the line (the header is line 1) and the value."""
    try:
        return pd.to_datetime(column, utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError) as err:
        parsed = pd.to_datetime(column, utc=True, format="ISO8601", errors="coerce")
        bad = np.flatnonzero((parsed.isna() & column.notna()).to_numpy())
        where = f", line {int(bad[0]) + 2}: {str(column.iloc[bad[0]])[:80]!r}" if len(bad) else ""
        raise TableError(
            f"{path}: column {column.name!r} expects a UTC timestamp such as "
            f"'2020-08-19 14:47:08.574000+00:00'{where or f' ({err})'}"
        ) from None


def parse_list_cell(path: Path, column: str, line: int, text: object) -> list:
    if text is None or (isinstance(text, float) and np.isnan(text)) or text == "":
        return []
    try:
        value = ast.literal_eval(str(text))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = None
    if not isinstance(value, list):
        raise TableError(
            f"{path}: column {column!r} expects a Python list, line {line}: {str(text)[:80]!r}"
        )
    return value


def parse_lists(path: Path, frame: pd.DataFrame, schema: TableSchema) -> dict[str, pd.Series]:
    """The list columns parsed (the sidecar keeps their text; they are parsed on every load)."""
    return {
        col: pd.Series(
            [parse_list_cell(path, col, i + 2, c) for i, c in enumerate(frame[col].tolist())],
            index=frame.index,
            dtype=object,
        )
        for col in schema.lists
        if col in frame.columns
    }


def read_csv_typed(path: Path, table: str) -> pd.DataFrame:
    """The CSV as AllenSDK's typed table, except list columns are still their repr strings."""
    schema = SCHEMAS[table]
    frame = _read_arrow(path, schema).to_pandas()
    for col in frame.columns:
        kind = schema.kind(col)
        if kind in ("ids", "nullable_ints"):
            _as_int(path, frame, col, nullable=kind == "nullable_ints")
        elif kind == "dates":
            frame[col] = _as_dates(path, frame[col])
    index = frame[schema.index]
    if index.duplicated().any():
        dup = index[index.duplicated()].iloc[0]
        raise TableError(f"{path}: index column {schema.index!r} repeats the value {dup}")
    return frame.set_index(schema.index)


def sidecar_path(folder: Path, table: str, csv_hash: str) -> Path:
    return folder / f"{table}-{csv_hash[:32]}"


def _csv_stamp(path: Path) -> dict[str, str]:
    stat = path.stat()
    return {
        "format": SIDECAR_FORMAT,
        "csv_size": str(stat.st_size),
        "csv_mtime_ns": str(stat.st_mtime_ns),
    }


def write_sidecar(frame: pd.DataFrame, csv_path: Path, target: Path) -> None:
    """Float64 columns as one ``.npy`` block, the rest as Arrow IPC, plus a JSON stamp.

    Written into a temporary folder and renamed into place, so a reader never sees half of one.
    """
    floats = [c for c in frame.columns if frame[c].dtype == np.float64]
    block = np.empty((len(floats), len(frame)), dtype=np.float64)
    for i, col in enumerate(floats):
        block[i] = frame[col].to_numpy()
    rest = pa.Table.from_pandas(frame.drop(columns=floats), preserve_index=True).combine_chunks()
    meta = {**_csv_stamp(csv_path), "columns": list(frame.columns), "floats": floats}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        np.save(tmp / "float64.npy", block)
        with pa.OSFile(str(tmp / "rest.arrow"), "wb") as sink, ipc.new_file(sink, rest.schema) as w:
            w.write_table(rest)
        (tmp / "meta.json").write_text(json.dumps(meta))
        if target.exists():
            shutil.rmtree(target)
        tmp.replace(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_sidecar(target: Path, csv_path: Path) -> pd.DataFrame | None:
    """The stored frame if the sidecar exists and the CSV's size and mtime still match.

    The float block is memory-mapped copy-on-write: pages come from the OS page cache as they are
    touched, the frame is writable, and nothing written to it ever reaches the file.
    """
    try:
        meta = json.loads((target / "meta.json").read_text())
        if any(meta.get(k) != v for k, v in _csv_stamp(csv_path).items()):
            return None
        with pa.memory_map(str(target / "rest.arrow")) as source:
            rest = ipc.open_file(source).read_all().to_pandas(split_blocks=True)
        block = np.load(target / "float64.npy", mmap_mode="c")
    except (FileNotFoundError, NotADirectoryError, ValueError, KeyError, pa.ArrowInvalid):
        return None
    floats = pd.DataFrame(block.T, columns=meta["floats"], index=rest.index, copy=False)
    return pd.concat([rest, floats], axis=1)[meta["columns"]]


def load_table(
    csv_path: Path, table: str, sidecar_dir: Path | None, csv_hash: str | None = None
) -> pd.DataFrame:
    """Typed table from ``csv_path``, through the sidecar in ``sidecar_dir`` when one is given."""
    schema = SCHEMAS[table]
    frame = None
    target = None
    if sidecar_dir is not None:
        target = sidecar_path(sidecar_dir, table, csv_hash or hash_file(csv_path))
        frame = read_sidecar(target, csv_path)
        if frame is None and csv_hash is not None:
            # New, or the CSV's size or mtime changed: check the bytes are still the manifest's.
            actual = hash_file(csv_path)
            if actual != csv_hash:
                raise TableError(
                    f"{csv_path}: content no longer matches the manifest's BLAKE2b "
                    f"({actual[:16]}... instead of {csv_hash[:16]}...); it was changed on disk. "
                    "Delete it and download it again."
                )
    if frame is None:
        frame = read_csv_typed(csv_path, table)
        lists = parse_lists(csv_path, frame, schema)  # before the sidecar: a bad list stops here
        if target is not None:
            write_sidecar(frame, csv_path, target)
    else:
        lists = parse_lists(csv_path, frame, schema)
    for col, values in lists.items():
        frame[col] = values
    return frame
