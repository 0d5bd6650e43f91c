"""Mailings of updates (one per update, one email per signer) and hand-over documents

Revision ID: d3f58a61c7e2
Revises: b7e41c9d2a50
Create Date: 2026-12-01 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3f58a61c7e2'
down_revision = 'b7e41c9d2a50'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.String(length=320), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_signature_id', sa.Integer(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['update_id'], ['campaign_update.id'], name=op.f('fk_mailing_update_id_campaign_update'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing')),
    sa.UniqueConstraint('update_id', name=op.f('uq_mailing_update_id'))
    )
    op.create_table('mailing_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailing_id', sa.Integer(), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=True),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mailing_id'], ['mailing.id'], name=op.f('fk_mailing_recipient_mailing_id_mailing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signature_id'], ['signature.id'], name=op.f('fk_mailing_recipient_signature_id_signature'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing_recipient')),
    sa.UniqueConstraint('mailing_id', 'signature_id', name=op.f('uq_mailing_recipient_mailing_id_signature_id')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_mailing_recipient_token_digest'))
    )
    with op.batch_alter_table('mailing_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailing_recipient_signature_id'), ['signature_id'], unique=False)
    op.create_table('handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('text_version', sa.Integer(), nullable=False),
    sa.Column('signatures', sa.Integer(), nullable=False),
    sa.Column('listed', sa.Integer(), nullable=False),
    sa.Column('generated_by', sa.String(length=320), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.String(length=320), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover')),
    sa.UniqueConstraint('filename', name=op.f('uq_handover_filename'))
    )


def downgrade():
    op.drop_table('handover')
    with op.batch_alter_table('mailing_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailing_recipient_signature_id'))
    op.drop_table('mailing_recipient')
    op.drop_table('mailing')
