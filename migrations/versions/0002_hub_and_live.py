"""hub and live: referral returns, placement workers, CQC provider codes and vacancy
history, audit versions, the SQLite change counter and change log (issue 9)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 11:07:26.560180

Existing data: every provider gets a placeholder CQC code ``1-`` and its id padded to
nine digits (format-valid, to be replaced by ``discharge-hub import providers``);
its vacancy date becomes the instant UK midnight of that day, and its current figure
the first row of its vacancy history. Older audit rows keep no version (NULL).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import discharge_hub.models.base
from discharge_hub.clock import as_utc

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('change_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_counter'))
    )
    op.execute("INSERT INTO change_counter (id, value) VALUES (1, 0)")
    op.create_table('change_log',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('at', discharge_hub.models.base.UtcDateTime(), nullable=False),
    sa.Column('all_spells', sa.Boolean(), nullable=False),
    sa.Column('spell_ids', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_change_log'))
    )
    op.create_table('provider_vacancy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('vacancies', sa.Integer(), nullable=False),
    sa.Column('as_of', discharge_hub.models.base.UtcDateTime(), nullable=False),
    sa.Column('recorded_at', discharge_hub.models.base.UtcDateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_provider_vacancy_provider_id_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_vacancy')),
    sa.UniqueConstraint('provider_id', 'as_of', name=op.f('uq_provider_vacancy_provider_id_as_of'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=True))

    with op.batch_alter_table('hub_referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returned_at', discharge_hub.models.base.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('returned_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('return_reason', sa.Text(), nullable=True))

    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_to', sa.String(length=100), nullable=True))

    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column('vacancies_as_of', discharge_hub.models.base.UtcDateTime(), nullable=True))
    _fill_providers()
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=14), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_provider_code'), ['code'])
        batch_op.drop_column('vacancies_on')


def _fill_providers() -> None:
    conn = op.get_bind()
    provider = sa.table(
        'provider', sa.column('id', sa.Integer()), sa.column('code', sa.String()),
        sa.column('vacancies', sa.Integer()), sa.column('vacancies_on', sa.Date()),
        sa.column('vacancies_as_of', discharge_hub.models.base.UtcDateTime()),
        sa.column('updated_at', discharge_hub.models.base.UtcDateTime()),
        sa.column('updated_by', sa.String()),
    )
    history = sa.table(
        'provider_vacancy', sa.column('provider_id', sa.Integer()),
        sa.column('vacancies', sa.Integer()),
        sa.column('as_of', discharge_hub.models.base.UtcDateTime()),
        sa.column('recorded_at', discharge_hub.models.base.UtcDateTime()),
        sa.column('recorded_by', sa.String()),
    )
    rows = conn.execute(sa.select(
        provider.c.id, provider.c.vacancies, provider.c.vacancies_on,
        provider.c.updated_at, provider.c.updated_by,
    )).all()
    for pid, vacancies, on, updated_at, updated_by in rows:
        # Midnight UK time of the day the figure was given (as_utc reads naive as UK).
        as_of = as_utc(datetime.combine(on, datetime.min.time())) if on else None
        conn.execute(sa.update(provider).where(provider.c.id == pid).values(
            code=f"1-{pid:09d}", vacancies_as_of=as_of))
        if as_of is not None:
            conn.execute(sa.insert(history).values(
                provider_id=pid, vacancies=vacancies, as_of=as_of,
                recorded_at=updated_at, recorded_by=updated_by))


def downgrade() -> None:
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vacancies_on', sa.DATE(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_provider_code'), type_='unique')
        batch_op.drop_column('vacancies_as_of')
        batch_op.drop_column('code')

    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_column('assigned_to')

    with op.batch_alter_table('hub_referral', schema=None) as batch_op:
        batch_op.drop_column('return_reason')
        batch_op.drop_column('returned_by')
        batch_op.drop_column('returned_at')

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('version')

    op.drop_table('provider_vacancy')
    op.drop_table('change_log')
    op.drop_table('change_counter')
