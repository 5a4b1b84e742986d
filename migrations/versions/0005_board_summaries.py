"""board summaries: per-spell summaries of the child rows on ``spell`` (issue 12)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:45:00.000000

The latest placement state, the number of carers and the last carer contact, the
number of open barriers and the next one, stored on the spell so the board reads them
with the spell's own columns instead of five correlated subqueries per row. The
columns are filled here for the existing rows; from then on database triggers keep
them (``discharge_hub/summaries.py``): this migration installs them, and
:func:`discharge_hub.access.apply` reinstalls them after every upgrade, so a later
batch migration that recreates a child table (dropping its triggers) keeps them.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import discharge_hub.models.base

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The summaries as they were defined at this revision (the fill must not change with
# later code).
FILL = (
    "UPDATE spell SET "
    "placement_state = (SELECT p.state FROM placement p WHERE p.spell_id = spell.id "
    "ORDER BY p.state_changed_at DESC, p.id DESC LIMIT 1), "
    "carer_count = (SELECT count(*) FROM carer c WHERE c.spell_id = spell.id), "
    "last_carer_contact_at = (SELECT max(cc.contact_at) FROM carer_contact cc "
    "WHERE cc.spell_id = spell.id), "
    "open_barrier_count = (SELECT count(*) FROM barrier b WHERE b.spell_id = spell.id "
    "AND b.state = 'open'), "
    "next_open_barrier = (SELECT b.description FROM barrier b WHERE b.spell_id = spell.id "
    "AND b.state = 'open' ORDER BY b.due_date IS NULL, b.due_date, b.id LIMIT 1)"
)


def upgrade() -> None:
    with op.batch_alter_table('spell', schema=None) as batch_op:
        batch_op.add_column(sa.Column('placement_state', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('carer_count', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('last_carer_contact_at', discharge_hub.models.base.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('open_barrier_count', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('next_open_barrier', sa.Text(), nullable=True))
    bind = op.get_bind()
    bind.exec_driver_sql(FILL)
    from discharge_hub import summaries

    summaries.install(bind)


def downgrade() -> None:
    from discharge_hub import summaries

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in summaries.sqlite_drops():
            bind.exec_driver_sql(statement)
    else:
        for table in summaries.TABLES:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {summaries.TRIGGER_PREFIX}{table} ON {table}")
        for statement in summaries.pg_drop_functions():
            bind.exec_driver_sql(statement)
    with op.batch_alter_table('spell', schema=None) as batch_op:
        batch_op.drop_column('next_open_barrier')
        batch_op.drop_column('open_barrier_count')
        batch_op.drop_column('last_carer_contact_at')
        batch_op.drop_column('carer_count')
        batch_op.drop_column('placement_state')
