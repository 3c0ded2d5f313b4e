from django.urls import path

from buergerbuero.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.start, name="start"),
    path("anmelden/", views.sign_in, name="login"),
    path("anmelden/code/", views.verify, name="verify"),
    path("anmelden/einrichten/", views.enrol, name="enrol"),
    path("anmelden/dienstkonto/", views.sso_start, name="sso_start"),
    path("anmelden/dienstkonto/zurueck/", views.sso_callback, name="sso_callback"),
    path("abmelden/", views.sign_out, name="logout"),
]
