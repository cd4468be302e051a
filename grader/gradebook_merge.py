"""One writer for the course gradebook while many processes autograde.

nbgrader documents SQLite as unsafe for concurrent writers, and even on PostgreSQL one
``nbgrader autograde`` of one student commits in several steps (student, submission, then the
grades of each notebook), so a grader that dies half-way leaves a half-written submission.
Parallel grading (``grader.grade``) therefore never lets a worker touch the course gradebook:

1. :func:`snapshot` -- the parent copies the gradebook, whatever its database, into one SQLite
   file (the *template*) before grading starts;
2. each worker copies the template to a private *scratch* file, runs nbgrader's own autograde
   for one student against it, and :func:`changes` lists the rows that autograde inserted,
   changed (only the changed columns) or deleted -- whatever nbgrader and every configured
   preprocessor wrote through the gradebook, without knowing which tables they use;
3. the parent, the only writer, applies those rows with :func:`apply_changes` in ONE transaction
   per student through :class:`nbgrader.api.Gradebook`'s session.

nbgrader's rows are keyed by random UUIDs (students by their id), so rows created in a scratch
copy keep their keys in the course gradebook, and the result is the gradebook serial
``nbgrader autograde`` leaves. A run that is stopped leaves every student either as before or
completely graded.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, delete, insert, select, update
from sqlalchemy.engine import make_url

_CHUNK = 400  # ids per IN (...) query: below SQLite's limit on bound parameters


def tables():
    """nbgrader's tables, parents before children."""
    from nbgrader.api import Base

    return list(Base.metadata.sorted_tables)


def _pk(table):
    cols = list(table.primary_key.columns)
    if len(cols) != 1:  # every nbgrader table has a single "id" key
        raise RuntimeError(f"table {table.name} has no single-column primary key")
    return cols[0]


def sqlite_file(db_url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, None for any other database."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise ValueError(f"{db_url} is not a gradebook file")
    return Path(url.database)


def snapshot(db_url: str, dest: Path) -> None:
    """Write a consistent SQLite copy of the gradebook at ``db_url`` to ``dest``."""
    dest = Path(dest)
    dest.unlink(missing_ok=True)
    path = sqlite_file(db_url)
    if path is not None:
        src = sqlite3.connect(str(path), timeout=60)
        dst = sqlite3.connect(str(dest))
        try:
            src.backup(dst)  # a consistent copy even while another connection writes
        finally:
            dst.close()
            src.close()
        return
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{dest}"):
        pass  # nbgrader's schema and alembic stamp
    source = create_engine(db_url)
    target = create_engine(f"sqlite:///{dest}")
    try:
        with source.connect() as src, target.begin() as dst:
            for table in reversed(tables()):
                dst.execute(delete(table))
            for table in tables():
                rows = [dict(r._mapping) for r in src.execute(select(table))]
                if rows:
                    dst.execute(insert(table), rows)
    finally:
        source.dispose()
        target.dispose()


def _rows(engine, table, ids):
    key = _pk(table)
    out = {}
    with engine.connect() as conn:
        for i in range(0, len(ids), _CHUNK):
            for row in conn.execute(select(table).where(key.in_(ids[i:i + _CHUNK]))):
                row = dict(row._mapping)
                out[row[key.name]] = row
    return out


def changes(template: Path, scratch: Path) -> list[tuple]:
    """What grading wrote into ``scratch`` (a copy of ``template``), as a list of

    ``("delete", table, id, None)``, ``("insert", table, id, row)`` and
    ``("update", table, id, (changed columns, full row))``, deletions first (children first),
    then inserts and updates (parents first).
    """
    con = sqlite3.connect(str(scratch))
    try:
        con.execute("ATTACH DATABASE ? AS tpl", (str(template),))
        found = []
        for table in tables():
            key = _pk(table).name
            changed = [r[0] for r in con.execute(
                f'SELECT "{key}" FROM (SELECT * FROM main."{table.name}" '
                f'EXCEPT SELECT * FROM tpl."{table.name}")')]
            gone = [r[0] for r in con.execute(
                f'SELECT "{key}" FROM tpl."{table.name}" EXCEPT SELECT "{key}" FROM main."{table.name}"')]
            found.append((table, changed, gone))
    finally:
        con.close()
    if not any(changed or gone for _, changed, gone in found):
        return []
    new_engine = create_engine(f"sqlite:///{scratch}")
    old_engine = create_engine(f"sqlite:///{template}")
    try:
        out = [("delete", table.name, key, None) for table, _, gone in reversed(found) for key in gone]
        for table, changed, _ in found:
            if not changed:
                continue
            new = _rows(new_engine, table, changed)
            old = _rows(old_engine, table, changed)
            for key in changed:
                if key not in old:
                    out.append(("insert", table.name, key, new[key]))
                else:
                    cols = {c: v for c, v in new[key].items() if old[key].get(c) != v}
                    if cols:
                        out.append(("update", table.name, key, (cols, new[key])))
        return out
    finally:
        new_engine.dispose()
        old_engine.dispose()


def apply_changes(session, rows: list[tuple]) -> None:
    """Apply :func:`changes` to the course gradebook in the session's transaction (no commit).

    An update whose row is missing inserts it whole; an insert whose row exists updates it
    (a rerun after a stop between commit and cleanup).
    """
    by_name = {t.name: t for t in tables()}
    for op, name, key, payload in rows:
        table = by_name[name]
        pk = _pk(table)
        if op == "delete":
            session.execute(delete(table).where(pk == key))
            continue
        cols, full = payload if op == "update" else (payload, payload)
        done = session.execute(update(table).where(pk == key).values(**cols)).rowcount
        if not done:
            session.execute(insert(table).values(**full))
