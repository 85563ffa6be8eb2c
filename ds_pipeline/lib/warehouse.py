"""The warehouse: tables of data frames in any SQLAlchemy database, partitions replaced in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ds_pipeline.lib.read_back import stored_frame

ORDER_COLUMN = "_row_order"  # keeps the row order of a written frame, so reads give back the same frame
ROWS_COLUMN = "_rows"  # a counted read: how many stored rows hold each combination of the columns counted by
CHUNK_ROWS = 5000  # rows per insert batch: one executemany on SQLite, one COPY on PostgreSQL
SQLITE_BUSY_SECONDS = 300.0  # how long an SQLite statement waits for another connection's write lock
WRITE_LOCK_OPTION = "ds_write_lock"  # execution option: this connection's transaction writes (SQLite: IMMEDIATE)


@contextmanager
def _driver_cursor(conn: sa.Connection, statement: str) -> Iterator[Any]:
    """A cursor of the driver connection of `conn` (inside its transaction and under its locks); the driver's error
    raised as SQLAlchemy raises a failed statement (e.g. sa.exc.IntegrityError)."""
    driver_error = conn.dialect.loaded_dbapi.Error
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        yield cursor
    except driver_error as exc:
        raise sa.exc.DBAPIError.instance(statement, None, exc, driver_error) from exc
    finally:
        cursor.close()


def _sqlite_executemany(table: Any, conn: sa.Connection, keys: list[str], data_iter: Iterable[tuple]) -> int:
    """pandas to_sql insert method for SQLite: one driver-level executemany per batch, its rows taken one at a time
    from `data_iter` (never all in a list), without SQLAlchemy's per-row parameter processing (which costs several
    times the insert itself)."""
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(k) for k in keys)
    placeholders = ", ".join("?" for _ in keys)
    statement = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({placeholders})"
    with _driver_cursor(conn, statement) as cursor:
        cursor.executemany(statement, data_iter)
        return cursor.rowcount


# COPY's text format: a tab ends a field, a newline a row, \N is NULL; a backslash escapes these inside a value
_COPY_NULL = "\\N"
# repr() of a float that PostgreSQL spells otherwise; NaN is stored as NULL, as pandas' INSERT stores it
_COPY_FLOATS = {"inf": "Infinity", "-inf": "-Infinity", "nan": _COPY_NULL}


def _copy_text(value: str) -> str:
    """A string as a COPY text field: its backslashes, tabs, newlines and carriage returns escaped."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_field(value: Any) -> str:
    """One value as a field of COPY's text format: NULL as \\N, so an empty string stays an empty string."""
    if value is None or value is pd.NaT or value is pd.NA:
        return _COPY_NULL
    if isinstance(value, str):
        return _copy_text(value)
    if isinstance(value, (bool, np.bool_)):
        return "t" if value else "f"
    if isinstance(value, (float, np.floating)):
        text = repr(float(value))  # the shortest text that reads back as the same double
        return _COPY_FLOATS.get(text, text)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\\\x" + bytes(value).hex()  # bytea's hex input, its backslash escaped for COPY
    return _copy_text(str(value))


# The formatter of a column whose values (NULLs aside) are all of one of these types, skipping _copy_field's tests
_COPY_FORMATS: dict[type, Callable[[Any], str]] = {
    str: _copy_text,
    bool: {True: "t", False: "f"}.__getitem__,
    int: int.__repr__,
    float: float.__repr__,
    dt.datetime: dt.datetime.isoformat,
    dt.date: dt.date.isoformat,
}


def _copy_column(values: Sequence[Any]) -> list[str]:
    """The values of one column (as pandas hands them to an insert method) as COPY text fields."""
    kinds = set(map(type, values)) - {type(None)}
    format_ = _COPY_FORMATS.get(kinds.pop()) if len(kinds) == 1 else None
    if format_ is None:
        return list(map(_copy_field, values))
    fields = [_COPY_NULL if value is None else format_(value) for value in values]
    if format_ is float.__repr__ and not _COPY_FLOATS.keys().isdisjoint(fields):
        fields = [_COPY_FLOATS.get(field, field) for field in fields]
    return fields


