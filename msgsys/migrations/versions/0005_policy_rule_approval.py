"""policy rule approval: K'iche' rules wait for a K'iche' translator

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 09:00:00.000000
"""
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Locales whose rules take effect only once a translator of that locale approves them (msgsys.policy.review).
APPROVAL_LOCALES = ('quc',)


def upgrade() -> None:
    with op.batch_alter_table('policyrule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default='not_required'))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('review_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_policyrule_status'), ['status'], unique=False)
        batch_op.create_foreign_key('fk_policyrule_reviewed_by', 'user', ['reviewed_by_id'], ['id'])
    _hold_unapproved_rules()


def _hold_unapproved_rules() -> None:
    """A K'iche' rule put in force before approvals existed goes back to waiting for a K'iche' translator; audited."""
    conn = op.get_bind()
    rule = sa.table('policyrule', sa.column('id', sa.Integer), sa.column('rule_key', sa.String), sa.column('version', sa.Integer),
                    sa.column('active', sa.Boolean), sa.column('locale', sa.String), sa.column('status', sa.String))
    audit = sa.table('auditevent', sa.column('at', sqlmodel.sql.sqltypes.UTCDateTime()), sa.column('actor_label', sa.String),
                     sa.column('action', sa.String), sa.column('subject_type', sa.String), sa.column('subject_id', sa.String),
                     sa.column('before', sa.String), sa.column('after', sa.String), sa.column('note', sa.String))
    held = conn.execute(sa.select(rule.c.id, rule.c.rule_key, rule.c.version)
                        .where(rule.c.active == sa.true(), rule.c.locale.in_(APPROVAL_LOCALES))).all()
    at = datetime.now(timezone.utc)
    for row in held:
        conn.execute(sa.update(rule).where(rule.c.id == row.id).values(active=False, status='pending'))
        conn.execute(sa.insert(audit).values(
            at=at, actor_label='migration 0005', action='policy.hold', subject_type='policy_rule', subject_id=row.rule_key,
            before=json.dumps({'version': row.version, 'active': True, 'status': 'not_required'}, sort_keys=True),
            after=json.dumps({'version': row.version, 'active': False, 'status': 'pending'}, sort_keys=True),
            note='Not in force until a translator of its language approves it.',
        ))


def downgrade() -> None:
    with op.batch_alter_table('policyrule', schema=None) as batch_op:
        batch_op.drop_constraint('fk_policyrule_reviewed_by', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_policyrule_status'))
        batch_op.drop_column('review_reason')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('status')
