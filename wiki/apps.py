from django.apps import AppConfig


class WikiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wiki"
    verbose_name = "Wiki"

    def ready(self) -> None:
        from wiki import signals  # noqa: F401 (connects the receivers)
