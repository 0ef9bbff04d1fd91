"""Schools: the CSV import (all rows or none).

Each service checks who acts, writes in one transaction and records an audit event.
It raises ``lernen25.errors.Refused`` with a German message and writes nothing when it
will not do what was asked.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import tablib
from django import forms
from django.db import transaction
from django.utils.translation import gettext as _

from lernen25 import audit
from lernen25.errors import RefusalKind, Refused
from lernen25.models import District, School, SchoolType
from lernen25.permissions import require

# --- Schools: CSV import -------------------------------------------------------------------

SCHOOL_CSV_COLUMNS = {
    # CSV header (German, as the school office exports it) -> model field
    "schulnummer": "number",
    "name": "name",
    "schulform": "school_type",
    "stadtbezirk": "district",
    "strasse": "street",
    "plz": "postal_code",
    "ort": "city",
    "schueler": "pupils",
    "lehrkraefte": "teachers",
}
REQUIRED_SCHOOL_COLUMNS = ("schulnummer", "name", "schulform", "stadtbezirk")
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    line: int  # line number in the file, the header being line 1
    message: str

    def __str__(self) -> str:
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


class SchoolRowForm(forms.ModelForm):
    """Validates one CSV row with the model's own rules (Schulnummer, choices, numbers)."""

    class Meta:
        model = School
        fields = ["number", "name", "school_type", "district", "street", "postal_code", "city", "pupils", "teachers"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("city", "pupils", "teachers"):
            self.fields[name].required = False

    def clean_city(self):
        return self.cleaned_data.get("city") or "Duisburg"

    def clean_pupils(self):
        return self.cleaned_data.get("pupils") or 0

    def clean_teachers(self):
        return self.cleaned_data.get("teachers") or 0


def _choice_lookup(choices) -> dict[str, str]:
    """Accept the stored value or the German label of a choice, ignoring case and spaces."""
    lookup = {}
    for value, label in choices:
        for key in (value, str(label)):
            lookup[key.strip().lower().replace(" ", "")] = value
    return lookup


def _decode(data: bytes) -> str:
    # Spreadsheet programmes in Germany save CSV as UTF-8 (with BOM) or Windows-1252.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Refused(_("The file is not a readable text file (expected: UTF-8)."), RefusalKind.INVALID)


class _LineCounter:
    """The text handed to the ``csv`` reader line by line, counting the lines handed out."""

    def __init__(self, text: str):
        self._lines = io.StringIO(text, newline="")
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line


class _SchoolSheet(tablib.Dataset):
    """The rows tablib reads from the file, each with the line of the file it ends on.

    Bad rows are named by their line, which tablib does not keep: it skips empty lines, and a
    quoted cell may span lines. tablib hands every row to ``append`` as soon as the ``csv``
    reader has read it, so the lines read so far end that row. Rows of empty cells are
    skipped; cells beyond the header are ignored (tablib would refuse the row).
    """

    def __init__(self, source: _LineCounter):
        super().__init__()
        self._source = source
        self.lines: list[int] = []
        self.last_line = 0  # the last line of the last row handed to ``append``

    def append(self, row, tags=()):
        self.last_line = self._source.count
        if not any(cell.strip() for cell in row):
            return
        if len(self.lines) >= MAX_IMPORT_ROWS:
            raise Refused(
                _("The file has more than %(max)d lines; please split it.") % {"max": MAX_IMPORT_ROWS},
                RefusalKind.INVALID,
            )
        super().append(list(row)[: self.width] if self.width else row, tags)
        self.lines.append(self._source.count)


class _UnreadableLine(Exception):
    """The csv reader gave up on the row that begins on ``line``."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _read_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The normalised header and the non-empty rows (line, column → cell) of a CSV text."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect, delimiter = csv.excel, ";"  # German spreadsheet programmes separate with semicolons
    else:
        delimiter = dialect.delimiter
    source = _LineCounter(text)
    sheet = _SchoolSheet(source)
    try:
        # tablib's CSV format puts a comma over the dialect's delimiter unless one is given.
        sheet.load(source, format="csv", dialect=dialect, delimiter=delimiter)
    except csv.Error:
        # Reading stopped in the row after the last one read, which begins on the next line.
        raise _UnreadableLine(max(sheet.last_line, 1 if sheet.headers else 0) + 1) from None
    if not sheet.headers and not text.strip():
        raise Refused(_("The file is empty."), RefusalKind.INVALID)
    header = [column.strip().lower() for column in sheet.headers or []]
    rows = [
        (line, dict(zip(header, (cell.strip() for cell in cells), strict=False)))
        for line, cells in zip(sheet.lines, sheet, strict=True)
    ]
    return header, rows


def parse_school_csv(data: bytes) -> tuple[list[tuple[int, School]], list[RowError]]:
    """Validate every row; return the schools to save (new or changed) and every error found."""
    if len(data) > MAX_IMPORT_BYTES:
        raise Refused(_("The file is larger than 2 MB."), RefusalKind.INVALID)
    try:
        header, rows = _read_rows(_decode(data))
    except _UnreadableLine as unreadable:
        # Typically a quotation mark that is never closed: the rest of the file became one cell.
        return [], [RowError(unreadable.line, _("This line cannot be read; is a quotation mark not closed?"))]
    missing = [column for column in REQUIRED_SCHOOL_COLUMNS if column not in header]
    if missing:
        message = _("These columns are missing: %(columns)s.") % {"columns": ", ".join(missing)}
        return [], [RowError(1, message)]
    if not rows:
        return [], [RowError(1, _("The file contains no schools."))]

    types, districts = _choice_lookup(SchoolType.choices), _choice_lookup(District.choices)
    numbers_in_file: dict[str, int] = {}
    existing = {
        school.number: school for school in School.objects.filter(number__in=[r.get("schulnummer") for _l, r in rows])
    }
    schools, errors = [], []
    for line, row in rows:
        values = {field_name: row.get(column, "") for column, field_name in SCHOOL_CSV_COLUMNS.items()}
        raw_type, raw_district = values["school_type"], values["district"]
        values["school_type"] = types.get(raw_type.lower().replace(" ", ""), raw_type)
        values["district"] = districts.get(raw_district.lower().replace(" ", ""), raw_district)
        number = values["number"]
        if number in numbers_in_file:
            errors.append(
                RowError(
                    line,
                    _("The school number %(number)s already appears in line %(other)d.")
                    % {"number": number, "other": numbers_in_file[number]},
                )
            )
            continue
        numbers_in_file[number] = line
        form = SchoolRowForm(values, instance=existing.get(number))
        if not form.is_valid():
            for field_name, messages in form.errors.items():
                label = form.fields[field_name].label if field_name in form.fields else ""
                for message in messages:
                    # Name the CSV value the user wrote for choice fields, not our internal key.
                    if field_name == "school_type":
                        message = _("Unknown school type “%(value)s”.") % {"value": raw_type}
                    elif field_name == "district":
                        message = _("Unknown district “%(value)s”.") % {"value": raw_district}
                    errors.append(RowError(line, f"{label}: {message}" if label else message))
            continue
        schools.append((line, form.instance))
    return schools, errors


def import_schools(*, actor, data: bytes, filename: str = "", system: bool = False) -> ImportResult:
    """Create or update schools from a CSV file: all rows or none.

    Refuses (and writes nothing) when the actor may not manage schools or when any row is
    invalid; the refusal's ``details`` lists every bad row with its line and reason.
    ``system=True`` is for operator commands run on the server, which act without an actor.
    """
    if not system:
        require(actor, "lernen25.import_schools")
    schools, errors = parse_school_csv(data)
    if errors:
        raise Refused(
            _("The file was not imported: %(count)d line(s) with errors.") % {"count": len({e.line for e in errors})},
            RefusalKind.INVALID,
            details=errors,
        )
    result = ImportResult()
    with transaction.atomic():
        for _line, school in schools:
            if school.pk:
                result.updated += 1
            else:
                result.created += 1
            school.save()
        audit.record(
            "lernen25.schools.imported",
            actor=actor,
            filename=filename,
            created=result.created,
            updated=result.updated,
        )
    return result
