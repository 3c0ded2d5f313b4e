from django.urls import path

from buergerbuero.accounts import key_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.start, name="start"),
    path("anmelden/", views.sign_in, name="login"),
    path("anmelden/code/", views.verify, name="verify"),
    path("anmelden/einrichten/", views.enrol, name="enrol"),
    path("anmelden/schluessel/optionen/", key_views.sign_in_options, name="key_sign_in_options"),
    path("anmelden/schluessel/", key_views.sign_in, name="key_sign_in"),
    path("anmelden/dienstkonto/", views.sso_start, name="sso_start"),
    path("anmelden/dienstkonto/zurueck/", views.sso_callback, name="sso_callback"),
    path("anmelden/dienstkonto/abgemeldet/", views.sso_backchannel_logout, name="sso_backchannel_logout"),
    path("abmelden/", views.sign_out, name="logout"),
    path("sicherheit/", key_views.security, name="security"),
    path("sicherheit/app/", key_views.add_app, name="add_app"),
    path("sicherheit/schluessel/optionen/", key_views.register_options, name="key_register_options"),
    path("sicherheit/schluessel/", key_views.register, name="key_register"),
    path("sicherheit/schluessel/<int:key_id>/entfernen/", key_views.remove_key, name="key_remove"),
    path("sicherheit/wiederherstellungscodes/", key_views.recovery_codes, name="recovery_codes"),
]
