"""Notifications become a kind with parameters, rendered in the reader's language.

Existing rows keep their text (``stored_text``); their ``verb`` is their kind.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lernen25", "0009_remove_profile_schools"),
    ]

    operations = [
        migrations.RenameField(model_name="notification", old_name="verb", new_name="kind"),
        migrations.RenameField(model_name="notification", old_name="text", new_name="stored_text"),
        migrations.AlterField(
            model_name="notification",
            name="stored_text",
            field=models.CharField(blank=True, max_length=500, verbose_name="Text"),
        ),
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
