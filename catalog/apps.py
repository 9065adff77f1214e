from django.apps import AppConfig


class CatalogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog import links, signals  # noqa: F401 (signals connects the receivers)

        links.register()
