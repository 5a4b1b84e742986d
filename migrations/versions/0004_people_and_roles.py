"""people and roles: the people who sign in to the shared database (a login, a shown
name, a group role, a council for social care) and the database's own access settings
(issue 13)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 09:12:40.118204

The grants, row-level security, actor stamping and the insert-only audit trail are not
here: :func:`discharge_hub.access.apply` writes them after every upgrade from one table
of rights, so a table added by any later migration is covered the same way.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import discharge_hub.models.base

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('hub_setting',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_hub_setting'))
    )
    op.create_table('person',
    sa.Column('login', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=60), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('place_code', sa.String(length=12), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', discharge_hub.models.base.UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('disabled_at', discharge_hub.models.base.UtcDateTime(), nullable=True),
    sa.Column('disabled_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['place_code'], ['place.code'], name=op.f('fk_person_place_code_place')),
    sa.PrimaryKeyConstraint('login', name=op.f('pk_person'))
    )


def downgrade() -> None:
    from discharge_hub import access

    access.remove(op.get_bind())
    op.drop_table('person')
    op.drop_table('hub_setting')
