from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.framework_list, name="framework-list"),
    path("matrix/", views.matrix, name="matrix"),
]
