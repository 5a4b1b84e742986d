"""Alembic environment: used both by the program at start-up and by the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from discharge_hub.db import create_db_engine, resolve_url
from discharge_hub.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # alembic CLI: -x db=URL, else the same resolution as the program
    url = resolve_url(context.get_x_argument(as_dictionary=True).get("db"))
    engine = create_db_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
