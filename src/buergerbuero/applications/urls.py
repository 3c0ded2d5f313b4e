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
    path("dienst/<slug:slug>/", views.service_start, name="service"),
    path("antrag/<uuid:public_id>/", views.application_form, name="form"),
    path("antrag/<uuid:public_id>/termin", views.application_appointment, name="appointment"),
    path("antrag/<uuid:public_id>/status", views.application_status, name="status"),
    path("antrag/<uuid:public_id>/dokument", views.application_document, name="document"),
    path("antrag/<uuid:public_id>/bezahlen", views.application_pay, name="pay"),
    path("zahlung/<str:reference>/rueckmeldung", views.payment_notify, name="payment_notify"),
    path("zertifikat.pem", views.signing_ca, name="signing_ca"),
    path("fotopruefung", views.photo_check, name="photo_check"),
    path("verwaltung/", views.staff_list, name="staff_list"),
    path("verwaltung/kasse.csv", views.staff_treasury_csv, name="staff_treasury_csv"),
    path("verwaltung/termin/<str:code>", views.staff_by_appointment, name="staff_by_appointment"),
    path("verwaltung/<str:reference>/", views.staff_detail, name="staff_detail"),
    path("verwaltung/<str:reference>/datei/<int:attachment_id>", views.staff_attachment, name="staff_attachment"),
]
