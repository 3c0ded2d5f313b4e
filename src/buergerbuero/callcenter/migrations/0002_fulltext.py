"""The database-specific full-text index of the knowledge base.

SQLite: an FTS5 table holding a Snowball-stemmed shadow of each article (callcenter/text.py), kept in
step by the services. PostgreSQL: a GIN index on the `german` tsvector of the article's index columns.
"""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE callcenter_article_fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 2')"
)
SQLITE_DROP = "DROP TABLE IF EXISTS callcenter_article_fts"
PG_CREATE = (
    "CREATE INDEX callcenter_article_fts ON callcenter_article USING GIN (("
    "setweight(to_tsvector('german'::regconfig, index_title), 'A') || "
    "setweight(to_tsvector('german'::regconfig, index_body), 'B')))"
)
PG_DROP = "DROP INDEX IF EXISTS callcenter_article_fts"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(PG_CREATE)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DROP)


class Migration(migrations.Migration):
    dependencies = [("callcenter", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
