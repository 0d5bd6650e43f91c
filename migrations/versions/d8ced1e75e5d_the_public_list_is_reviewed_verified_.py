"""the public list is reviewed (signature.listing), verified admin claims, the queue digest's alert_sent

Revision ID: d8ced1e75e5d
Revises: e9c20b4f7d13
Create Date: 2026-12-01 23:55:00.000000

Consenting signers confirmed before this revision were already on the public list: they are
approved here, so that nobody disappears from it overnight (a moderator can still hide them).
Everyone else waits for a moderator.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8ced1e75e5d'
down_revision = 'e9c20b4f7d13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alert_sent',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_alert_sent'))
    )
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listing', sa.Enum('waiting', 'approved', 'hidden', name='listingstate', native_enum=False, create_constraint=True, length=20), nullable=False, server_default='waiting'))
        batch_op.add_column(sa.Column('admin_verified', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_signature_listing', ['listing', 'confirmed_at'], unique=False)

    signature = sa.table('signature', sa.column('listing', sa.String), sa.column('public', sa.Boolean),
                         sa.column('status', sa.String), sa.column('suspect', sa.Boolean))
    op.execute(signature.update()
               .where(signature.c.public == sa.true(), signature.c.status == 'confirmed',
                      signature.c.suspect == sa.false())
               .values(listing='approved'))


def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_listing')
        batch_op.drop_constraint(op.f('ck_signature_listingstate'), type_='check')
        batch_op.drop_column('admin_verified')
        batch_op.drop_column('listing')

    op.drop_table('alert_sent')
