from django.core.management.base import BaseCommand

from legal.seed import seed_legal_pages


class Command(BaseCommand):
    help = "Create the imprint, privacy and accessibility pages where they are missing (idempotent)."

    def handle(self, *args, **options):
        report = seed_legal_pages()
        if report.skipped:
            self.stdout.write(f"Legal pages not created: {report.skipped}.")
        elif report.created:
            self.stdout.write(f"Legal pages created: {', '.join(report.created)}.")
        else:
            self.stdout.write("Legal pages exist already.")
