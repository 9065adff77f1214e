from django.apps import AppConfig


class CatalogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog import history, links, relink, reports, search_documents, signals
        from catalog.services import DESCRIBE_TOPIC
        from core import activity, changes, layout, navigation, outbox
        from search import indexer

        links.register()
        activity.register(history.CATALOG_ACTIVITY)
        reports.register()
        signals.connect()
        outbox.register(DESCRIBE_TOPIC, relink.handle, batch=relink.BATCH)
        changes.follow(relink.follow_changes)
        navigation.register(
            {
                ("catalog", "component-list"): "components",
                ("catalog", "component-detail"): "components",
                ("catalog", "matrix"): "matrix",
                ("catalog", "cell"): "matrix",
                ("catalog", "charts"): "matrix",
                ("catalog", "upkeep"): "matrix",
                ("catalog", "grid"): "matrix",
                ("catalog", "grid-group"): "matrix",
                ("catalog", "capability"): "matrix",
                ("catalog", "choose"): "frameworks",
                ("catalog", None): "frameworks",
            }
        )
        layout.watch("catalog.views", "catalog.choose", "catalog.views_choose", "catalog.grid")
        indexer.register_model("catalog.entry", ["framework", "component"])
        search_documents.register_entries()
