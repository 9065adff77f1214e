from django import forms
from django.core.exceptions import ValidationError

from corrections.models import MAX_TEXT


def strip_controls(text: str) -> str:
    """Keep the text as typed, less control characters (tabs and newlines stay)."""
    return "".join(ch for ch in text if ch in "\t\n" or ch >= " ").replace("\x7f", "")


class ReportForm(forms.Form):
    text = forms.CharField(
        label="What is wrong?",
        max_length=MAX_TEXT,
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Say what is outdated or wrong, and what it should say.",
    )
    source_url = forms.URLField(
        label="A source (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="The address of a page that says so, e.g. the project's release notes.",
    )
    # The honeypot: hidden from people, filled in by robots that fill in every field.
    website = forms.CharField(required=False, max_length=200, label="Leave this empty")

    def clean_text(self) -> str:
        return strip_controls(self.cleaned_data["text"]).strip()

    def clean_source_url(self) -> str:
        url = self.cleaned_data.get("source_url", "")
        if url and not url.lower().startswith(("http://", "https://")):
            raise ValidationError("Give a web address (http:// or https://).")
        return url

    @property
    def is_trap(self) -> bool:
        return bool(self.data.get("website", "").strip())
