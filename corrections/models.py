"""Reports from readers: "this is wrong", with an optional source. Stored as plain text,
never shown publicly; editors accept or reject them in the admin."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

MAX_TEXT = 2000


class Report(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    # What it is about (corrections/registry.py), as it was named when the report came.
    subject_kind = models.CharField(max_length=20)
    subject_id = models.PositiveBigIntegerField()
    subject_label = models.CharField(max_length=300)
    subject_url = models.CharField(max_length=500, blank=True)
    text = models.TextField(max_length=MAX_TEXT, help_text="What the reader says is wrong.")
    source_url = models.CharField(max_length=500, blank=True, help_text="As the reader typed it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True, help_text="Why it was rejected (for editors).")
    created = models.DateTimeField(auto_now_add=True)
    reviewed = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "rejected"]),
                name="corrections_report_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="corrections_report_rejected_has_reason",
                violation_error_message="A rejected report says why.",
            ),
        ]
        indexes = [models.Index(fields=["status", "created"], name="corrections_report_queue")]

    def __str__(self) -> str:
        return f"Report {self.pk} on {self.subject_label}"

    def get_absolute_url(self) -> str:
        return reverse("admin:corrections_report_change", args=[self.pk])
