from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from core import changes, navigation
        from search import indexer
        from search.expand import forget_synonyms

        indexer.register()
        changes.follow(indexer.follow_changes)
        navigation.register({("search", None): "search"})
        # The per-process synonym cache follows the table's edits.
        post_save.connect(forget_synonyms, sender="search.SearchSynonym", dispatch_uid="syn-save")
        post_delete.connect(
            forget_synonyms, sender="search.SearchSynonym", dispatch_uid="syn-delete"
        )
