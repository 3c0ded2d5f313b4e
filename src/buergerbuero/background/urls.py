from django.urls import path

from buergerbuero.background import views

app_name = "background"
urlpatterns = [
    path("", views.index, name="index"),
    path("nachrichten/<int:pk>/erneut-senden/", views.resend, name="resend"),
]
