"""Editors keep the synonym table and see what readers searched for in vain."""

from django.contrib import admin

from search.expand import forget_synonyms
from search.models import SearchMiss, SearchSynonym


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ("term", "synonyms", "two_way", "updated")
    list_filter = ("two_way",)
    search_fields = ("term", "synonyms")
    ordering = ("term",)

    # An edit takes effect at once in this process (others re-read within SYNONYMS_TTL).
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        forget_synonyms()

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        forget_synonyms()

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        forget_synonyms()


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    """Queries without results, most asked first: beside Wanted pages, what to write next."""

    list_display = ("query", "count", "last_seen", "first_seen")
    search_fields = ("query",)
    readonly_fields = ("query", "count", "first_seen", "last_seen")
    ordering = ("-count", "-last_seen")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
