"""Reports: stored as readers send them (inert text), reviewed by editors."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from corrections.models import Report
from corrections.registry import Subject


def report_create(*, subject: Subject, obj, text: str, source_url: str = "") -> Report:
    report = Report(
        subject_kind=subject.kind,
        subject_id=obj.pk,
        subject_label=subject.describe(obj)[:300],
        subject_url=subject.public_url(obj)[:500],
        text=text,
        source_url=source_url,
    )
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def report_accept(*, report: Report, user) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    report.status = Report.Status.ACCEPTED
    report.reason = ""
    report.reviewed, report.reviewed_by = timezone.now(), user
    report.save()
    return report


@transaction.atomic
def report_reject(*, report: Report, user, reason: str) -> Report:
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the report is rejected.", code="required")
    report = Report.objects.select_for_update().get(pk=report.pk)
    report.status = Report.Status.REJECTED
    report.reason = reason
    report.reviewed, report.reviewed_by = timezone.now(), user
    report.full_clean()
    report.save()
    return report
