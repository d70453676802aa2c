"""the sandbox backend's outbox, kept in the database so every process sees it

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 05:38:20.635914
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sandboxmessage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('to', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('sender', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=1600), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sandboxmessage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandboxmessage_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sandboxmessage_sid'), ['sid'], unique=True)
        batch_op.create_index(batch_op.f('ix_sandboxmessage_to'), ['to'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sandboxmessage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandboxmessage_to'))
        batch_op.drop_index(batch_op.f('ix_sandboxmessage_sid'))
        batch_op.drop_index(batch_op.f('ix_sandboxmessage_created_at'))

    op.drop_table('sandboxmessage')
