"""benchmarks: national and local-authority figures beside the school's

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'benchmarkfigure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('area', sa.String(), nullable=False),
        sa.Column('area_name', sa.String(), nullable=False),
        sa.Column('academic_year', sa.String(), nullable=False),
        sa.Column('period', sa.String(), nullable=False),
        sa.Column('overall_absence_pct', sa.Float(), nullable=False),
        sa.Column('authorised_pct', sa.Float(), nullable=True),
        sa.Column('unauthorised_pct', sa.Float(), nullable=True),
        sa.Column('persistent_absence_pct', sa.Float(), nullable=True),
        sa.Column('severe_absence_pct', sa.Float(), nullable=True),
        sa.Column('source', sa.String(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_by', sa.String(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('area', 'academic_year', 'period'),
    )


def downgrade() -> None:
    op.drop_table('benchmarkfigure')
