from django.urls import path

from buergerbuero.booking import views

app_name = "booking"
urlpatterns = [
    path("", views.start, name="start"),
    path("termine/<slug:office_slug>/", views.times, name="times"),
    path("termine/<slug:office_slug>/reservieren/", views.hold, name="hold"),
    path("reservierung/<uuid:public_id>/", views.contact, name="contact"),
    path("reservierung/<uuid:public_id>/e-mail-gesendet/", views.sent, name="sent"),
    path("bestaetigen/<str:token>/", views.opt_in, name="opt_in"),
    path("meine-buchung/", views.resend_links, name="resend_links"),
    path("meine-buchung/<str:token>/", views.manage, name="manage"),
    path("meine-buchung/<str:token>/termin.ics", views.ics, name="ics"),
    path("meine-buchung/<str:token>/absagen/", views.cancel, name="cancel"),
    path("meine-buchung/<str:token>/verschieben/", views.reschedule, name="reschedule"),
    path("info/<slug:page>/", views.legal, name="legal"),
]
