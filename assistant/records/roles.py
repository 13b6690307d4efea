"""Two PostgreSQL roles: the owner, who runs migrations and owns every table, and the
application role the web and worker processes connect as. The application may read and write
patients' records but may only add to the audit log and read it: it cannot update, delete or
truncate audit rows, nor disable the trigger that guards them (only an owner can), so a
compromised application cannot erase its own tracks."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

APPEND_ONLY = ("audit_event",)


def grant_application_role(connection: Connection, role: str) -> list[str]:
    """Grant `role` what the application needs, table by table; returns the statements run.
    Run after every migration (new tables need their grants): `db upgrade --grant-to`."""
    quoted = connection.dialect.identifier_preparer.quote(role)
    schema = connection.dialect.default_schema_name or "public"
    statements = [f"GRANT USAGE ON SCHEMA {schema} TO {quoted}"]
    for table in sorted(inspect(connection).get_table_names(schema=schema)):
        name = connection.dialect.identifier_preparer.quote(table)
        statements.append(f"REVOKE ALL ON {name} FROM {quoted}")
        rights = "SELECT, INSERT" if table in APPEND_ONLY else "SELECT, INSERT, UPDATE, DELETE"
        if table == "alembic_version":
            rights = "SELECT"  # the application checks the schema, never changes it
        statements.append(f"GRANT {rights} ON {name} TO {quoted}")
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}")
    for statement in statements:
        connection.execute(text(statement))
    return statements
