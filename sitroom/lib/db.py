"""Database helpers for hot paths where the ORM's general machinery costs too much."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from django.db import connection, models, transaction

# Fields whose get_db_prep_save returns a value of this exact type unchanged (exact field
# classes: a subclass may convert). A foreign key prepares through its target field.
_PLAIN_TYPE: dict[type, type] = {
    models.AutoField: int,
    models.BigAutoField: int,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.CharField: str,
    models.TextField: str,
}


def _preparer(field: Any) -> Callable[[Any], Any]:
    """``field.get_db_prep_save`` as a function of the value, skipping it where it is a no-op.

    For thousands of rows the ORM's per-value call chain costs more than the write; None, or
    an int for a plain integer field (or a foreign key to one), or a str for a plain text
    field, is stored as it is. Every other value and field goes through the ORM.
    """
    prep = field.get_db_prep_save
    target = field.target_field if type(field) is models.ForeignKey else field
    plain = _PLAIN_TYPE.get(type(target))
    if plain is None:
        return lambda v: prep(v, connection)
    return lambda v: v if v is None or type(v) is plain else prep(v, connection)


def bulk_set(
    objs: Sequence[models.Model],
    fields: Sequence[str],
    *,
    where: Mapping[str, Any] | None = None,
) -> int:
    """Write ``fields`` of already-saved ``objs``: one prepared UPDATE, run for every row.

    Django's ``bulk_update`` builds a ``CASE WHEN id=… THEN …`` expression per field, which
    costs milliseconds per row to compile; an ``executemany`` of one plain statement stores
    the same values for a fraction of that. ``where`` adds conditions that hold for every
    row (e.g. the claim token a worker must still hold). Values go through each field's own
    ``get_db_prep_save``, so JSON, binary and date fields are stored as the ORM would.
    Returns the number of rows changed, as the database reports it.
    """
    if not objs:
        return 0
    meta = type(objs[0])._meta
    qn = connection.ops.quote_name
    # Only the model's own field names are used from the caller (get_field raises on any
    # other string), and every identifier is quoted; values travel as parameters.
    columns: list[Any] = [meta.get_field(name) for name in fields]
    conditions: list[tuple[Any, Any]] = [
        (meta.get_field(name), value) for name, value in (where or {}).items()
    ]
    pk_column = str(meta.pk.column)  # type: ignore[union-attr]
    sql = (
        f"UPDATE {qn(meta.db_table)} SET "  # noqa: S608 - identifiers from the model
        + ", ".join(f"{qn(f.column)} = %s" for f in columns)
        + f" WHERE {qn(pk_column)} = %s"
        + "".join(f" AND {qn(f.column)} = %s" for f, _ in conditions)
    )
    fixed = [f.get_db_prep_save(v, connection) for f, v in conditions]
    preps = [(f.attname, _preparer(f)) for f in columns]
    rows = [[prep(getattr(obj, name)) for name, prep in preps] + [obj.pk, *fixed] for obj in objs]
    # One transaction: all rows or none, and SQLite in autocommit would otherwise commit
    # (and sync its log) once per row of the executemany, three times slower.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return max(cursor.rowcount, 0)


def insert_ignore(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    prepare: bool = False,
) -> None:
    """Insert plain rows, skipping those that break a unique constraint (no model objects).

    For append-only rows written by the thousand (LSH band keys, pipeline step results):
    building a model instance per row costs more than the insert. ``fields`` are attribute
    names (``text_id`` for a foreign key); values must be in their database form, or, with
    ``prepare``, Python values that each field's ``get_db_prep_save`` converts as the ORM
    would (JSON, dates).
    """
    if not rows:
        return
    meta = model._meta
    qn = connection.ops.quote_name
    by_attname = {f.attname: f for f in meta.concrete_fields}
    columns = [by_attname[name] for name in fields]  # a KeyError for anything else
    sql = (
        f"INSERT INTO {qn(meta.db_table)} "  # noqa: S608 - identifiers from the model
        f"({', '.join(qn(str(f.column)) for f in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT DO NOTHING"
    )
    if prepare:
        preps = [_preparer(f) for f in columns]
        params = [[prep(v) for prep, v in zip(preps, r, strict=True)] for r in rows]
    else:
        params = [list(r) for r in rows]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:  # see bulk_set
        cursor.executemany(sql, params)


def select_in(
    model: type[models.Model], fields: Sequence[str], key: str, values: Collection[int]
) -> list[tuple[Any, ...]]:
    """``SELECT fields WHERE key IN values`` for thousands of integers, in one parameter.

    The ORM's ``__in`` resolves every value on its own (a tenth of a second for 10,000 LSH
    keys) and SQLite caps the number of parameters; here the values travel as one array on
    PostgreSQL and one JSON list on SQLite (``json_each``), and the key's index still
    serves the look-up.
    """
    if not values:
        return []
    meta = model._meta
    qn = connection.ops.quote_name
    by_attname = {f.attname: str(f.column) for f in meta.concrete_fields}
    columns = ", ".join(qn(by_attname[name]) for name in fields)  # a KeyError for others
    ints = [int(v) for v in values]
    param: list[int] | str
    if connection.vendor == "postgresql":
        where, param = "= ANY(%s)", ints
    else:
        where, param = "IN (SELECT value FROM json_each(%s))", json.dumps(ints)
    sql = f"SELECT {columns} FROM {qn(meta.db_table)} WHERE {qn(by_attname[key])} {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        return [tuple(row) for row in cursor.fetchall()]
