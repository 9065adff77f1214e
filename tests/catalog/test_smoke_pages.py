import pytest
from django.urls import reverse

URLS = [
    ("catalog:framework-list", {}),
    ("catalog:component-list", {}),
    ("catalog:matrix", {}),
    ("catalog:charts", {}),
    ("catalog:upkeep", {}),
    ("catalog:framework-detail", {"slug": "django"}),
    ("catalog:component-detail", {"slug": "jinja2"}),
]


@pytest.mark.parametrize(("name", "kwargs"), URLS)
def test_page_renders(client, small_catalog, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
