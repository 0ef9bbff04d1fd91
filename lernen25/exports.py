"""Safe spreadsheet exports: no exported cell is run by the spreadsheet that opens it.

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (OWASP "CSV Injection"): a school named
``=HYPERLINK("http://evil","klick")`` becomes a link, ``=cmd|' /C calc'!A0`` a command. Such a text
goes out with a leading single quote, as OWASP recommends; the quote makes it text in the sheet, and
removing it gives back the original. Numbers stay numbers, and a text that is a plain number
(``-3``, ``-2.5``, ``-2,5``, ``+49``) stays as it is: a spreadsheet reads it as that number, it
cannot call anything.

Every export of the project is one of Wagtail's ``SpreadsheetExportMixin`` views (``list_export`` of
a ``ModelViewSet`` or snippet viewset, the reports, redirects, form submissions). ``protect_wagtail_exports``
(called once from ``Lernen25Config.ready``) routes every cell and every heading of that mixin, in CSV
and XLSX alike, through ``safe_cell`` and quotes every CSV field, so that no view, ours or Wagtail's,
can export without it. An own export outside Wagtail writes its cells through ``safe_cell`` and
``csv_writer``.
"""

from __future__ import annotations

import csv
import re
from typing import Any

from django.utils.functional import Promise

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# A sign, digits with decimal point or comma (also as thousands separators) and an exponent: what a
# spreadsheet reads as a number. Without letters, spaces, operators or brackets nothing can be called.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d.,]*|[.,]\d[\d.,]*)(?:[eE][+-]?\d+)?", re.ASCII)


def is_plain_number(text: str) -> bool:
    """Whether ``text`` is a number as a spreadsheet reads it (``-3``, ``-2.5``, ``1.234,5``, ``-1e5``)."""
    return _PLAIN_NUMBER.fullmatch(text) is not None


def safe_cell(value: Any) -> Any:
    """The value to write into an exported cell: text a spreadsheet would run, with a leading ``'``.

    Anything that is not text (numbers, dates, ``None``) and any text that is a plain number is
    returned unchanged.
    """
    if isinstance(value, Promise):  # a lazy translation is text
        value = str(value)
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES) and not is_plain_number(value):
        return "'" + value
    return value


def csv_writer(file, **options):
    """A ``csv`` writer for an export: every field in double quotes (see ``protect_wagtail_exports``).

    Write the cells through ``safe_cell``.
    """
    return csv.writer(file, quoting=csv.QUOTE_ALL, **options)


# --- Wagtail's SpreadsheetExportMixin ------------------------------------------------------------

_PROTECTED = "_lernen25_safe_exports"


def protect_wagtail_exports() -> None:
    """Route every exported cell and heading of Wagtail's ``SpreadsheetExportMixin`` through ``safe_cell``.

    Wagtail writes each cell through ``preprocess_field_value`` (CSV and XLSX) and each heading
    through ``get_heading``; its XLSX export only turns what openpyxl takes for a formula (text
    beginning with ``=``) back into text, its CSV export and the XLSX heading row nothing at all.
    The CSV writer quotes every field: German Excel splits a comma-separated file at semicolons, and
    an unquoted ``Schule;=1+1`` would become two cells, the second a formula.

    The mixin is changed in place rather than subclassed because Wagtail's own report, redirect and
    form-submission views inherit from it directly. Idempotent; fails at start-up if Wagtail renamed
    the methods (tests/lernen25/test_exports.py also fails if a view overrides them).
    """
    from wagtail.admin.views import mixins

    mixin = mixins.SpreadsheetExportMixin
    if getattr(mixin, _PROTECTED, False):
        return
    for name in ("preprocess_field_value", "get_heading", "stream_csv"):
        if not callable(getattr(mixin, name, None)):
            raise RuntimeError(f"Wagtail's SpreadsheetExportMixin has no {name}(): review lernen25.exports.")

    preprocess_field_value = mixin.preprocess_field_value
    get_heading = mixin.get_heading

    def safe_preprocess_field_value(self, field, value, export_format):
        return safe_cell(preprocess_field_value(self, field, value, export_format))

    def safe_get_heading(self, queryset, field):
        return safe_cell(get_heading(self, queryset, field))

    def safe_stream_csv(self, queryset):
        """Wagtail's ``stream_csv`` with every field quoted."""
        writer = csv.DictWriter(mixins.Echo(), fieldnames=self.list_export, quoting=csv.QUOTE_ALL)
        yield writer.writerow({field: self.get_heading(queryset, field) for field in self.list_export})
        for item in queryset:
            yield self.write_csv_row(writer, self.to_row_dict(item))

    mixin.preprocess_field_value = safe_preprocess_field_value
    mixin.get_heading = safe_get_heading
    mixin.stream_csv = safe_stream_csv
    setattr(mixin, _PROTECTED, True)
