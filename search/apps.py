from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from core import changes, navigation
        from search import indexer

        indexer.register()
        changes.follow(indexer.follow_changes)
        navigation.register({("search", None): "search"})
