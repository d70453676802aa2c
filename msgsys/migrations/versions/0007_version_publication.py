"""version publication choice and correction flag

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 05:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messageversion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('correction', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('publication', sa.String(length=10), nullable=False, server_default='now'))


def downgrade() -> None:
    with op.batch_alter_table('messageversion', schema=None) as batch_op:
        batch_op.drop_column('publication')
        batch_op.drop_column('correction')
