from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares: the change step, the outbox, the page cache, navigation."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Site"
