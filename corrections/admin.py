"""The editors' queue of readers' reports. Everything a reader sent is shown as text,
escaped; a source address becomes a link only if it is a plain http(s) address."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import re_path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from corrections import registry, services
from corrections.models import Report

_WEB_URL = re.compile(r"https?://[^\s/?#<>\"'`]+[^\s<>\"'`]*\Z", re.IGNORECASE)


def safe_link(url: str) -> str:
    """A reader's address as a link only when it is a plain web address; else text."""
    if url and _WEB_URL.match(url) and not any(ord(ch) < 32 for ch in url):
        return format_html("<a href='{}' rel='noopener noreferrer nofollow'>{}</a>", url, url)
    return format_html("{}", url or "—")


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Why is it rejected?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For the editors: e.g. “the page already says so”, “the source is a fan site”.",
    )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["created", "status", "about", "excerpt", "source_link"]
    list_display_links = ["created"]
    list_filter = ["status", "subject_kind"]
    search_fields = ["text", "subject_label", "source_url"]
    ordering = ["-created"]
    list_per_page = 50
    readonly_fields = [
        "created",
        "status",
        "subject",
        "text_shown",
        "source_link",
        "reason",
        "reviewed",
        "reviewed_by",
    ]
    fields = readonly_fields
    change_form_template = "admin/corrections/report/change_form.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_changelist_instance(self, request):
        # The queue opens on what waits, unless the editor picked a status.
        if "status__exact" not in request.GET and not request.GET.get("q"):
            request.GET = request.GET.copy()
            request.GET["status__exact"] = Report.Status.PENDING
        return super().get_changelist_instance(request)

    @admin.display(description="About", ordering="subject_label")
    def about(self, obj: Report) -> str:
        return obj.subject_label

    @admin.display(description="What the reader says")
    def excerpt(self, obj: Report) -> str:
        return Truncator(obj.text).chars(120)

    @admin.display(description="What the reader says")
    def text_shown(self, obj: Report) -> str:
        return format_html(
            "<div class='report-text' style='white-space: pre-wrap'>{}</div>", obj.text
        )

    @admin.display(description="Source")
    def source_link(self, obj: Report) -> str:
        return safe_link(obj.source_url)

    @admin.display(description="About")
    def subject(self, obj: Report) -> str:
        if obj.subject_url.startswith("/"):
            return format_html("<a href='{}'>{}</a>", obj.subject_url, obj.subject_label)
        return obj.subject_label

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            # Ids of at most 18 digits (they fit the database's integers), as wiki's dbint.
            re_path(
                r"^(?P<pk>[0-9]{1,18})/accept/$",
                view(self.accept_view),
                name="corrections_report_accept",
            ),
            re_path(
                r"^(?P<pk>[0-9]{1,18})/reject/$",
                view(self.reject_view),
                name="corrections_report_reject",
            ),
            *super().get_urls(),
        ]

    def _allowed(self, request: HttpRequest) -> None:
        if not request.user.has_perm("corrections.view_report"):
            raise PermissionDenied

    def accept_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Accepting opens the edit of what it is about, with the reader's words beside it."""
        self._allowed(request)
        report = get_object_or_404(Report, pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:corrections_report_change", args=[pk]))
        report = services.report_accept(report=report, user=request.user)
        found = registry.find(f"{report.subject_kind}:{report.subject_id}")
        source = f" Source: {report.source_url}" if report.source_url else ""
        self.message_user(
            request,
            f"Report {report.pk} accepted. The reader says: “{report.text}”{source}",
            messages.INFO,
        )
        if found is None:
            self.message_user(
                request, f"{report.subject_label} no longer exists.", messages.WARNING
            )
            return HttpResponseRedirect(reverse("admin:corrections_report_changelist"))
        subject, obj = found
        return HttpResponseRedirect(subject.edit_url(obj))

    def reject_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._allowed(request)
        report = get_object_or_404(Report, pk=pk)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.report_reject(
                    report=report, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error("reason", exc)
            else:
                self.message_user(request, f"Report {report.pk} rejected.")
                return HttpResponseRedirect(reverse("admin:corrections_report_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "report": report,
            "form": form,
            "title": f"Reject report {report.pk}",
        }
        return TemplateResponse(request, "admin/corrections/report/reject.html", context)
