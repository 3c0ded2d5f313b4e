from django.urls import path

from buergerbuero.queue import views

app_name = "queue"
urlpatterns = [
    path("<slug:slug>/kiosk/", views.kiosk, name="kiosk"),
    path("<slug:slug>/display/", views.display, name="display"),
    path("<slug:slug>/display/events", views.display_events, name="display_events"),
    path("<slug:slug>/reception/", views.reception, name="reception"),
    path("<slug:slug>/counter/", views.workstation, name="workstation"),
    path("ticket/<uuid:public_id>/", views.ticket, name="ticket"),
]
