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
import os
import re
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

SIDECAR_FORMAT = "1"
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
            try:
                frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
            except (ValueError, TypeError) as err:
                raise TableError(f"{path}: column {col!r} expects UTC timestamps: {err}") from None
    index = frame[schema.index]
    if index.duplicated().any():
        dup = index[index.duplicated()].iloc[0]
        raise TableError(f"{path}: index column {schema.index!r} repeats the value {dup}")
    return frame.set_index(schema.index)


def sidecar_path(folder: Path, table: str, csv_hash: str) -> Path:
    return folder / f"{table}-{csv_hash[:32]}.arrow"


def _csv_stamp(path: Path) -> dict[bytes, bytes]:
    stat = path.stat()
    return {
        b"vbn_sidecar_format": SIDECAR_FORMAT.encode(),
        b"vbn_csv_size": str(stat.st_size).encode(),
        b"vbn_csv_mtime_ns": str(stat.st_mtime_ns).encode(),
    }


def write_sidecar(frame: pd.DataFrame, csv_path: Path, target: Path) -> None:
    arrow = pa.Table.from_pandas(frame, preserve_index=True)
    arrow = arrow.replace_schema_metadata({**arrow.schema.metadata, **_csv_stamp(csv_path)})
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with pa.OSFile(tmp, "wb") as sink, ipc.new_file(sink, arrow.schema) as writer:
            writer.write_table(arrow)
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_sidecar(target: Path, csv_path: Path) -> pd.DataFrame | None:
    """The stored frame if the sidecar exists and the CSV's size and mtime still match."""
    try:
        with pa.memory_map(str(target)) as source:
            reader = ipc.open_file(source)
            meta = reader.schema.metadata or {}
            stamp = _csv_stamp(csv_path)
            if any(meta.get(k) != v for k, v in stamp.items()):
                return None
            return reader.read_all().to_pandas()
    except (FileNotFoundError, pa.ArrowInvalid, OSError):
        return None


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
