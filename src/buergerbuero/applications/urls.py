from django.urls import path

from buergerbuero.applications import views

app_name = "applications"
urlpatterns = [
    path("", views.index, name="index"),
    path("anmelden/<slug:provider>/", views.identity_start, name="identity_start"),
    path("anmelden/<slug:provider>/acs", views.identity_acs, name="identity_acs"),
    path("anmelden/<slug:provider>/fertig/<uuid:public_id>", views.identity_done, name="identity_done"),
    path("anmelden/<slug:provider>/metadata", views.identity_metadata, name="identity_metadata"),
    path("abmelden", views.identity_logout, name="identity_logout"),
]
