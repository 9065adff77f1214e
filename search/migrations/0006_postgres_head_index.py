"""PostgreSQL only: a GIN index over the title, names, about and tags part of each
document's vector (weights A and B): the bounded first candidates of a query, read before
any body match."""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_doc_head_gin ON search_searchdocument "
    "USING gin (ts_filter(vector, '{a,b}'))",
]
BACKWARD = ["DROP INDEX IF EXISTS search_doc_head_gin"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_postgres_indexes_synonyms")]

    operations = [migrations.RunPython(forwards, backwards)]
