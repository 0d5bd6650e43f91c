"""Signature moderation: invalidations (and undo), block lists, trending alerts

Revision ID: 7c3e9a1d5b20
Revises: b7e2d4c91a30
Create Date: 2026-12-01 23:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e9a1d5b20'
down_revision = 'b7e2d4c91a30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signature_invalidation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by', sa.String(length=320), nullable=True),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderator.id'], name=op.f('fk_signature_invalidation_moderator_id_moderator'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature_invalidation'))
    )
    with op.batch_alter_table('signature_invalidation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signature_invalidation_created_at'), ['created_at'], unique=False)

    op.create_table('signature_block',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('domain', 'email', 'ip_hash', name='blockkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('value', sa.String(length=320), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature_block')),
    sa.UniqueConstraint('kind', 'value', name=op.f('uq_signature_block_kind_value'))
    )
    op.create_table('trending_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=320), nullable=False),
    sa.Column('alerted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trending_alert')),
    sa.UniqueConstraint('kind', 'value', name=op.f('uq_trending_alert_kind_value'))
    )
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invalidation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_signature_invalidation_id'), ['invalidation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_signature_invalidation_id_signature_invalidation'),
                                    'signature_invalidation', ['invalidation_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_signature_invalidation_id_signature_invalidation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_signature_invalidation_id'))
        batch_op.drop_column('invalidation_id')

    op.drop_table('trending_alert')
    op.drop_table('signature_block')
    with op.batch_alter_table('signature_invalidation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signature_invalidation_created_at'))

    op.drop_table('signature_invalidation')
