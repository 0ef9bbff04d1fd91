"""``manage.py seed_demo``: load the demo data set once (see ``lernen25.demo``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lernen25 import demo
from lernen25.errors import Refused


class Command(BaseCommand):
    help = (
        "Load the Duisburg-like demo data once: schools of every type in every district, teachers, "
        "one demo account per role, and each installed app's demo data (e.g. PLGs). "
        "Does nothing when the demo accounts exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schools", type=int, default=demo.DEFAULT_SCHOOLS, help=f"default {demo.DEFAULT_SCHOOLS}")
        parser.add_argument(
            "--teachers", type=int, default=demo.DEFAULT_TEACHERS, help=f"default {demo.DEFAULT_TEACHERS}"
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help=f"same seed, same data; default {demo.DEFAULT_SEED}"
        )
        parser.add_argument(
            "--password", default=None, help="password of every demo account; default settings.LERNEN25_DEMO_PASSWORD"
        )

    def handle(self, *args, schools: int, teachers: int, seed: int, password: str | None, **options) -> None:
        try:
            report = demo.seed_demo(seed=seed, schools=schools, teachers=teachers, password=password)
        except Refused as refusal:
            raise CommandError(str(refusal.message)) from None
        for name in report.roles_changed:
            self.stdout.write(f"Set up role group {name}.")
        if report.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded (seed {report.seed}): {report.schools} schools, "
                    f"{report.teachers} teachers, {len(report.accounts)} demo accounts."
                )
            )
            for app, counts in report.by_app.items():
                self.stdout.write(f"  {app}: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
        else:
            self.stdout.write("Demo data is already present; nothing changed.")
        self._print_accounts(report)
        if report.created and report.teachers:
            self.stdout.write(
                f"The {report.teachers} teachers (e.g. {report.teacher_example}) sign in with the same password."
            )

    def _print_accounts(self, report: demo.SeedReport) -> None:
        password = report.password or "(changed since the demo data was loaded)"
        header = ("Role", "E-mail", "Password", "School", "TOTP secret")
        rows = [(row.label, row.email, password, row.school, row.totp_secret) for row in report.accounts]
        widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
        self.stdout.write("")
        for line in [header, tuple("-" * width for width in widths), *rows]:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        self.stdout.write("")
        if any(row.totp_secret for row in report.accounts):
            self.stdout.write(
                "Accounts with a TOTP secret sign in with a second factor: enter the secret in an authenticator app "
                "(time-based, 6 digits, 30 s), or print the current code with\n"
                '  python manage.py shell -c "import time; from allauth.mfa.totp.internal.auth import hotp_value as h; '
                "print('%06d' % h('SECRET', int(time.time()) // 30))\""
            )
            self.stdout.write("")
