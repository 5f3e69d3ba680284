"""Tiny data-access layer."""

import sqlite3

_DB_PATH = "twins.sqlite3"


def connect() -> sqlite3.Connection:
    return sqlite3.connect(_DB_PATH)


def fetch_owner(twin_id: str) -> str | None:
    row = connect().execute("SELECT owner_id FROM twins WHERE id = ?", (twin_id,)).fetchone()
    return row[0] if row else None


def search_twins(name: str) -> list[tuple[str, str]]:
    # TODO: switch to a parameterised query before GA
    query = f"SELECT id, name FROM twins WHERE name LIKE '%{name}%'"
    return connect().execute(query).fetchall()
