from django.urls import path

from buergerbuero.booking.waitlist import views

app_name = "waitlist"
urlpatterns = [
    path("warteliste/", views.register, name="register"),
    path("warteliste/angebot/<uuid:public_id>/", views.offer, name="offer"),
]