def _postgres_copy(table: Any, conn: sa.Connection, keys: list[str], data_iter: Iterable[tuple]) -> int:
    """pandas to_sql insert method for PostgreSQL (psycopg2): the rows streamed with COPY ... FROM STDIN in the text
    format, on the driver connection of `conn`, so inside its transaction (and under its locks)."""
    quote = conn.dialect.identifier_preparer.quote
    target = quote(table.name) if not table.schema else f"{quote(table.schema)}.{quote(table.name)}"
    columns = ", ".join(quote(k) for k in keys)
    fields = [_copy_column(column) for column in zip(*data_iter, strict=True)]
    lines = ["\t".join(row) + "\n" for row in zip(*fields, strict=True)]
    buffer = io.BytesIO("".join(lines).encode("utf-8"))
    statement = f"COPY {target} ({columns}) FROM STDIN WITH (FORMAT text, ENCODING 'UTF8')"
    with _driver_cursor(conn, statement) as cursor:
        cursor.copy_expert(statement, buffer)
    return len(lines)


def _insert_method(dialect: sa.Dialect) -> Callable[..., int] | None:
    """The fastest way this project knows to insert a frame's rows with `dialect` (None: pandas' own INSERT)."""
    if dialect.name == "sqlite":
        return _sqlite_executemany
    if dialect.name == "postgresql" and dialect.driver == "psycopg2":
        return _postgres_copy
    return None


def _identifier(conn: sa.Connection, name: str) -> str:
    """A table or column name quoted by the dialect (a quote inside is doubled), safe inside `sa.text`."""
    return conn.dialect.identifier_preparer.quote(name).replace(":", "\\:")


class WarehouseError(RuntimeError):
    """The warehouse cannot store or return a table as asked."""


URL_EXAMPLES = "sqlite:////path/to/warehouse.db or postgresql+psycopg2://user:password@host/db"


def masked_url(url: str) -> str:
    """The URL as it may be shown: its password replaced by ***."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return re.sub(r"(://[^/@]*?:)[^/@]*@", r"\1***@", url)


def connection_failure(url: str, exc: BaseException) -> WarehouseError:
    """A one-line reason why the warehouse at `url` could not be reached (the driver's first line, no password)."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = detail[0].strip() if detail else type(exc).__name__
    password = _password_of(url)
    if password:
        reason = reason.replace(password, "***")
    return WarehouseError(f"cannot connect to the warehouse {masked_url(url)}: {reason}")


def _password_of(url: str) -> str:
    try:
        return sa.engine.make_url(url).password or ""
    except (sa.exc.ArgumentError, ValueError):
        return ""


def make_engine(url: str) -> sa.Engine:
    """An engine for the warehouse URL (sqlite:///path or postgresql+psycopg2://...). A URL that cannot be one,
    names no installed driver, or an SQLite file whose folder does not exist raises WarehouseError (one line, the
    password masked); a database that does not answer is found on the first connection (`connection_failure`)."""
    if url.startswith("postgresql://"):
        raise WarehouseError(
            "write the driver in DS_DATABASE_URL explicitly, e.g. postgresql+psycopg2://user:pass@host/db "
            "(SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which is not installed)"
        )
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise WarehouseError(f"{masked_url(url)!r} is not a warehouse URL; expected e.g. {URL_EXAMPLES}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        folder = Path(database).parent
        if database and database != ":memory:" and not database.startswith("file:") and not folder.is_dir():
            raise WarehouseError(
                f"the warehouse folder {folder} does not exist ({masked_url(url)}): create it or give another "
                "--database / DS_DATABASE_URL"
            )
    try:
        if parsed.get_backend_name() != "sqlite":
            return sa.create_engine(url, future=True)
        engine = sa.create_engine(url, future=True, connect_args={"timeout": SQLITE_BUSY_SECONDS})
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        raise WarehouseError(
            f"no installed database driver for {parsed.drivername!r} ({masked_url(url)}): {exc}; expected e.g. "
            f"{URL_EXAMPLES}"
        ) from None
    # pysqlite's own transaction control begins a transaction only before INSERT/UPDATE/DELETE, so existence checks
    # and CREATE TABLE ran outside it; SQLAlchemy emits BEGIN itself instead (SQLite dialect docs, "Transactions
    # with SQLite and the sqlite3 driver"), and a write transaction takes the write lock at once (BEGIN IMMEDIATE).
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


_SHARED: dict[tuple[int, str], sa.Engine] = {}  # (process id, URL) -> the engine of `shared_engine`


def shared_engine(url: str) -> sa.Engine:
    """One engine for `url` in this process, its connections reused from one read or write to the next (a new
    engine connects and, on PostgreSQL, asks the server about itself first) until `dispose_shared_engines`. A
    forked process gets an engine of its own: connections are never shared across processes."""
    key = (os.getpid(), url)
    engine = _SHARED.get(key)
    if engine is None:
        engine = _SHARED[key] = make_engine(url)
    return engine


def dispose_shared_engines() -> None:
    """Close the connections of this process's shared engines (a run ended); a parent's engines, inherited by a
    forked process, are let go without closing the parent's connections."""
    while _SHARED:
        (pid, _url), engine = _SHARED.popitem()
        engine.dispose(close=pid == os.getpid())


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver emits no BEGIN of its own


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_LOCK_OPTION) else "BEGIN")


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock on `name` (the same in every process)."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


