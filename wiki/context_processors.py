from django.conf import settings


def site(request) -> dict:
    return {"SITE_NAME": settings.WIKI_SITE_NAME}
