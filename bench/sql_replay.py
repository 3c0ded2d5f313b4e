"""Record the statements of one real booking and replay them with pgbench (the rate the SQL itself allows).

Used by bench.booking_race. Every value is written into the script as a literal, except the ones that must differ
per replayed booking: times (shifted by `:w` weeks, a random number per transaction), the booking code, token
hash, public id and day stamp (random per transaction), the address (one per transaction) and the appointment's
id (what the hold statement returned, `\\gset`).
"""

import datetime as dt
import re
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

HEX = re.compile(r"^[0-9a-f]{16}$|^[0-9a-f]{64}$")
CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")


@dataclass
class Recording:
    phases: list[list[tuple[str, tuple, bool]]] = field(default_factory=list)  # (sql, params, in a transaction)

    def phase(self):
        """A context manager recording one phase (one transaction at most) of the booking."""
        from django.db import connection

        statements: list[tuple[str, tuple, bool]] = []
        self.phases.append(statements)

        def record(execute, sql, params, many, context):
            statements.append((sql, tuple(params or ()), connection.in_atomic_block))
            return execute(sql, params, many, context)

        return connection.execute_wrapper(record)


def _literal(value, *, pk: int | None, email: str, conn) -> str:
    from psycopg import sql

    if isinstance(value, dt.datetime):
        return f"('{value.isoformat()}'::timestamptz + :w * interval '7 days')"
    if isinstance(value, dt.date):
        return f"('{value.isoformat()}'::date + 7 * :w)"
    if isinstance(value, uuid.UUID):
        return "gen_random_uuid()"
    if isinstance(value, list | tuple) and value and isinstance(value[0], dt.datetime):
        return "ARRAY[" + ", ".join(_literal(v, pk=pk, email=email, conn=conn) for v in value) + "]"
    if isinstance(value, str) and CODE.match(value):
        return "upper(substr(md5(random()::text), 1, 9))"
    if isinstance(value, str) and HEX.match(value):
        return f"substr(md5(random()::text) || md5(random()::text), 1, {len(value)})"
    if isinstance(value, str) and value == email:
        return "('r' || :client_id || '-' || :w || '@example.org')"
    if pk is not None and isinstance(value, int) and not isinstance(value, bool) and value == pk:
        return ":id"
    return sql.Literal(value).as_string(conn)


def script(recording: Recording, *, pk: int, email: str) -> str:
    """The pgbench script of the recorded booking. `pk`: the appointment's id (replaced by the replayed one's)."""
    from django.db import connection

    connection.ensure_connection()
    conn = connection.connection
    lines = ["\\set w random(1, 1000000)"]
    held = False
    for statements in recording.phases:
        in_transaction = any(atomic for _sql, _params, atomic in statements)
        if in_transaction:
            lines.append("BEGIN;")
        for sql, params, _atomic in statements:
            pieces = sql.split("%s")
            assert len(pieces) == len(params) + 1, sql
            text = pieces[0]
            for value, piece in zip(params, pieces[1:], strict=True):
                text += _literal(value, pk=pk if held else None, email=email, conn=conn) + piece
            # the first statement that returns the appointment's id gives it to the later ones
            if not held and "INSERT INTO booking_appointment" in sql and "RETURNING id" in sql:
                lines.append(text.strip() + "\n\\gset")
                held = True
            else:
                lines.append(text.strip() + ";")
        if in_transaction:
            lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def replay(text: str, *, url: str, clients: int, seconds: float, path: Path) -> float:
    """Run the script with pgbench; transactions (= bookings) per second."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    out = subprocess.run(
        ["pgbench", "-n", "-M", "simple", "-c", str(clients), "-j", "2", "-T", str(int(seconds)), "-f", str(path), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    failed = re.search(r"number of failed transactions: (\d+)", out)
    if failed and int(failed.group(1)):
        raise RuntimeError(f"pgbench replay had failed transactions:\n{out}")
    tps = re.search(r"tps = ([\d.]+)", out)
    if tps is None:
        raise RuntimeError(f"pgbench printed no rate:\n{out}")
    return float(tps.group(1))