@contextmanager
def write_transaction(engine: sa.Engine, table: str) -> Iterator[sa.Connection]:
    """A transaction that holds the write lock of `table` from its first statement to its commit, so whatever it
    reads (does the table exist, which columns) stays true while it writes: SQLite takes the database's write lock
    (BEGIN IMMEDIATE), PostgreSQL a transaction-level advisory lock on the table's name. Two writers of one table
    therefore run one after the other, never interleaved."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_LOCK_OPTION: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(advisory_key(f"ds_pipeline table {table}"))))
            yield conn


def _stored_columns(conn: sa.Connection, table: str) -> dict[str, Any] | None:
    """The table's columns and their types as the database lists them; None when it has no such table."""
    inspector = sa.inspect(conn)
    if not inspector.has_table(table):
        return None
    return {c["name"]: c["type"] for c in inspector.get_columns(table)}


def _queried(table: str, stored: dict[str, Any]) -> sa.TableClause:
    """The table to query or delete from, made of the columns just listed (names and types), instead of reflecting
    its keys, indexes and constraints too (several catalogue queries each time on PostgreSQL)."""
    return sa.table(table, *[sa.column(name, type_) for name, type_ in stored.items()])


def _add_columns(conn: sa.Connection, table: str, new: pd.DataFrame) -> None:
    """Add the new columns of a partitioned table (a metric gained columns); earlier partitions hold NULL in them
    until they are re-run."""
    probe = f"{table}__new_columns"
    new.head(0).to_sql(probe, conn, index=False)
    types = sa.Table(probe, sa.MetaData(), autoload_with=conn).c
    for column in new.columns:
        sql_type = types[column].type.compile(dialect=conn.dialect)
        added = f"{_identifier(conn, column)} {sql_type}"
        conn.execute(sa.text(f"ALTER TABLE {_identifier(conn, table)} ADD COLUMN {added}"))
    conn.execute(sa.text(f"DROP TABLE {_identifier(conn, probe)}"))


def write_table(
    engine: sa.Engine,
    table: str,
    frame: pd.DataFrame,
    partition_column: str | None = None,
    partition_keys: Sequence[str] = (),
) -> int:
    """Store `frame` as `table`. With partition keys, delete those partitions then insert, in one transaction;
    otherwise replace the whole table. Returns the number of rows written."""
    return _write(engine, table, frame, partition_column, partition_keys, read_back=False)[0]


def write_table_read_back(
    engine: sa.Engine,
    table: str,
    frame: pd.DataFrame,
    partition_column: str | None = None,
    partition_keys: Sequence[str] = (),
) -> tuple[int, pd.DataFrame | None]:
    """`write_table`, also returning the frame `read_table` would now give back for those partitions (every row
    when unpartitioned), worked out without reading it (`read_back.stored_frame`; None when it cannot be told)."""
    return _write(engine, table, frame, partition_column, partition_keys, read_back=True)


def _insert_values(data: pd.DataFrame) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
    """Each column's values as pandas' `to_sql` hands them to an insert method (datetimes as datetime objects,
    timedeltas as integers, every other value as an object, a missing value as None), and each column's mask of
    missing values. A column of objects without a missing value is not copied."""
    arrays: list[np.ndarray] = []
    missing: dict[str, np.ndarray] = {}
    for name, column in data.items():
        if column.dtype.kind == "M":
            values = np.asarray(column.array.to_pydatetime(), dtype=object)
        elif column.dtype.kind == "m":
            values = column.to_numpy().view("i8").astype(object)  # as integers, as pandas stores them
        else:
            values = column.to_numpy(dtype=object)
        mask = missing[name] = pd.isna(values)
        if mask.any():
            if column.dtype == object or not isinstance(column.dtype, np.dtype):  # may be the frame's own array
                values = values.copy()
            values[mask] = None
        arrays.append(values)
    return arrays, missing


