from django.core.management.base import BaseCommand

from plc.digest import send_mention_digest


class Command(BaseCommand):
    help = "Mail each person the unread @mentions of the last day (run once a day)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="how far back to look (default 24)")

    def handle(self, *args, hours: int, **options):
        sent = send_mention_digest(hours=hours)
        self.stdout.write(f"{sent} digest mail(s) sent.")
