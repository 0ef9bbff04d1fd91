from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lernen25.errors import Refused
from lernen25.services import import_schools


class Command(BaseCommand):
    help = "Import schools from a CSV file: all rows, or none and a list of every bad row."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        try:
            # Operators run this on the server: the command acts as the system (no actor check).
            result = import_schools(actor=None, data=data, filename=path.name, system=True)
        except Refused as refusal:
            for error in refusal.details:
                self.stderr.write(str(error))
            raise CommandError(str(refusal.message)) from None
        self.stdout.write(f"{result.created} schools created, {result.updated} updated.")
