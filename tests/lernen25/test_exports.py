"""Safe exports: no CSV/XLSX cell of the admin is run by the spreadsheet that opens it (OWASP CSV injection).

``lernen25.exports.safe_cell`` is the rule; ``protect_wagtail_exports`` applies it to every export of
Wagtail's ``SpreadsheetExportMixin``: the schools' ``list_export`` and Wagtail's reports and redirects.
Each export is fetched over HTTP as someone allowed to, in both formats, and read back with ``csv`` and
openpyxl.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from lernen25.exports import DANGEROUS_PREFIXES, csv_writer, is_plain_number, safe_cell
from tests.factories import SchoolFactory, UserFactory, verified

# --- safe_cell ---------------------------------------------------------------------------------

PAYLOADS = [
    '=HYPERLINK("http://evil","klick")',
    "+cmd",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "=cmd|' /C calc'!A0",
    "+49 203 123",  # a phone number is text, and a spreadsheet would compute it
    "-",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_dangerous_text_gets_a_leading_quote(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("text", ["-3", "-2.5", "-2,5", "+49", "-1.234,5", "-1e5", "-.5", "42", "3.14"])
def test_a_plain_number_stays_as_it_is(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize("text", ["Gesamtschule Meiderich", "", "'=1", " =1", "Schule;=1+1", "a@b.de", "1-2"])
def test_other_text_stays_as_it_is(text):
    assert safe_cell(text) == text


def test_a_lazy_translation_is_text():
    from django.utils.translation import gettext_lazy

    assert safe_cell(gettext_lazy("=lazy")) == "'=lazy"


@given(st.text())
@example('=HYPERLINK("http://x","y")')
@example("-2.5")
@example("\r")
def test_no_output_begins_with_a_formula_unless_it_is_a_plain_number(text):
    out = safe_cell(text)

    assert not out.startswith(DANGEROUS_PREFIXES) or is_plain_number(out)
    if out != text:
        # the only change is a leading quote; taking it away gives back the original
        assert out == "'" + text
        assert out[1:] == text
        assert text.startswith(DANGEROUS_PREFIXES)
    assert safe_cell(out) == out  # nothing left to neutralise


@given(st.sampled_from(DANGEROUS_PREFIXES), st.text())
def test_every_dangerous_text_that_is_no_number_is_neutralised(prefix, rest):
    text = prefix + rest

    assert safe_cell(text) == (text if is_plain_number(text) else "'" + text)


@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.decimals(allow_nan=False),
        st.dates(),
        st.datetimes(),
        st.times(),
    )
)
def test_what_is_not_text_is_returned_unchanged(value):
    assert safe_cell(value) is value


@given(
    st.one_of(
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.decimals(allow_nan=False, allow_infinity=False),
    )
)
def test_a_number_written_as_text_stays_as_it_is(number):
    text = str(number)  # also with an exponent: "-1e-07", "-1.5E+3"

    assert is_plain_number(text), text
    assert safe_cell(text) == text


def test_csv_writer_quotes_every_field():
    out = io.StringIO()
    csv_writer(out).writerow([safe_cell(cell) for cell in ["Schule;=1+1", -3, "=1"]])

    assert out.getvalue() == '"Schule;=1+1","-3","\'=1"\r\n'


# --- Every export of the admin -----------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    # every field is quoted: a spreadsheet splitting at another separator cannot start a new cell
    quoted = io.StringIO()
    csv.writer(quoted, quoting=csv.QUOTE_ALL).writerows(rows)
    assert text == quoted.getvalue()
    return rows


def _xlsx(response):
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows()]


def _assert_nothing_runs(cells):
    """No cell would be taken for a formula, the heading row included."""
    for cell in cells:
        assert safe_cell(cell) == cell, repr(cell)


def assert_safe_csv(response) -> list[list[str]]:
    rows = _csv(response)
    _assert_nothing_runs(cell for row in rows for cell in row)
    return rows


def assert_safe_xlsx(response) -> list[list]:
    rows = _xlsx(response)
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", cell.value
    _assert_nothing_runs(cell.value for row in rows for cell in row)
    return [[cell.value for cell in row] for row in rows]


def _flat(rows) -> list:
    return [cell for row in rows for cell in row]


@pytest.fixture
def evil_schools(db):
    for number, payload in enumerate(PAYLOADS, start=900001):
        SchoolFactory(number=str(number), name=payload)
    SchoolFactory(number="900100", name="Schule;=1+1", street="-3", postal_code="-2.5", city="Duisburg", pupils=1250)


class TestSchoolExport:
    url = "/admin/schools/"

    @pytest.mark.parametrize("persona", ["admin_user", "smz", "schultraeger"])
    def test_csv_is_neutralised(self, client, request, persona, evil_schools):
        client.force_login(request.getfixturevalue(persona))

        rows = assert_safe_csv(client.get(self.url, {"export": "csv"}))

        cells = _flat(rows)
        for payload in PAYLOADS:
            assert "'" + payload in cells
        numbers = next(row for row in rows if row[1] == "Schule;=1+1")
        # a text that is a plain number, and a number, go out as they are
        assert numbers[4:] == ["-3", "-2.5", "Duisburg", "1250", "60"]

    def test_xlsx_is_neutralised(self, client, admin_user, evil_schools):
        client.force_login(admin_user)

        rows = assert_safe_xlsx(client.get(self.url, {"export": "xlsx"}))

        cells = _flat(rows)
        for payload in PAYLOADS:
            # openpyxl reads a carriage return back as a line feed
            assert "'" + payload.replace("\r", "\n") in cells or "'" + payload in cells
        numbers = next(row for row in rows if row[1] == "Schule;=1+1")
        assert numbers[4:] == ["-3", "-2.5", "Duisburg", 1250, 60]

    def test_headings_are_the_german_labels(self, client, admin_user, evil_schools):
        client.force_login(admin_user)

        rows = assert_safe_csv(client.get(self.url, {"export": "csv"}))

        assert rows[0][:2] == ["Schulnummer", "Name"]


def _export_view():
    """The schools' export view as the admin serves it, to export rows the database cannot hold."""
    from lernen25.wagtail_hooks import school_viewset

    index = school_viewset.index_view
    view = index.view_class(**index.view_initkwargs)
    view.setup(RequestFactory().get("/admin/schools/", {"export": "csv"}))
    return view


