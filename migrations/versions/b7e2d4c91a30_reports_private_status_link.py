"""Reports keep the digest of their private status link

Revision ID: b7e2d4c91a30
Revises: d3f58a61c7e2
Create Date: 2026-12-01 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2d4c91a30'
down_revision = 'd3f58a61c7e2'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: reports sent before this revision have no status link.
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_digest', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_report_status_digest'), ['status_digest'])


def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_report_status_digest'), type_='unique')
        batch_op.drop_column('status_digest')
