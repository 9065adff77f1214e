from django.apps import AppConfig


class CatalogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog import links, search_documents, signals

        links.register()
        search_documents.register_entries()
        signals.connect_content_version()