NUMBERS = SimpleNamespace(
    number="-3",
    name="-2.5",
    school_type=Decimal("-1.5"),
    district=datetime.date(2030, 1, 2),
    street=None,
    postal_code=-7,
    city="=1+1",
    pupils=-3,
    teachers=-2.5,
)


def test_negative_numbers_stay_numbers_in_csv():
    view = _export_view()

    rows = list(csv.reader(io.StringIO(b"".join(view.stream_csv([NUMBERS])).decode())))

    assert rows[1] == ["-3", "-2.5", "-1.5", "2030-01-02", "", "-7", "'=1+1", "-3", "-2.5"]


def test_negative_numbers_stay_numbers_in_xlsx():
    view = _export_view()
    output = io.BytesIO()

    view.write_xlsx([NUMBERS], output)

    row = [cell.value for cell in next(load_workbook(output).active.iter_rows(min_row=2))]
    assert row == ["-3", "-2.5", -1.5, datetime.date(2030, 1, 2), None, -7, "'=1+1", -3, -2.5]


# --- Wagtail's reports and redirects --------------------------------------------------------------


TITLE = '=HYPERLINK("http://evil","klick")'


@pytest.fixture
def evil_pages(admin_user):
    """Pages, a lock, a workflow, a redirect and a person whose names a spreadsheet would run."""
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.models import GroupApprovalTask, Page, Site, Workflow, WorkflowPage, WorkflowTask

    evil_user = verified(UserFactory(email="evil@example.org", first_name="@SUM(1)", last_name="+x"))
    home = Page.objects.get(depth=2)
    pages = []
    for number, payload in enumerate(PAYLOADS):
        page = home.add_child(instance=Page(title=payload, slug=f"evil-{number}"))
        page.save_revision(user=evil_user).publish(user=evil_user, skip_permission_checks=True)
        pages.append(page)
    Page.objects.filter(pk__in=[page.pk for page in pages]).update(
        locked=True, locked_by=evil_user, locked_at=timezone.now()
    )
    workflow = Workflow.objects.create(name="-Workflow")
    task = GroupApprovalTask.objects.create(name="@Aufgabe")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=home)
    pages[0].refresh_from_db()
    workflow.start(pages[0], evil_user)
    site = Site.objects.get(is_default_site=True)
    site.site_name = "+Lernen"
    site.save()
    Redirect.objects.create(old_path="/alt", site=site, redirect_link="https://example.org/=x")
    return pages


