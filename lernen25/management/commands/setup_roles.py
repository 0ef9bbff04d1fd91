from django.core.management.base import BaseCommand

from lernen25.setup import setup_roles


class Command(BaseCommand):
    help = "Create or update the role groups (Lehrkraft, PLG-Leitung, SMZ-Moderation, …) and their permissions."

    def handle(self, *args, **options):
        report = setup_roles()
        if not report.changed:
            self.stdout.write("Roles are up to date; nothing changed.")
            return
        for name in report.created_groups:
            self.stdout.write(f"created group {name}")
        for name in report.changed_groups:
            self.stdout.write(f"updated permissions of group {name}")
