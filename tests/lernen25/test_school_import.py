"""CSV import of schools: everything or nothing, every bad row reported with line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from lernen25.errors import Refused
from lernen25.models import AuditEvent, District, School, SchoolType
from lernen25.services import MAX_IMPORT_ROWS, import_schools
from tests.factories import SchoolFactory

DATA = Path(__file__).parent / "data"
GOOD = (DATA / "schools_good.csv").read_bytes()
BAD = (DATA / "schools_bad.csv").read_bytes()


def test_good_file_imports_every_school(smz):
    result = import_schools(actor=smz, data=GOOD, filename="schools_good.csv")

    assert (result.created, result.updated) == (3, 0)
    meiderich = School.objects.get(number="165432")
    assert meiderich.school_type == SchoolType.GESAMTSCHULE
    assert meiderich.district == District.MEIDERICH_BEECK
    assert (meiderich.pupils, meiderich.teachers) == (1250, 98)
    # labels and stored values are both accepted, an empty city means Duisburg
    assert School.objects.get(number="187654").school_type == SchoolType.GRUNDSCHULE
    assert School.objects.get(number="193001").city == "Duisburg"
    event = AuditEvent.objects.get(action="lernen25.schools.imported")
    assert event.actor == smz
    assert event.data == {"filename": "schools_good.csv", "created": 3, "updated": 0}


def test_known_school_number_updates_the_school(smz):
    SchoolFactory(number="165432", name="Alter Name", pupils=1)

    result = import_schools(actor=smz, data=GOOD)

    assert (result.created, result.updated) == (2, 1)
    assert School.objects.get(number="165432").name == "Gesamtschule Meiderich"


def test_bad_file_reports_every_bad_line_and_imports_nothing(smz):
    SchoolFactory(number="999999", name="Schon da")

    with pytest.raises(Refused) as refusal:
        import_schools(actor=smz, data=BAD)

    assert str(refusal.value.message) == "Die Datei wurde nicht importiert: 4 Zeile(n) fehlerhaft."
    messages = [str(error) for error in refusal.value.details]
    assert "Zeile 3: Schulnummer: Die Schulnummer besteht aus genau sechs Ziffern." in messages
    assert "Zeile 4: Schulform: Unbekannte Schulform „Waldorfschule“." in messages
    assert "Zeile 5: Stadtbezirk: Unbekannter Stadtbezirk „Oberhausen“." in messages
    assert "Zeile 5: Schüler:innen: Bitte eine ganze Zahl eingeben." in messages
    assert "Zeile 6: Die Schulnummer 165432 steht schon in Zeile 2." in messages
    # line 2 is valid, and still nothing was written
    assert list(School.objects.values_list("number", flat=True)) == ["999999"]
    assert not AuditEvent.objects.filter(action="lernen25.schools.imported").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Die Datei ist leer."),
        (b"schulnummer;name\n165432;X\n", "Zeile 1: Es fehlen die Spalten: schulform, stadtbezirk."),
        (b"schulnummer;name;schulform;stadtbezirk\n", "Zeile 1: Die Datei enthält keine Schulen."),
        (b"\x00\xff\xfe" * 10, None),
    ],
)
def test_malformed_files_are_refused_with_a_reason(smz, content, message):
    with pytest.raises(Refused) as refusal:
        import_schools(actor=smz, data=content)

    reasons = [str(refusal.value.message), *(str(e) for e in refusal.value.details)]
    if message:
        assert message in reasons
    assert School.objects.count() == 0


def test_windows_excel_export_with_umlauts_is_read(smz):
    data = "schulnummer;name;schulform;stadtbezirk\n170001;Förderschule Süd;Förderschule;Süd\n".encode("cp1252")

    import_schools(actor=smz, data=data)

    school = School.objects.get(number="170001")
    assert (school.name, school.school_type, school.district) == ("Förderschule Süd", "foerderschule", "sued")


def test_comma_separated_file_is_read(smz):
    data = b"schulnummer,name,schulform,stadtbezirk\n170002,Realschule Hamborn,Realschule,Hamborn\n"

    import_schools(actor=smz, data=data)

    assert School.objects.filter(number="170002", district="hamborn").exists()


def test_utf8_file_with_byte_order_mark_is_read(smz):
    data = "schulnummer;name;schulform;stadtbezirk\n170003;Gymnasium Süd;Gymnasium;Süd\n".encode("utf-8-sig")

    import_schools(actor=smz, data=data)

    assert School.objects.get(number="170003").name == "Gymnasium Süd"


def test_tab_separated_file_is_read(smz):
    data = b"schulnummer\tname\tschulform\tstadtbezirk\n170004\tGesamtschule Mitte\tGesamtschule\tMitte\n"

    import_schools(actor=smz, data=data)

    assert School.objects.filter(number="170004", district="mitte").exists()


def test_line_numbers_count_empty_lines_and_line_breaks_inside_quoted_cells(smz):
    data = (
        "schulnummer;name;schulform;stadtbezirk;strasse\n"
        "\n"
        '170005;Grundschule Nord;Grundschule;Walsum;"Am Hagelkreuz 2\nHintereingang"\n'
        ";;;;\n"
        "170006;Grundschule Süd;Grundschule;Atlantis;\n"
    ).encode()

    with pytest.raises(Refused) as refusal:
        import_schools(actor=smz, data=data)

    # empty lines and lines of empty cells are skipped, but still counted
    messages = [str(error) for error in refusal.value.details]
    assert messages == ["Zeile 6: Stadtbezirk: Unbekannter Stadtbezirk „Atlantis“."]


def test_cells_beyond_the_header_are_ignored(smz):
    data = b"schulnummer;name;schulform;stadtbezirk\n170007;Realschule Hamborn;Realschule;Hamborn;;Notiz\n"

    import_schools(actor=smz, data=data)

    assert School.objects.filter(number="170007", name="Realschule Hamborn").exists()


def test_unclosed_quotation_mark_is_refused_with_the_line_it_begins_on(smz):
    # The rest of the file becomes one cell until the csv reader's cell limit (128 KiB) is exceeded.
    data = (
        "schulnummer;name;schulform;stadtbezirk\n"
        "170008;Realschule Hamborn;Realschule;Hamborn\n"
        '170009;"Realschule Mitte;Realschule;Mitte\n' + "170010;Schule;Gymnasium;Mitte\n" * 6000
    ).encode()

    with pytest.raises(Refused) as refusal:
        import_schools(actor=smz, data=data)

    assert [error.line for error in refusal.value.details] == [3]
    assert School.objects.count() == 0


def test_more_rows_than_allowed_are_refused(smz):
    rows = "".join(f"{170000 + i};Schule {i};Gymnasium;Mitte\n" for i in range(MAX_IMPORT_ROWS + 1))
    data = f"schulnummer;name;schulform;stadtbezirk\n{rows}".encode()

    with pytest.raises(Refused) as refusal:
        import_schools(actor=smz, data=data)

    assert str(refusal.value.message) == "Die Datei hat mehr als 5000 Zeilen; bitte teilen Sie sie auf."
    assert School.objects.count() == 0


def test_teacher_may_not_import(lehrkraft_a):
    with pytest.raises(Refused) as refusal:
        import_schools(actor=lehrkraft_a, data=GOOD)

    assert str(refusal.value.message) == "Sie dürfen keine Schulen importieren."
    assert School.objects.count() == 1  # only the teacher's own school from the fixture


@pytest.mark.django_db
def test_command_imports_a_good_file(capsys):
    call_command("import_schools", str(DATA / "schools_good.csv"))

    assert "3 schools created, 0 updated." in capsys.readouterr().out
    assert School.objects.count() == 3


@pytest.mark.django_db
def test_command_lists_bad_lines_and_fails(capsys):
    with pytest.raises(CommandError, match="nicht importiert"):
        call_command("import_schools", str(DATA / "schools_bad.csv"))

    assert "Zeile 4: Schulform: Unbekannte Schulform „Waldorfschule“." in capsys.readouterr().err
    assert School.objects.count() == 0


class TestAdminImportScreen:
    url = "/admin/schools/import/"

    def test_smz_imports_through_the_admin(self, client, smz):
        client.force_login(smz)

        response = client.post(self.url, {"file": SimpleUploadedFile("s.csv", GOOD, content_type="text/csv")})

        assert response.status_code == 302
        assert School.objects.count() == 3
        follow = client.get(response["Location"])
        assert "3 Schulen angelegt, 0 aktualisiert." in follow.content.decode()

    def test_bad_file_shows_every_error_and_imports_nothing(self, client, smz):
        client.force_login(smz)

        response = client.post(self.url, {"file": SimpleUploadedFile("s.csv", BAD, content_type="text/csv")})

        assert response.status_code == 400
        page = response.content.decode()
        assert "Die Datei wurde nicht importiert: 4 Zeile(n) fehlerhaft." in page
        assert "Zeile 6: Die Schulnummer 165432 steht schon in Zeile 2." in page
        assert School.objects.count() == 0

    def test_listing_offers_the_import_button_to_the_smz(self, client, smz):
        client.force_login(smz)

        page = client.get("/admin/schools/").content.decode()

        assert "CSV importieren" in page

    def test_teacher_cannot_reach_the_import(self, client, lehrkraft_a):
        client.force_login(lehrkraft_a)

        response = client.get(self.url)

        # signed in, but no admin access at all: refused with a German page (lernen25.mfa), no sign-in loop
        assert response.status_code == 403
        assert "Ihr Konto hat keinen Zugang zur Verwaltung." in response.content.decode()

    def test_school_board_sees_schools_but_may_not_import(self, client, schultraeger, school_a):
        client.force_login(schultraeger)

        assert client.get("/admin/schools/").status_code == 200
        assert "CSV importieren" not in client.get("/admin/schools/").content.decode()
        # Wagtail answers a refused admin view with a redirect to the dashboard and a message.
        response = client.get(self.url, follow=True)
        assert response.redirect_chain == [("/admin/", 302)]
        assert "Sie haben leider keinen Zugang zu diesem Bereich." in response.content.decode()
        response = client.post(self.url, {"file": SimpleUploadedFile("s.csv", GOOD, content_type="text/csv")})
        assert School.objects.count() == 1