REPORTS = {
    "/admin/reports/locked/": ["+cmd", "@SUM(1) +x"],  # the page in moderation is not listed
    "/admin/reports/aging-pages/": [TITLE],  # the publisher by e-mail address
    "/admin/reports/site-history/": [TITLE, "@SUM(1) +x"],
    "/admin/reports/workflow/": [TITLE, "-Workflow", "@SUM(1) +x"],
    "/admin/reports/workflow_tasks/": [TITLE, "@Aufgabe"],
    "/admin/redirects/": ["+Lernen [Standard]"],  # the site's name
}


@pytest.mark.parametrize("url", REPORTS)
def test_report_csv_is_neutralised(client, admin_user, evil_pages, url):
    client.force_login(admin_user)

    cells = _flat(assert_safe_csv(client.get(url, {"export": "csv"})))

    for expected in REPORTS[url]:
        assert "'" + expected in cells, (expected, cells)


@pytest.mark.parametrize("url", REPORTS)
def test_report_xlsx_is_neutralised(client, admin_user, evil_pages, url):
    client.force_login(admin_user)

    cells = _flat(assert_safe_xlsx(client.get(url, {"export": "xlsx"})))

    for expected in REPORTS[url]:
        assert "'" + expected in cells, (expected, cells)


# --- Who may export --------------------------------------------------------------------------------


EXPORTS = ["/admin/schools/", *REPORTS]


@pytest.mark.parametrize("export", ["csv", "xlsx"])
@pytest.mark.parametrize("url", EXPORTS)
def test_nobody_signed_out_exports(client, db, url, export):
    response = client.get(url, {"export": export})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


@pytest.mark.parametrize("export", ["csv", "xlsx"])
@pytest.mark.parametrize("url", EXPORTS)
def test_a_teacher_exports_nothing(client, lehrkraft_a, evil_schools, url, export):
    client.force_login(lehrkraft_a)

    response = client.get(url, {"export": export})

    assert response.status_code == 403
    assert "Ihr Konto hat keinen Zugang zur Verwaltung." in response.content.decode()


@pytest.mark.parametrize("export", ["csv", "xlsx"])
@pytest.mark.parametrize("url", [url for url in REPORTS if url != "/admin/reports/site-history/"])
def test_the_school_board_exports_no_report(client, schultraeger, evil_pages, url, export):
    client.force_login(schultraeger)

    response = client.get(url, {"export": export})

    # Wagtail answers a refused admin view with a redirect to the dashboard and a message.
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_the_school_board_exports_only_the_history_it_may_see(client, schultraeger, evil_pages):
    client.force_login(schultraeger)

    rows = assert_safe_csv(client.get("/admin/reports/site-history/", {"export": "csv"}))

    # Wagtail lists the site history to everyone in the admin, each entry only to whom may see its object.
    assert rows == [["ID", "Name", "Typ", "Aktionstyp", "Benutzer", "Datum/Zeit"]]


# --- No export bypasses safe_cell --------------------------------------------------------------------

WRITING_METHODS = (
    "preprocess_field_value",
    "get_heading",
    "stream_csv",
    "write_csv_row",
    "generate_xlsx_row",
    "write_xlsx",
)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_export_view_writes_through_safe_cell():
    """A view that overrides how cells are written would bypass ``safe_cell``: route it through it."""
    from django.urls import get_resolver
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    get_resolver().url_patterns  # noqa: B018  (imports every admin view, Wagtail's and ours)
    views = set(_subclasses(SpreadsheetExportMixin))

    assert getattr(SpreadsheetExportMixin, "_lernen25_safe_exports", False)
    assert {"SchoolIndexView", "LockedPagesView", "LogEntriesView", "SubmissionsListView", "IndexView"} <= {
        view.__name__ for view in views
    }
    for view in views:
        for name in WRITING_METHODS:
            assert getattr(view, name) is getattr(SpreadsheetExportMixin, name), f"{view.__qualname__}.{name}"
