"""Migration 0008: the former global groups become school functions at the profile's schools."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("lernen25", "0007_school_functions")]
AFTER = [("lernen25", "0009_remove_profile_schools")]


# serialized_rollback: the flush afterwards would wipe the pages the migrations made (Wagtail root, PLG directory).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_school_groups_become_functions_and_disappear():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        Group, User = apps.get_model("auth", "Group"), apps.get_model("lernen25", "User")
        School, Profile = apps.get_model("lernen25", "School"), apps.get_model("lernen25", "Profile")
        school = School.objects.create(number="165432", name="GS", school_type="gesamtschule", district="mitte")
        people = {}
        for email, group in (
            ("l@x.de", "Lehrkraft"),
            ("m@x.de", "Medienbeauftragte"),
            ("s@x.de", "Schulleitung"),
            ("ohne@x.de", "Lehrkraft"),
            ("smz@x.de", "SMZ-Moderation"),
        ):
            user = User.objects.create(email=email)
            profile = Profile.objects.create(user=user)
            if email != "ohne@x.de":
                profile.schools.add(school)
            Group.objects.get_or_create(name=group)[0].user_set.add(user)
            people[email] = user

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)

        apps = executor.loader.project_state(AFTER).apps
        Affiliation, Group = apps.get_model("lernen25", "Affiliation"), apps.get_model("auth", "Group")
        got = set(Affiliation.objects.values_list("user__email", "school__number", "function", "source"))
        assert got == {
            ("l@x.de", "165432", "lehrkraft", "migration"),
            ("m@x.de", "165432", "medienbeauftragte", "migration"),
            ("s@x.de", "165432", "schulleitung", "migration"),
        }
        names = set(Group.objects.values_list("name", flat=True))
        assert "SMZ-Moderation" in names
        assert not names & {"Lehrkraft", "Medienbeauftragte", "Schulleitung"}
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
