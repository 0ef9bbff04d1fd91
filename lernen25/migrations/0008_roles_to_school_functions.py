"""The global groups Lehrkraft, Medienbeauftragte and Schulleitung become school functions.

Each member of one of these groups gets that function at every school of their profile
(source "migration", no granting person: the grant was the group membership). Members without a
school in their profile lose the group and become guests until a school confirms them; the
count is printed. Then the three groups are deleted: city-wide roles stay groups.
"""

from django.db import migrations
from django.utils import timezone

GROUP_TO_FUNCTION = {
    "Lehrkraft": "lehrkraft",
    "Medienbeauftragte": "medienbeauftragte",
    "Schulleitung": "schulleitung",
}


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Profile = apps.get_model("lernen25", "Profile")
    Affiliation = apps.get_model("lernen25", "Affiliation")
    now = timezone.now()
    rows, without_school = {}, set()
    for group in Group.objects.filter(name__in=GROUP_TO_FUNCTION):
        function = GROUP_TO_FUNCTION[group.name]
        for user_id in group.user_set.values_list("pk", flat=True):
            profile = Profile.objects.filter(user_id=user_id).first()
            school_ids = list(profile.schools.values_list("pk", flat=True)) if profile else []
            if not school_ids:
                without_school.add(user_id)
            for school_id in school_ids:
                rows[(user_id, school_id, function)] = Affiliation(
                    user_id=user_id, school_id=school_id, function=function, source="migration", granted_at=now
                )
    Affiliation.objects.bulk_create(list(rows.values()), batch_size=1000)
    Group.objects.filter(name__in=GROUP_TO_FUNCTION).delete()
    if without_school:
        print(f"\n  {len(without_school)} account(s) had a school role but no school: they are guests now.")


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Profile = apps.get_model("lernen25", "Profile")
    Affiliation = apps.get_model("lernen25", "Affiliation")
    groups = {function: Group.objects.get_or_create(name=name)[0] for name, function in GROUP_TO_FUNCTION.items()}
    for affiliation in Affiliation.objects.filter(revoked_at__isnull=True):
        groups[affiliation.function].user_set.add(affiliation.user_id)
        profile, _created = Profile.objects.get_or_create(user_id=affiliation.user_id)
        profile.schools.add(affiliation.school_id)


class Migration(migrations.Migration):
    dependencies = [
        ("lernen25", "0007_school_functions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
