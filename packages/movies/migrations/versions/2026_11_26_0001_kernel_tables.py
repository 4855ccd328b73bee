"""Kernel tables: outbox, inbox, aggregate versions, tombstones.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from alembic import op

from movierec_common.kernel_tables import create_kernel_tables, drop_kernel_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_kernel_tables(op.get_bind())


def downgrade() -> None:
    drop_kernel_tables(op.get_bind())
