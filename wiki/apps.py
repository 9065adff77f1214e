from django.apps import AppConfig


class WikiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wiki"
    verbose_name = "Wiki"

    def ready(self) -> None:
        from core import changes, layout, navigation, outbox
        from search import indexer
        from wiki import relink, search_documents, signals  # noqa: F401  (signals: loaddata)
        from wiki.services import RENDER_TOPIC

        outbox.register(RENDER_TOPIC, relink.handle, batch=relink.BATCH)
        changes.follow(relink.follow_changes)
        navigation.register(
            {
                ("wiki", "recent"): "recent",
                ("wiki", "recent-feed"): "recent",
                ("wiki", None): "pages",
            }
        )
        layout.watch("wiki.views", "core.navigation")
        indexer.register_model("wiki.page", ["page"])
        search_documents.register_pages()
