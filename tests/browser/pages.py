"""The main pages every browser check visits, by name."""

PUBLIC_PAGES = {
    "front": "/",
    "wiki-page": "/wiki/web-frameworks/",
    "page-list": "/wiki/",
    "history": "/wiki/web-frameworks/history/",
    "diff": "/wiki/web-frameworks/diff/1/2/",
    "backlinks": "/wiki/web-frameworks/backlinks/",
    "catalog-list": "/catalog/?kind=micro",
    "framework": "/catalog/flask/",
    "matrix": "/catalog/matrix/",
    "compare": "/catalog/compare/?f=django&f=flask&f=pyramid",
    "compare-one": "/catalog/compare/?f=flask",
    "cell": "/catalog/matrix/django/jinja2/",
    "charts": "/catalog/charts/",
    "grid": "/catalog/grid/",
    "grid-group": "/catalog/grid/batteries/",
    "capability": "/catalog/capabilities/asgi/",
    "catalog-history": "/catalog/django/history/",
    "search": "/search/?q=template",
    "did-you-mean": "/search/?q=cherypy",
    "missing-page": "/wiki/session-management/?title=SessionManagement",
}
# A page nobody else in the suite edits, for the admin change form.
ADMIN_EDIT_SLUG = "python-frameworks"


def open_admin_editor(page, slug: str = ADMIN_EDIT_SLUG) -> None:
    page.goto(f"/wiki/{slug}/")
    page.get_by_role("navigation", name="Page").get_by_role("link", name="Edit").click()
    page.wait_for_url("**/admin/wiki/page/*/change/")
