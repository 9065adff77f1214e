"""Page admin: Markdown body with live preview, tags, read-only history with revert.

Every save goes through wiki.services. The edit form carries its base revision; if the page
moved on meanwhile, the save is refused, the other change is shown as a diff, and the
submitted text stays in the form.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from core.text import CleanTextFormMixin, CleanTextModelForm
from wiki import (
    converters,  # noqa: F401  (registers the dbint URL converter)
    services,
)
from wiki.diff import diff_texts
from wiki.models import Page, PageLink, Revision, Tag
from wiki.naming import match_key, validate_title
from wiki.render import render, render_preview


class PageAdminForm(CleanTextFormMixin, forms.ModelForm):
    tags_text = forms.CharField(
        label="Tags",
        required=False,
        max_length=1000,
        help_text="Comma-separated, e.g. “micro, async”.",
    )
    comment = forms.CharField(
        label="Edit summary",
        required=False,
        max_length=300,
        help_text="What you changed, for the history.",
    )
    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    request: HttpRequest | None = None  # set by PageAdmin.get_form

    class Meta:
        model = Page
        fields = ["title", "body", "summary"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 24, "class": "wiki-body", "spellcheck": "true"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        if self.instance.pk:
            if not self.is_bound:  # a posted form brings its own tags
                self.fields["tags_text"].initial = ", ".join(
                    self.instance.tags.values_list("name", flat=True)
                )
            self.fields["base_revision"].initial = self.instance.revision_number

    def clean_title(self) -> str:
        title = validate_title(self.cleaned_data.get("title", ""))
        if self.instance.pk and match_key(title) == self.instance.key:
            return title  # not renamed: nothing to clash with
        clash = Page.objects.filter(key=match_key(title))
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        other = clash.first()
        if other is not None:
            raise ValidationError(
                f"A page called “{other.title}” already exists; titles that differ only "
                "in case or punctuation name the same page."
            )
        return title

    def validate_unique(self) -> None:
        """Titles are checked by clean_title (case and punctuation folded, stricter than
        the model's constraint) and the service; the slug is not edited here."""

    def clean_body(self) -> str:
        return services.validate_body(self.cleaned_data.get("body", ""))

    def clean_tags_text(self) -> list[str]:
        return services.parse_tags(self.cleaned_data.get("tags_text", ""))

    def clean(self):
        cleaned = super().clean()
        refused = getattr(self.request, "_wiki_save_refused", None)
        if refused is not None:
            raise refused
        if self.instance.pk:
            # Read by the admin moments ago, in this request (the service's
            # compare-and-set catches a save that lands after it).
            current = self.instance
            base = cleaned.get("base_revision")
            if base is None:
                base = current.revision_number
                cleaned["base_revision"] = base
            lost_race = getattr(self.request, "_wiki_edit_conflict", None)
            if lost_race is not None:
                base = lost_race.base_revision
            if base != current.revision_number or lost_race is not None:
                self.record_conflict(base, current)
        return cleaned

    def record_conflict(self, base: int, current: Page) -> None:
        base_rev = current.revisions.filter(number=base).first()
        theirs = current.current_revision
        self.conflict = {
            "base": base,
            "current": theirs,
            "diff": diff_texts(base_rev.body if base_rev else "", theirs.body if theirs else ""),
        }
        # The next submit is made knowing the other change: base it on the current revision.
        data = self.data.copy()
        data[self.add_prefix("base_revision")] = current.revision_number
        self.data = data
        who = theirs.author.get_username() if theirs and theirs.author else "someone else"
        raise ValidationError(
            f"Edit conflict: {who} saved revision {current.revision_number} of this page after "
            f"you started editing revision {base}. Your text is kept below; their change is "
            "shown as a diff. Merge it into your text and save again.",
            code="conflict",
        )


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageAdminForm
    list_display = ["title", "slug", "revision_number", "updated"]
    list_filter = ["tags"]
    search_fields = ["title", "summary"]
    ordering = ["title"]
    readonly_fields = ["slug", "revision_number", "history_table", "links_table"]
    change_form_template = "admin/wiki/page/change_form.html"
    show_full_result_count = False
    list_per_page = 50

    class Media:
        css = {"all": ["css/admin-wiki.css", "css/pygments.css"]}
        js = ["js/admin-preview.js"]

    def get_fieldsets(self, request, obj=None):
        main = ["title", "body", "summary", "tags_text", "comment", "base_revision"]
        if obj is None:
            return [(None, {"fields": main})]
        return [
            (None, {"fields": main}),
            ("History", {"fields": ["slug", "revision_number", "history_table"]}),
            ("Links", {"classes": ["collapse"], "fields": ["links_table"]}),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("current_revision")

    @admin.display(description="Revisions")
    def history_table(self, obj: Page) -> str:
        revisions = obj.revisions.select_related("author").order_by("-number")[:25]
        rows = format_html_join(
            "",
            "<tr><td><a href='{}'>r{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    r.get_absolute_url(),
                    r.number,
                    r.created.strftime("%Y-%m-%d %H:%M"),
                    r.author.get_username() if r.author else "—",
                    r.comment or "",
                    self._revision_actions(obj, r),
                )
                for r in revisions
            ),
        )
        return format_html(
            "<table class='wiki-history'><thead><tr><th>Rev</th><th>When</th><th>Who</th>"
            "<th>Comment</th><th></th></tr></thead><tbody>{}</tbody></table>"
            "<p><a href='{}'>Full history</a></p>",
            rows,
            reverse("wiki:page-history", kwargs={"slug": obj.slug}),
        )

    def _revision_actions(self, page: Page, revision: Revision) -> str:
        if revision.number == page.revision_number:
            return "current"
        return format_html(
            "<a href='{}'>diff</a> · <a href='{}'>revert to this</a>",
            reverse(
                "wiki:page-diff",
                kwargs={"slug": page.slug, "old": revision.number, "new": page.revision_number},
            ),
            reverse("admin:wiki_page_revert", args=[page.pk, revision.number]),
        )

    @admin.display(description="Outgoing links")
    def links_table(self, obj: Page) -> str:
        links = obj.outgoing_links.select_related("target")
        return (
            format_html_join(
                ", ",
                "<span class='{}'>{}:{}</span>",
                (
                    (
                        "wikilink" if link.resolved else "wikilink missing",
                        link.kind,
                        link.target_text,
                    )
                    for link in links
                ),
            )
            or "none"
        )

    # ---------------------------------------------------------------- saving

    def save_model(self, request, obj: Page, form: PageAdminForm, change: bool) -> None:
        data = form.cleaned_data
        body, rendered = getattr(request, "_wiki_prerendered", (None, None))
        rendered = rendered if body == data["body"] else None
        if change:
            page = services.page_update(
                page=obj,
                title=data["title"],
                body=data["body"],
                summary=data.get("summary", ""),
                tags=data["tags_text"],
                author=request.user,
                comment=data.get("comment", ""),
                base_revision=data.get("base_revision"),
                rendered=rendered,
            )
        else:
            page = services.page_create(
                title=data["title"],
                body=data["body"],
                summary=data.get("summary", ""),
                tags=data["tags_text"],
                author=request.user,
                comment=data.get("comment", ""),
                rendered=rendered,
            )
        obj.__dict__.update({k: v for k, v in page.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False

    def log_addition(self, request, obj, message):
        """A page's revisions are its log (who, when, why): no second copy in the admin's."""

    def log_change(self, request, obj, message):
        """As log_addition."""

    # After a plain Save an editor returns to the page they edited, with a message there;
    # "Save and continue editing" and "Save and add another" keep the admin's behaviour.
    _STAY_IN_ADMIN = ("_continue", "_addanother", "_saveasnew", admin.options.IS_POPUP_VAR)

    def _back_to_page(self, request, obj: Page, verb: str) -> HttpResponse | None:
        if any(key in request.POST for key in self._STAY_IN_ADMIN):
            return None
        self.message_user(
            request, f"{verb} “{obj.title}”: revision {obj.revision_number}.", messages.SUCCESS
        )
        return HttpResponseRedirect(obj.get_absolute_url())

    def response_change(self, request, obj: Page) -> HttpResponse:
        return self._back_to_page(request, obj, "Saved") or super().response_change(request, obj)

    def response_add(self, request, obj: Page, post_url_continue=None) -> HttpResponse:
        return self._back_to_page(request, obj, "Created") or super().response_add(
            request, obj, post_url_continue
        )

    def save_related(self, request, form, formsets, change) -> None:
        # Tags are saved by the service; there are no other relations to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and not hasattr(request, "_wiki_prerendered"):
            # Rendered here, before the admin opens its transaction: a slow body never
            # holds the database's write lock (the service then stores this result).
            try:
                body = services.validate_body(request.POST.get("body", ""))
            except ValidationError:
                pass  # the form reports it
            else:
                request._wiki_prerendered = (body, render(body))
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.EditConflict as conflict:
            # Lost the race after validation: the transaction rolled back; show the form
            # again, now failing validation with the conflict and the user's text.
            request._wiki_edit_conflict = conflict
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            # Refused by the service after the form passed (another editor created the
            # same title a moment ago): the same, with the service's reason.
            request._wiki_save_refused = refused
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_model(self, request, obj: Page) -> None:
        services.page_delete(page=obj)

    def delete_queryset(self, request, queryset) -> None:
        for page in queryset:
            services.page_delete(page=page)

    # ---------------------------------------------------------------- extra views

    def get_urls(self):
        extra = [
            path(
                "preview/",
                self.admin_site.admin_view(require_POST(self.preview_view)),
                name="wiki_page_preview",
            ),
            path(
                "<dbint:pk>/revert/<dbint:number>/",
                self.admin_site.admin_view(self.revert_view),
                name="wiki_page_revert",
            ),
        ]
        return extra + super().get_urls()

    def preview_view(self, request: HttpRequest) -> JsonResponse:
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        body = request.POST.get("body", "")
        try:
            body = services.validate_body(body)
        except ValidationError as exc:
            return JsonResponse({"error": " ".join(exc.messages)}, status=400)
        return JsonResponse({"html": render_preview(body)})

    def revert_view(self, request: HttpRequest, pk: int, number: int) -> HttpResponse:
        page = get_object_or_404(Page, pk=pk)
        if not self.has_change_permission(request, page):
            raise PermissionDenied
        revision = get_object_or_404(Revision, page=page, number=number)
        if request.method == "POST":
            base = request.POST.get("base_revision", "")
            try:
                services.page_revert(
                    page=page,
                    number=number,
                    author=request.user,
                    base_revision=int(base) if base.isdigit() else None,
                )
            except services.EditConflict as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(request.path)
            self.message_user(request, f"Reverted “{page.title}” to revision {number}.")
            return HttpResponseRedirect(reverse("admin:wiki_page_change", args=[page.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "page": page,
            "revision": revision,
            "diff": diff_texts(page.body, revision.body),
            "title": f"Revert “{page.title}” to revision {number}?",
        }
        return TemplateResponse(request, "admin/wiki/page/revert.html", context)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = CleanTextModelForm
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj: Tag, form, change: bool) -> None:
        services.tag_save(tag=obj)

    def delete_model(self, request, obj: Tag) -> None:
        services.tag_delete(tag=obj)

    def delete_queryset(self, request, queryset) -> None:
        for tag in queryset:
            services.tag_delete(tag=tag)


@admin.register(PageLink)
class PageLinkAdmin(admin.ModelAdmin):
    list_display = ["source", "kind", "target_text", "resolved"]
    list_filter = ["kind", "resolved"]
    search_fields = ["target_text", "source__title"]
    list_select_related = ["source"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
