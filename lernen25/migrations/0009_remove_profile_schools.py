from django.db import migrations


class Migration(migrations.Migration):
    """A person's schools are the functions a school granted them, no longer a profile choice."""

    dependencies = [
        ("lernen25", "0008_roles_to_school_functions"),
    ]

    operations = [
        migrations.RemoveField(model_name="profile", name="schools"),
    ]
