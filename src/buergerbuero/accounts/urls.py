from django.urls import path

from buergerbuero.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.start, name="start"),
    path("anmelden/", views.sign_in, name="login"),
    path("anmelden/code/", views.verify, name="verify"),
    path("anmelden/einrichten/", views.enrol, name="enrol"),
    path("abmelden/", views.sign_out, name="logout"),
]
