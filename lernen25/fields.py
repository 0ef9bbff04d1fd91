"""Form fields of the whole site that refuse what the database or the calendar cannot hold.

Django's date fields take any year from 1 to 9999. The first and the last day of that range cannot
be converted between time zones (``0001-01-01T00:00`` in Berlin is before year 1 in UTC): the save
failed with an OverflowError, an HTTP 500. A school's dates lie within a few decades; these fields
refuse anything outside ``MIN_YEAR``..``MAX_YEAR`` with a German form error.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MIN_YEAR, MAX_YEAR = 1900, 2199

OUT_OF_RANGE = _("Please enter a date between the years %(min)d and %(max)d.")


def _check_year(value):
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(OUT_OF_RANGE, code="out_of_range", params={"min": MIN_YEAR, "max": MAX_YEAR})
    return value


class DateTimeField(forms.DateTimeField):
    def to_python(self, value):
        try:
            return _check_year(super().to_python(value))
        except OverflowError:  # the time zone conversion at the edge of the calendar
            raise ValidationError(
                OUT_OF_RANGE, code="out_of_range", params={"min": MIN_YEAR, "max": MAX_YEAR}
            ) from None


class DateField(forms.DateField):
    def to_python(self, value):
        return _check_year(super().to_python(value))
