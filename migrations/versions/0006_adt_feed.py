"""adt feed: the HL7 v2 ADT messages applied (by message control ID) and the ward map
from PAS location codes to sites and wards (issue 14)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:45:00.000000

Grants and row-level security come from :data:`discharge_hub.access.TABLES`, applied
after every upgrade.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import discharge_hub.models.base

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('adt_message',
    sa.Column('control_id', sa.String(length=64), nullable=False),
    sa.Column('event', sa.String(length=8), nullable=False),
    sa.Column('spell_id', sa.Integer(), nullable=True),
    sa.Column('applied_at', discharge_hub.models.base.UtcDateTime(), nullable=False),
    sa.Column('applied_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('control_id', name=op.f('pk_adt_message'))
    )
    op.create_table('adt_location',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('ward', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', discharge_hub.models.base.UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', discharge_hub.models.base.UtcDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_adt_location_site_id_site')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_adt_location'))
    )


def downgrade() -> None:
    from discharge_hub import access

    access.remove(op.get_bind())
    op.drop_table('adt_location')
    op.drop_table('adt_message')
