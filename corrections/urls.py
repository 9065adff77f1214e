from django.urls import path

from corrections import views

app_name = "corrections"

urlpatterns = [
    path("", views.report, name="report"),
    path("thanks/", views.thanks, name="thanks"),
]
