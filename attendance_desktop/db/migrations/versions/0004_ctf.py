"""ctf: pupil home details, CTF imports and previous-school attendance

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pupilhome',
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone_home', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone_mobile', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('pupil_id')
    )
    op.create_table('ctfimport',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ctf_version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('header_datetime', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_lea', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_estab', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_school', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sections', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pupils_created', sa.Integer(), nullable=False),
    sa.Column('pupils_updated', sa.Integer(), nullable=False),
    sa.Column('contacts_added', sa.Integer(), nullable=False),
    sa.Column('years_added', sa.Integer(), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('staff_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_ctfimport_file_sha256'), 'ctfimport', ['file_sha256'],
                    unique=False)
    op.create_table('previousattendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('ctf_import_id', sa.Integer(), nullable=True),
    sa.Column('academic_year', sa.Integer(), nullable=False),
    sa.Column('lea', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('estab', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('school_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sessions_possible', sa.Integer(), nullable=False),
    sa.Column('sessions_attended', sa.Integer(), nullable=False),
    sa.Column('sessions_authorised', sa.Integer(), nullable=False),
    sa.Column('sessions_unauthorised', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('marks', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['ctf_import_id'], ['ctfimport.id'], ),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pupil_id', 'academic_year', 'lea', 'estab')
    )
    op.create_index(op.f('ix_previousattendance_pupil_id'), 'previousattendance',
                    ['pupil_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_previousattendance_pupil_id'), table_name='previousattendance')
    op.drop_table('previousattendance')
    op.drop_index(op.f('ix_ctfimport_file_sha256'), table_name='ctfimport')
    op.drop_table('ctfimport')
    op.drop_table('pupilhome')