def _insert(conn: sa.Connection, table: str, keys: list[str], arrays: list[np.ndarray],
            method: Callable[..., int]) -> None:
    """The rows of `arrays` (`_insert_values`) inserted by `method` in batches of CHUNK_ROWS."""
    target = sa.table(table)
    rows = len(arrays[0]) if arrays else 0
    for start in range(0, rows, CHUNK_ROWS):
        method(target, conn, keys, zip(*(values[start:start + CHUNK_ROWS] for values in arrays), strict=True))


def _write(engine: sa.Engine, table: str, frame: pd.DataFrame, partition_column: str | None,
           partition_keys: Sequence[str], read_back: bool) -> tuple[int, pd.DataFrame | None]:
    data = frame.copy(deep=False)  # its own columns (the row order is added), the frame's values
    data.index = pd.RangeIndex(len(data))
    # the order of rows within their partition: stored rows are the same whether a run wrote one round or several
    if partition_column and partition_keys and partition_column in data.columns:
        data[ORDER_COLUMN] = data.groupby(partition_column, sort=False).cumcount()
    else:
        data[ORDER_COLUMN] = range(len(data))
    method = _insert_method(engine.dialect)
    keys = [str(c) for c in data.columns]
    arrays, missing = _insert_values(data) if method is not None else ([], {})
    with write_transaction(engine, table) as conn:
        listed = _stored_columns(conn, table)
        existing = None if listed is None else list(listed)
        partitioned = bool(partition_column and partition_keys)
        written: list[str] = []  # the partitions the frame's rows are in
        if partitioned:
            if partition_column not in data.columns:
                raise WarehouseError(f"table {table}: partition column {partition_column!r} missing from the frame")
            written = sorted(set(data[partition_column].astype(str)))
            wrong = sorted(set(written) - set(partition_keys))
            if wrong:
                raise WarehouseError(f"table {table}: rows of partitions {wrong} written as {partition_keys}")
            if existing is not None and sorted(existing) != sorted(data.columns):
                added = [c for c in data.columns if c not in existing]
                removed = sorted(set(existing) - set(data.columns))
                if removed:
                    raise WarehouseError(
                        f"table {table} has columns this asset no longer writes ({removed}); "
                        "drop the table and re-run every partition"
                    )
                _add_columns(conn, table, data[added])
            if listed is not None:
                target = _queried(table, listed)  # the partition column was there before any column was added
                conn.execute(sa.delete(target).where(target.c[partition_column].in_(list(partition_keys))))
        elif existing is not None:
            conn.execute(sa.text(f"DROP TABLE {_identifier(conn, table)}"))
        if method is None:  # pandas' own INSERT
            data.to_sql(table, conn, if_exists="append", index=False, chunksize=CHUNK_ROWS)
        else:
            if listed is None or not partitioned:  # the table as pandas' to_sql creates it for this frame
                conn.exec_driver_sql(pd.io.sql.get_schema(data, table, con=conn))
            _insert(conn, table, keys, arrays, method)
        if not read_back:
            return len(frame), None
        stored = {c["name"]: c["type"] for c in sa.inspect(conn).get_columns(table)}
        order: list[str] = []
        if len(partition_keys) > 1 and written:  # rows come back by partition, in the database's collation: the
            # partitions written sorted by the database, as values of the column's type (not by reading the table)
            query = sa.union_all(*[sa.select(sa.literal(value, stored[partition_column]).label("partition"))
                                   for value in written]).order_by("partition")
            order = [str(value) for value in conn.execute(query).scalars()]
    back = stored_frame(frame, stored, engine.dialect.name, partition_column if partitioned else None, order,
                        missing_masks=missing or None)
    return len(frame), back


def _readable(conn: sa.Connection, table: str, columns: Sequence[str]) -> sa.TableClause:
    """`table` to read from, as `_queried` gives it; a clear error when it is not stored yet or lacks one of
    `columns`."""
    stored = _stored_columns(conn, table)
    if stored is None:
        raise WarehouseError(f"table {table} is not in the warehouse yet: materialise its asset first")
    unknown = sorted(set(columns) - set(stored))
    if unknown:
        raise WarehouseError(f"table {table} has no column(s) {unknown}")
    return _queried(table, stored)


