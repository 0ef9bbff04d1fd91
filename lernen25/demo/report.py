"""What ``seed_demo`` did, for the command to print."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class AccountRow:
    label: str
    email: str
    school: str = ""
    totp_secret: str = ""  # the authenticator app's secret of the powerful accounts (lernen25.mfa)


@dataclass
class SeedReport:
    """What ``seed_demo`` did, for the command to print."""

    created: bool  # False: the demo data was already there and nothing changed
    accounts: list[AccountRow] = field(default_factory=list)
    password: str | None = None  # None: the accounts' password is no longer the one given
    seed: int | None = None
    schools: int = 0
    teachers: int = 0
    teacher_example: str = ""
    roles_changed: list[str] = field(default_factory=list)
    by_app: dict[str, dict[str, int]] = field(default_factory=dict)  # each app seeder's counts: {"plc": {"plgs": 4}}
