"""INSERTs run on the DB-API cursor, for the one write path where SQLAlchemy's per-statement
work costs more than the database's: signing, three INSERTs per request, the campaign's
busiest POST (bench/README.md has the figures).

SQLAlchemy still does what it is good at: it compiles the statement, once per table and
dialect, and converts each value with the column type's own bind processor for that dialect,
so a row is stored exactly as the ORM stores it (the tests read such rows back through the
ORM, on SQLite and PostgreSQL). What is skipped is the execution context, result set-up and
pool events around every statement. Everywhere else the ORM and Core are used as usual.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.engine import Dialect

from app.extensions import db


class PreparedInsert:
    """`INSERT INTO table (every column but the id) VALUES (…)`, ready for a DB-API cursor."""

    def __init__(self, table: Table, dialect: Dialect):
        columns = [column for column in table.columns if not column.primary_key]
        statement = insert(table).values({column.name: bindparam(column.name) for column in columns})
        (key,) = table.primary_key.columns
        self.lastrowid = dialect.postfetch_lastrowid  # SQLite: the cursor knows the new id
        if not self.lastrowid:
            statement = statement.returning(key)
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.positional = compiled.positional  # "?" (SQLite) or "%(name)s" (psycopg)
        names = compiled.positiontup if compiled.positional else [column.name for column in columns]
        types = {column.name: column.type.dialect_impl(dialect) for column in columns}
        self.convert = [(name, types[name].bind_processor(dialect)) for name in names]

    def execute(self, cursor, values: dict) -> int:
        """Insert one row; `values` must name every column but the id. Returns the new id."""
        params = [convert(values[name]) if convert else values[name] for name, convert in self.convert]
        if not self.positional:
            params = dict(zip((name for name, _ in self.convert), params))
        cursor.execute(self.sql, params)
        return cursor.lastrowid if self.lastrowid else cursor.fetchone()[0]


@lru_cache(maxsize=32)
def _prepared(table: Table, dialect: Dialect) -> PreparedInsert:
    return PreparedInsert(table, dialect)


def prepared_insert(table: Table) -> PreparedInsert:
    """The prepared INSERT of `table` for this app's database."""
    return _prepared(table, db.engine.dialect)


def integrity_errors() -> tuple[type[Exception], ...]:
    """The driver's IntegrityError (a constraint refused the row), as the cursor raises it."""
    return (db.engine.dialect.loaded_dbapi.IntegrityError,)


@contextmanager
def transaction() -> Iterator:
    """A cursor on a pooled connection in a transaction of its own: committed when the block
    ends, rolled back if it raises. Close the ORM session's transaction first if it has one,
    so that a request never holds two connections."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()  # back to the pool
