from django.apps import AppConfig


class WikiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wiki"
    verbose_name = "Wiki"

    def ready(self) -> None:
        from django.urls import reverse

        from core import changes, layout, navigation, outbox
        from corrections import registry as corrections
        from search import indexer
        from wiki import relink, search_documents, signals  # noqa: F401  (signals: loaddata)
        from wiki.models import Page
        from wiki.services import RENDER_TOPIC

        outbox.register(RENDER_TOPIC, relink.handle, batch=relink.BATCH)
        corrections.register(
            corrections.Subject(
                kind="page",
                label="wiki page",
                queryset=lambda: Page.objects.all(),
                describe=lambda page: f"the page “{page.title}”",
                public_url=lambda page: page.get_absolute_url(),
                edit_url=lambda page: reverse("admin:wiki_page_change", args=[page.pk]),
            )
        )
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
