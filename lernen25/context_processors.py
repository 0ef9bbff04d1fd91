from django.conf import settings


def site(request):
    """Values every page needs: the site name and the current path for the language switch."""
    return {"site_name": settings.WAGTAIL_SITE_NAME, "current_path": request.get_full_path()}
