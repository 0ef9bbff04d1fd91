"""Receivers: the pages after ``migrate`` (connected in ``LegalConfig.ready``), the footer's cache."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from legal import links
from legal.models import LegalPage


def seed_after_migrate(sender, using="default", plan=None, **kwargs) -> None:
    """After ``migrate`` (also of a test database, and after a test's flush): the missing pages."""
    from legal.seed import seed_legal_pages

    if using != "default":
        return
    seed_legal_pages()


@receiver(page_published, sender=LegalPage)
@receiver(page_unpublished, sender=LegalPage)
@receiver(page_slug_changed, sender=LegalPage)
@receiver(post_page_move, sender=LegalPage)
@receiver(post_delete, sender=LegalPage)
def forget_footer_links(sender, **kwargs) -> None:
    links.forget()
