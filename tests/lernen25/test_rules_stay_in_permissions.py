"""No template or script decides a permission: they read flags computed by the rule table.

Scans every template of the project and our JavaScript for the habits that restate a rule
outside ``permissions.py``: superuser and staff checks, role and group names, comparisons of
user ids or membership roles, Django's ``perms`` proxy. The few places that may keep such a
line are listed in ``ALLOWED`` with the reason; a listed line that no longer exists fails too,
so the list cannot rot.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("frontend", "lernen25", "plc", "sso", "medienkonzepte", "software_catalog")

SUSPICIOUS = [
    (re.compile(r"is_superuser|is_staff"), "superuser/staff check"),
    (re.compile(r"\.groups\b|groups__name|GROUP_NAMES"), "group membership"),
    (re.compile(r"\bperms\."), "Django's perms proxy (True for superusers, whatever the rule)"),
    (re.compile(r"\.role\s*(==|!=|===|!==)|(==|!=)\s*[\"']lead[\"']"), "role comparison"),
    (
        re.compile(
            r"(\.pk|_id|\.id|\bme\b|\buser\b)\s*(==|!=|===|!==)\s*[\w.]+|[\w.]+\s*(==|!=|===|!==)\s*(\bme\b|[\w.]*\.pk\b)"
        ),
        "comparison of user ids",
    ),
    (
        re.compile(r"[\"'](PLG-Leitung|SMZ-Moderation|Datenschutz|Schulträger|Administration|Schulleitung)[\"']"),
        "role name",
    ),
]

# (file relative to the project, a piece of the line) → why it may stay.
ALLOWED = {
    ("frontend/templates/includes/_header.html", "perms.lernen25.access_admin"): (
        "the admin link: access to Wagtail's admin is Django's own permission (a superuser has it)"
    ),
    ("frontend/static/js/discussion.js", "const mine = author === me"): (
        "applies the server's 'own' scope (plc.permissions.message_scopes) to a live message"
    ),
    ("frontend/static/js/discussion.js", "if (frame.author !== me)"): "announces others' messages only",
    ("frontend/static/js/discussion.js", "frame.user === me"): "one's own typing is not shown",
    ("frontend/static/js/discussion.js", "frame.topic !== topic"): "topic ids, not user ids",
    ("frontend/static/js/discussion.js", "frame.id === topic"): "topic ids, not user ids",
}


def _sources() -> list[Path]:
    files = []
    for app in APPS:
        base = ROOT / app
        files += [p for p in base.rglob("*.html") if "node_modules" not in p.parts]
        files += list((base / "static").rglob("*.js")) if (base / "static").exists() else []
    return sorted(files)


def _findings() -> tuple[list[str], set]:
    problems, used = [], set()
    for path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for pattern, what in SUSPICIOUS:
                if not pattern.search(line):
                    continue
                allowed = [key for key in ALLOWED if key[0] == relative and key[1] in line]
                if allowed:
                    used.update(allowed)
                else:
                    problems.append(f"{relative}:{number}: {what}: {line.strip()[:140]}")
    return problems, used


def test_templates_and_scripts_decide_no_permission():
    problems, _used = _findings()
    assert problems == [], "Ask the rule table instead ({% allowed %} or a flag from the selector):\n" + "\n".join(
        problems
    )


def test_every_allowlisted_line_still_exists():
    _problems, used = _findings()
    assert set(ALLOWED) - used == set()


def test_the_scan_finds_what_it_is_for(tmp_path):
    """The patterns catch the habits named in the module's docstring (the scan can fail)."""
    lines = [
        "{% if user.is_superuser %}",
        "{% if message.author_id == viewer.pk %}",
        '{% if membership.role == "lead" %}',
        "{% if perms.plc.curate %}",
        "if (author === me) {",
        "const smz = groups.includes('SMZ-Moderation');",
    ]
    for line in lines:
        assert any(pattern.search(line) for pattern, _what in SUSPICIOUS), line
