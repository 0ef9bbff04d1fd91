"""Creating the legal pages where they are missing: idempotent, run after every ``migrate``.

Why ``post_migrate`` (``LegalConfig.ready``) and not a data migration or the demo seeding:

- the pages are needed on every installation, not only on demo machines, so ``seed_demo`` is the
  wrong place (and the core-only settings test that no app registers a demo seeder);
- a data migration runs once per database and works on historical models: it cannot make a
  revision, and a page removed from the tree would never come back; after ``migrate`` the real
  models write the page with its first revision, as the admin would;
- ``post_migrate`` also runs when a test database is created and after the flush of a
  transactional test (pytest-django), so the pages exist in every test without a fixture.

A page that exists (of its kind, anywhere in the tree, live or not) is never touched: the SMZ's
edits stay, and an unpublished page stays unpublished. ``manage.py seed_legal_pages`` does the
same by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from legal.content import PAGES
from legal.models import LegalKind, LegalPage


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    skipped: str = ""  # why nothing could be created


def _tables_exist() -> bool:
    tables = set(connection.introspection.table_names())
    return {LegalPage._meta.db_table, "lernen25_homepage"} <= tables


@transaction.atomic
def seed_legal_pages() -> SeedReport:
    """Create each legal page that does not exist yet, published, under the home page."""
    from lernen25.models import HomePage

    report = SeedReport()
    if not _tables_exist():
        report.skipped = "tables missing"
        return report
    home = HomePage.objects.first()
    if home is None:
        report.skipped = "no home page"
        return report
    existing = set(LegalPage.objects.values_list("kind", flat=True))
    today = timezone.localdate()
    for kind in LegalKind:
        if kind in existing:
            continue
        title, slug, body = PAGES[kind]
        if home.get_children().filter(slug=slug).exists():
            slug = f"{slug}-{kind}"  # a page of that name exists already: keep it, use another address
        page = LegalPage(title=title, slug=slug, kind=kind, last_reviewed=today, body=body(today))
        home.add_child(instance=page)
        page.save_revision().publish()
        report.created.append(kind)
        home.refresh_from_db()  # treebeard: the next child needs the new numchild
    if report.created:
        from legal.links import forget

        forget()
    return report
