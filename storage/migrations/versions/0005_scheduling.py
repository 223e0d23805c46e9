"""Scheduling: the outbox, the record of events run, the cycle's settings, people away

APScheduler's own job table (``apscheduler_jobs``) is created by its job store, not here.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa

import storage.models


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=128), nullable=False),
    sa.Column('due', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('not_before', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_outbox_snapshot_id_snapshots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_outbox_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_team_id'), ['team_id'], unique=False)
        batch_op.create_index('ix_outbox_waiting', ['platform', 'status', 'not_before'], unique=False)

    op.create_table('schedule_runs',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('due', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('ran_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_schedule_runs_snapshot_id_snapshots'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_schedule_runs_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'kind', 'due', name=op.f('pk_schedule_runs'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('away_until', sa.Date(), nullable=True))

    with op.batch_alter_table('team_schedules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_after_days', sa.Integer(), server_default='14', nullable=False))
        batch_op.add_column(sa.Column('second_after_months', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('every_months', sa.Integer(), server_default='6', nullable=False))
        batch_op.add_column(sa.Column('nudge_days', sa.String(length=32), server_default='2,-1', nullable=False))
        batch_op.add_column(sa.Column('work_start', sa.String(length=5), server_default='09:00', nullable=False))
        batch_op.add_column(sa.Column('work_end', sa.String(length=5), server_default='18:00', nullable=False))
        batch_op.add_column(sa.Column('review_every_days', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('review_before_days', sa.Integer(), server_default='14', nullable=False))



def downgrade():
    with op.batch_alter_table('team_schedules', schema=None) as batch_op:
        batch_op.drop_column('review_before_days')
        batch_op.drop_column('review_every_days')
        batch_op.drop_column('work_end')
        batch_op.drop_column('work_start')
        batch_op.drop_column('nudge_days')
        batch_op.drop_column('every_months')
        batch_op.drop_column('second_after_months')
        batch_op.drop_column('first_after_days')

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('away_until')

    op.drop_table('schedule_runs')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_waiting')
        batch_op.drop_index(batch_op.f('ix_outbox_team_id'))

    op.drop_table('outbox')
