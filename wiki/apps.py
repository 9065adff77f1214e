from django.apps import AppConfig


class WikiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wiki"
    verbose_name = "Wiki"

    def ready(self) -> None:
        from wiki import search_documents, signals  # noqa: F401 (connects the receivers)

        search_documents.register_pages()
