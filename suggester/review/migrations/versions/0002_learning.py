"""learning: corrections and model versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 22:19:04.139909

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table('corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('payer', sa.String(length=50), nullable=False),
    sa.Column('codes_json', sa.Text(), nullable=False),
    sa.Column('rejected_json', sa.Text(), nullable=False),
    sa.Column('date_of_service', sa.Date(), nullable=True),
    sa.Column('imported_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['imported_by'], ['users.id'], name=op.f('fk_corrections_imported_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrections')),
    sa.UniqueConstraint('note_id', name=op.f('uq_corrections_note_id'))
    )
    op.create_table('model_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=80), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('card_json', sa.Text(), nullable=False),
    sa.Column('gate_json', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('promoted_by', sa.Integer(), nullable=True),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_model_versions_created_by_users')),
    sa.ForeignKeyConstraint(['promoted_by'], ['users.id'], name=op.f('fk_model_versions_promoted_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_model_versions_version'))
    )



def downgrade() -> None:
    """Downgrade schema."""

    op.drop_table('model_versions')
    op.drop_table('corrections')

