"""PostgreSQL only: GIN indexes on the name vector and on the tag and facet lists, a
trigram index on the exact-name keys; old rows (without the new vectors) dropped so that
`search_index --update` rebuilds. Everywhere: the starting synonym table."""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_doc_names_gin ON search_searchdocument USING gin (names)",
    "CREATE INDEX IF NOT EXISTS search_doc_facets_gin ON search_searchdocument "
    "USING gin (string_to_array(facets, '|'))",
    "CREATE INDEX IF NOT EXISTS search_doc_tags_gin ON search_searchdocument "
    "USING gin (string_to_array(tags, '|'))",
    "CREATE INDEX IF NOT EXISTS search_doc_exact_trgm ON search_searchdocument "
    "USING gin (exact gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_doc_parent ON search_searchdocument (parent) "
    "WHERE parent <> ''",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_doc_names_gin",
    "DROP INDEX IF EXISTS search_doc_facets_gin",
    "DROP INDEX IF EXISTS search_doc_tags_gin",
    "DROP INDEX IF EXISTS search_doc_exact_trgm",
    "DROP INDEX IF EXISTS search_doc_parent",
]

# (term, synonyms, two_way): what readers type for what the pages and entries say.
SYNONYMS = [
    ("async", "asynchronous, asyncio", True),
    ("fastcgi", "fcgi", True),
    ("orm", "object-relational mapper, object relational mapping", True),
    ("template engine", "templating, template language, template system", True),
    ("wsgi server", "http server, web server", True),
    ("asgi server", "asgi", False),
    ("licence", "license", True),
    ("microframework", "micro framework", True),
    ("cms", "content management system", True),
    ("db", "database", True),
    ("tg", "turbogears", False),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)
    apps.get_model("search", "SearchDocument").objects.all().delete()
    Synonym = apps.get_model("search", "SearchSynonym")
    for term, synonyms, two_way in SYNONYMS:
        Synonym.objects.get_or_create(
            term=term, defaults={"synonyms": synonyms, "two_way": two_way}
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0004_generic_documents")]

    operations = [migrations.RunPython(forwards, backwards)]
