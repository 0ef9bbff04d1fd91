"""Template helpers that render Django form fields with KERN UX classes and ARIA links."""

from __future__ import annotations

from django import forms, template

register = template.Library()


@register.filter
def field_kind(bound_field) -> str:
    """``checkbox`` (one box), ``choices`` (a group of boxes or radios), ``select``, ``file`` or ``input``."""
    widget = bound_field.field.widget
    if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
        return "choices"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "file"
    return "input"


@register.filter
def kern_widget(bound_field):
    """Render the widget with KERN's input class, error state and ``aria-describedby``."""
    kind = field_kind(bound_field)
    css = "kern-form-input__select" if kind == "select" else "kern-form-input__input"
    attrs = {"class": css}
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.id_for_label}-hint")
    if bound_field.errors:
        attrs["class"] += f" {css}--error"
        attrs["aria-invalid"] = "true"
        described.append(f"{bound_field.id_for_label}-error")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    # A placeholder that repeats the label only adds noise for screen readers (allauth sets them).
    bound_field.field.widget.attrs.pop("placeholder", None)
    return bound_field.as_widget(attrs=attrs)
