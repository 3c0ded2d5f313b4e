"""The database-specific full-text index of the knowledge base.

SQLite: an FTS5 table holding a Snowball-stemmed shadow of each article (callcenter/text.py), kept in
step by the services. PostgreSQL: a generated `german` tsvector column of the article's index columns\nwith a GIN index.
"""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE callcenter_article_fts USING fts5("
    "title, body, tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')"
)
SQLITE_DROP = "DROP TABLE IF EXISTS callcenter_article_fts"
# A generated column the ORM does not know about: PostgreSQL keeps it in step on every write.
PG_CREATE = [
    "ALTER TABLE callcenter_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('german'::regconfig, index_title), 'A') || "
    "setweight(to_tsvector('german'::regconfig, index_body), 'B')) STORED",
    "CREATE INDEX callcenter_article_fts ON callcenter_article USING GIN (search_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS callcenter_article_fts",
    "ALTER TABLE callcenter_article DROP COLUMN IF EXISTS search_vector",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for sql in PG_CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        for sql in PG_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("callcenter", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