def read_table(
    engine: sa.Engine,
    table: str,
    partition_column: str | None = None,
    partition_keys: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read `table` (only the given partitions when keys are given, only `columns` when named), rows in the
    order they were written."""
    with engine.connect() as conn:
        target = _readable(conn, table, columns or ())
        query = sa.select(*[target.c[c] for c in columns]) if columns is not None else sa.select(target)
        order = [target.c[ORDER_COLUMN]]
        if partition_column and partition_column in target.c:
            if partition_keys is not None:
                query = query.where(target.c[partition_column].in_(list(partition_keys)))
            order = [target.c[partition_column], *order]
        frame = pd.read_sql(query.order_by(*order), conn)
    return frame.drop(columns=[ORDER_COLUMN], errors="ignore")


def count_rows(
    engine: sa.Engine,
    table: str,
    by: Sequence[str],
    partition_column: str | None = None,
    partition_keys: Sequence[str] | None = None,
) -> pd.DataFrame:
    """How many rows of `table` (of the given partitions when keys are given) hold each combination of the columns
    `by`, counted by the database: one row per combination (NULL a value of its own), its count in ROWS_COLUMN,
    ordered by `by` in the database's collation, NULLs last. The rows `counted_rows` gives from the frame a read of
    those columns returns."""
    with engine.connect() as conn:
        target = _readable(conn, table, by)
        columns = [target.c[c] for c in by]
        query = sa.select(*columns, sa.func.count().label(ROWS_COLUMN)).group_by(*columns).order_by(
            *[column.asc().nulls_last() for column in columns])
        if partition_column and partition_keys is not None and partition_column in target.c:
            query = query.where(target.c[partition_column].in_(list(partition_keys)))
        frame = pd.read_sql(query, conn)
    frame[ROWS_COLUMN] = frame[ROWS_COLUMN].astype("int64")
    return frame


def counted_rows(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """`count_rows` of a frame in memory (a table handed over within a run instead of read back)."""
    missing = sorted(set(by) - set(frame.columns))
    if missing:
        raise WarehouseError(f"the frame has no column(s) {missing}")
    counts = frame.groupby(list(by), dropna=False, sort=True).size()
    return counts.rename(ROWS_COLUMN).reset_index().astype({ROWS_COLUMN: "int64"})


def table_exists(engine: sa.Engine, table: str) -> bool:
    with engine.connect() as conn:
        return _stored_columns(conn, table) is not None


def prune_partitions(engine: sa.Engine, table: str, partition_column: str, keep: Sequence[str]) -> int:
    """Delete the rows of every partition not in `keep`. Returns rows deleted. An empty `keep` is refused: it would
    empty the table (a sources folder without files must never wipe the stored rounds)."""
    if not keep:
        raise WarehouseError(f"table {table}: refusing to delete every partition (no {partition_column} to keep)")
    with write_transaction(engine, table) as conn:
        stored = _stored_columns(conn, table)
        if stored is None:
            return 0
        target = _queried(table, stored)
        result = conn.execute(sa.delete(target).where(target.c[partition_column].not_in(list(keep))))
        return int(result.rowcount or 0)


def delete_partitions(engine: sa.Engine, table: str, partition_column: str, keys: Sequence[str]) -> int:
    """Delete the rows of the partitions `keys` (withdrawn rounds), nothing else. Returns rows deleted."""
    if not keys:
        return 0
    with write_transaction(engine, table) as conn:
        stored = _stored_columns(conn, table)
        if stored is None or partition_column not in stored:
            return 0
        target = _queried(table, stored)
        result = conn.execute(sa.delete(target).where(target.c[partition_column].in_(list(keys))))
        return int(result.rowcount or 0)


def stored_partitions(
    engine: sa.Engine, tables: Sequence[str], partition_column: str, by_column: str
) -> dict[str, set[str]]:
    """Partitions stored in `tables`, by the value of `by_column` (e.g. source_id -> rounds whose rows it holds).
    Tables not in the warehouse yet, or without both columns, hold none."""
    stored: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for table in tables:
            listed = _stored_columns(conn, table)
            if listed is None or partition_column not in listed or by_column not in listed:
                continue
            target = _queried(table, listed)
            query = sa.select(target.c[by_column], target.c[partition_column]).distinct()
            for by, partition in conn.execute(query):
                stored.setdefault(str(by), set()).add(str(partition))
    return stored
