"""Signers may ask for news of the campaign (signature.news)

Revision ID: b7e41c9d2a50
Revises: 1fa63b052189
Create Date: 2026-12-01 23:45:00.000000

The sign form's "send me news of this campaign" travels in signature_submission.details (JSON,
with the other fields of the form), so that table needs no column of its own.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e41c9d2a50'
down_revision = '1fa63b052189'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('news', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_column('news')
