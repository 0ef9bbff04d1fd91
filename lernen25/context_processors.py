from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    """Values every page needs: site name, current path (language switch), unread notifications."""
    from lernen25.notifications import unread_count

    user = getattr(request, "user", None)
    return {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "current_path": request.get_full_path(),
        # Lazy: one COUNT query, only when the header renders it.
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user) if user is not None else 0),
    }
