"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('academicyear',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('assessmentperiod',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('year_groups', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('session', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('date', 'session')
    )
    with op.batch_alter_table('closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closure_date'), ['date'], unique=False)

    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('forename', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('surname', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone_mobile', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone_home', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone_work', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('letterlog',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('family_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pupil_ids', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('addressee', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('staff_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('letterlog', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letterlog_family_key'), ['family_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_letterlog_template_key'), ['template_key'], unique=False)

    op.create_table('lettertemplate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('policysetting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value_json', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('urn', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('local_authority', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('head_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('attendance_lead_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('logo_png', sa.LargeBinary(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('set_up_complete', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('settingchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('old_value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('new_value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('staff_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pin_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('schoolclass',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['teacher_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('academic_year_id', sa.Integer(), nullable=False),
    sa.Column('term_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academicyear.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_term_academic_year_id'), ['academic_year_id'], unique=False)

    op.create_table('pupil',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upn', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('legal_forename', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('legal_surname', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('preferred_forename', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('preferred_surname', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('dob', sa.Date(), nullable=False),
    sa.Column('sex', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year_group', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('admission_date', sa.Date(), nullable=False),
    sa.Column('leaving_date', sa.Date(), nullable=True),
    sa.Column('leaving_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sen', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('fsm', sa.Boolean(), nullable=False),
    sa.Column('pupil_premium', sa.Boolean(), nullable=False),
    sa.Column('looked_after', sa.Boolean(), nullable=False),
    sa.Column('child_in_need', sa.Boolean(), nullable=False),
    sa.Column('eal', sa.Boolean(), nullable=False),
    sa.Column('young_carer', sa.Boolean(), nullable=False),
    sa.Column('ethnicity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('photo_png', sa.LargeBinary(), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['schoolclass.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('upn')
    )
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupil_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pupil_year_group'), ['year_group'], unique=False)

    op.create_table('calllog',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('called_at', sa.DateTime(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('calllog', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calllog_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('kioskevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('session', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('minutes_late', sa.Integer(), nullable=True),
    sa.Column('accompanied_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kioskevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kioskevent_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kioskevent_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('leaverequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('relationship', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('received_date', sa.Date(), nullable=False),
    sa.Column('first_date', sa.Date(), nullable=False),
    sa.Column('first_session', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('last_date', sa.Date(), nullable=False),
    sa.Column('last_session', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ground', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('is_holiday', sa.Boolean(), nullable=False),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('licence_reference', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('leaverequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leaverequest_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('session', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('minutes_late', sa.Integer(), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entered_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entered_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pupil_id', 'date', 'session')
    )
    with op.batch_alter_table('mark', schema=None) as batch_op:
        batch_op.create_index('ix_mark_date_session', ['date', 'session', 'pupil_id', 'code', 'minutes_late'], unique=False)

    op.create_table('markamendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('session', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('old_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('old_minutes_late', sa.Integer(), nullable=True),
    sa.Column('old_comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('new_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('new_minutes_late', sa.Integer(), nullable=True),
    sa.Column('new_comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('after_close', sa.Boolean(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amended_at', sa.DateTime(), nullable=False),
    sa.Column('staff_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('markamendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_markamendment_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_markamendment_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('penaltynotice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status_date', sa.Date(), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('penaltynotice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_penaltynotice_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_penaltynotice_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('pupilcontact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('relationship', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('parental_responsibility', sa.Boolean(), nullable=False),
    sa.Column('lives_with_pupil', sa.Boolean(), nullable=False),
    sa.Column('emergency_contact', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pupil_id', 'contact_id')
    )
    with op.batch_alter_table('pupilcontact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupilcontact_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pupilcontact_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('trackerevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('tracker', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('details', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('staff_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('trackerevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trackerevent_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('leavedecision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('granted_first_date', sa.Date(), nullable=True),
    sa.Column('granted_first_session', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('granted_last_date', sa.Date(), nullable=True),
    sa.Column('granted_last_session', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reasons', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('conditions', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.Column('staff_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['leaverequest.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('leavedecision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leavedecision_request_id'), ['request_id'], unique=False)
    _create_append_only_guards()


def downgrade() -> None:
    _drop_append_only_guards()
    with op.batch_alter_table('leavedecision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leavedecision_request_id'))

    op.drop_table('leavedecision')
    with op.batch_alter_table('trackerevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trackerevent_pupil_id'))

    op.drop_table('trackerevent')
    with op.batch_alter_table('pupilcontact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pupilcontact_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_pupilcontact_contact_id'))

    op.drop_table('pupilcontact')
    with op.batch_alter_table('penaltynotice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_penaltynotice_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_penaltynotice_contact_id'))

    op.drop_table('penaltynotice')
    with op.batch_alter_table('markamendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_markamendment_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_markamendment_date'))

    op.drop_table('markamendment')
    with op.batch_alter_table('mark', schema=None) as batch_op:
        batch_op.drop_index('ix_mark_date_session')

    op.drop_table('mark')
    with op.batch_alter_table('leaverequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leaverequest_pupil_id'))

    op.drop_table('leaverequest')
    with op.batch_alter_table('kioskevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kioskevent_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_kioskevent_at'))

    op.drop_table('kioskevent')
    with op.batch_alter_table('calllog', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calllog_pupil_id'))

    op.drop_table('calllog')
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pupil_year_group'))
        batch_op.drop_index(batch_op.f('ix_pupil_class_id'))

    op.drop_table('pupil')
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_term_academic_year_id'))

    op.drop_table('term')
    op.drop_table('schoolclass')
    op.drop_table('staff')
    op.drop_table('settingchange')
    op.drop_table('school')
    op.drop_table('policysetting')
    op.drop_table('lettertemplate')
    with op.batch_alter_table('letterlog', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letterlog_template_key'))
        batch_op.drop_index(batch_op.f('ix_letterlog_family_key'))

    op.drop_table('letterlog')
    op.drop_table('contact')
    with op.batch_alter_table('closure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closure_date'))

    op.drop_table('closure')
    op.drop_table('assessmentperiod')
    op.drop_table('academicyear')


APPEND_ONLY = ("markamendment", "settingchange", "leavedecision", "trackerevent")


def _create_append_only_guards() -> None:
    """Refuse UPDATE and DELETE on audit tables at the database level."""
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                "CREATE OR REPLACE FUNCTION attendance_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ "
                "LANGUAGE plpgsql"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION attendance_append_only()"
            )


def _drop_append_only_guards() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
