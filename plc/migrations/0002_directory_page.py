"""The PLG directory page under the home page (at /plg/)."""

from django.db import migrations


def create_directory(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    HomePage = apps.get_model("lernen25", "HomePage")
    PlgIndexPage = apps.get_model("plc", "PlgIndexPage")
    home = HomePage.objects.first()
    if home is None or PlgIndexPage.objects.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(model="plgindexpage", app_label="plc")
    # Treebeard's materialised path: the next free child slot under the home page.
    siblings = Page.objects.filter(path__startswith=home.path, depth=home.depth + 1).order_by("-path")
    last = siblings.first()
    next_number = int(last.path[-4:], 36) + 1 if last else 1
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    step = ""
    n = next_number
    for _i in range(4):
        step = alphabet[n % 36] + step
        n //= 36
    PlgIndexPage.objects.create(
        title="PLGs",
        draft_title="PLGs",
        slug="plg",
        content_type=content_type,
        path=home.path + step,
        depth=home.depth + 1,
        numchild=0,
        url_path=home.url_path + "plg/",
        locale_id=home.locale_id,
        live=True,
        intro="",
    )
    Page.objects.filter(pk=home.pk).update(numchild=home.numchild + 1)


class Migration(migrations.Migration):
    dependencies = [("plc", "0001_initial"), ("lernen25", "0005_taxonomy_data")]

    operations = [migrations.RunPython(create_directory, migrations.RunPython.noop)]
