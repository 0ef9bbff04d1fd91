"""Reference data every installation needs: the subjects and the home page."""

from django.db import migrations
from django.utils.text import slugify

SUBJECTS = [
    "Deutsch",
    "Mathematik",
    "Englisch",
    "Französisch",
    "Spanisch",
    "Latein",
    "Türkisch",
    "Sachunterricht",
    "Biologie",
    "Chemie",
    "Physik",
    "Informatik",
    "Technik",
    "Geschichte",
    "Erdkunde",
    "Politik/Wirtschaft",
    "Sozialwissenschaften",
    "Philosophie",
    "Praktische Philosophie",
    "Evangelische Religionslehre",
    "Katholische Religionslehre",
    "Islamischer Religionsunterricht",
    "Kunst",
    "Musik",
    "Sport",
    "Textilgestaltung",
    "Hauswirtschaft",
    "Arbeitslehre",
    "Deutsch als Zweitsprache",
    "Medienbildung",
]


def create_subjects(apps, schema_editor):
    Subject = apps.get_model("lernen25", "Subject")
    for name in SUBJECTS:
        Subject.objects.get_or_create(
            slug=slugify(
                name.replace("/", "-").replace("ö", "oe").replace("ä", "ae").replace("ü", "ue").replace("ß", "ss")
            ),
            defaults={"name": name},
        )


def create_home_page(apps, schema_editor):
    """Replace Wagtail's welcome page with our home page and point the default site at it."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    HomePage = apps.get_model("lernen25", "HomePage")

    Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="lernen25")
    root = Page.objects.get(depth=1)
    home = HomePage.objects.create(
        title="Lernen 25",
        draft_title="Lernen 25",
        slug="home",
        content_type=content_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale_id=root.locale_id,
        intro="",
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page_id": home.id, "site_name": "Lernen 25"},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("lernen25", "0002_homepage"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(create_subjects, migrations.RunPython.noop),
        migrations.RunPython(create_home_page, migrations.RunPython.noop),
    ]
