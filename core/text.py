"""Text hygiene shared by every input and every XML output.

Input: control characters mean nothing in a title, a note or a page, and break what is
built from them (a vertical tab — what a word processor pastes for a line break — made the
Atom feed invalid XML, a 500). They are dropped where text comes in; a vertical tab or form
feed in multi-line text becomes the line break it stood for.

Output: an XML document (feed, sitemap, SVG) must survive any text already stored, so
those outputs drop the characters XML 1.0 cannot carry.
"""

from __future__ import annotations

import re

from django import forms

# C0 controls but tab, newline and carriage return; DEL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"[\x0b\x0c]")
# Not allowed anywhere in an XML 1.0 document (its Char production).
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str, *, multiline: bool = True) -> str:
    """value without control characters; vertical tab and form feed become a newline in
    multi-line text and a space in one-line text."""
    if not CONTROL_CHARACTERS.search(value):
        return value
    value = _LINE_BREAKS.sub("\n" if multiline else " ", value)
    return CONTROL_CHARACTERS.sub("", value)


def xml_safe(value: str) -> str:
    """value without the characters an XML document cannot contain."""
    return XML_INVALID.sub("", value) if XML_INVALID.search(value) else value


class CleanTextFormMixin:
    """For forms: every text value in cleaned_data without control characters (multi-line
    for Textarea widgets). Put it before the form class: ``class F(CleanTextFormMixin,
    forms.ModelForm)``."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            field = self.fields.get(name)
            multiline = field is not None and isinstance(field.widget, forms.Textarea)
            if isinstance(value, str):
                cleaned[name] = clean_text(value, multiline=multiline)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                cleaned[name] = [clean_text(v, multiline=False) for v in value]
        return cleaned


class CleanTextModelForm(CleanTextFormMixin, forms.ModelForm):
    """A ModelAdmin's or inline's ``form``: the default form, control characters dropped."""
