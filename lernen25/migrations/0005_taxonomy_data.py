"""Reference data: the Medienkompetenzrahmen NRW and grade levels 1–13."""

from django.db import migrations

AREAS = {
    "1": (
        "Bedienen und Anwenden",
        [
            "Medienausstattung (Hardware)",
            "Digitale Werkzeuge",
            "Datenorganisation",
            "Datenschutz und Informationssicherheit",
        ],
    ),
    "2": (
        "Informieren und Recherchieren",
        ["Informationsrecherche", "Informationsauswertung", "Informationsbewertung", "Informationskritik"],
    ),
    "3": (
        "Kommunizieren und Kooperieren",
        [
            "Kommunikations- und Kooperationsprozesse",
            "Kommunikations- und Kooperationsregeln",
            "Kommunikation und Kooperation in der Gesellschaft",
            "Cybergewalt und -kriminalität",
        ],
    ),
    "4": (
        "Produzieren und Präsentieren",
        ["Medienproduktion und Präsentation", "Gestaltungsmittel", "Quellendokumentation", "Rechtliche Grundlagen"],
    ),
    "5": (
        "Analysieren und Reflektieren",
        ["Medienanalyse", "Meinungsbildung", "Identitätsbildung", "Selbstregulierte Mediennutzung"],
    ),
    "6": (
        "Problemlösen und Modellieren",
        [
            "Prinzipien der digitalen Welt",
            "Algorithmen erkennen",
            "Modellieren und Programmieren",
            "Bedeutung von Algorithmen",
        ],
    ),
}


def load(apps, schema_editor):
    Competence = apps.get_model("lernen25", "Competence")
    GradeLevel = apps.get_model("lernen25", "GradeLevel")
    for area_code, (area, names) in AREAS.items():
        for index, name in enumerate(names, start=1):
            Competence.objects.get_or_create(code=f"{area_code}.{index}", defaults={"area": area, "name": name})
    for number in range(1, 14):
        GradeLevel.objects.get_or_create(number=number)


class Migration(migrations.Migration):
    dependencies = [("lernen25", "0004_competence_gradelevel_notification")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
