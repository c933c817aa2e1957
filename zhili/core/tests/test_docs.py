from pathlib import Path

from zhili.core.permissions import capability_table

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_permissions_doc_prints_the_table_the_code_enforces():
    # If ROLE_CAPS changes, docs/permissions.md must change with it.
    assert capability_table() in (DOCS / "permissions.md").read_text(encoding="utf-8")
