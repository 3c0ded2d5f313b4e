from django.urls import path

from buergerbuero.booking import waitlist_views

app_name = "waitlist"
urlpatterns = [
    path("warteliste/", waitlist_views.register, name="register"),
    path("warteliste/angebot/<uuid:public_id>/", waitlist_views.offer, name="offer"),
]
