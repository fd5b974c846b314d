"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Write operations explicitly (op.add_column, op.create_table, ...): never create_all from the live
metadata, whose meaning changes as the schema evolves. SQLite needs `with op.batch_alter_table(...)`
for most ALTERs. Data moves go here too, so that an upgrade loses nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
