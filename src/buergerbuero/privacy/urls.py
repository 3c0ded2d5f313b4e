from django.urls import path

from buergerbuero.privacy import views

app_name = "privacy"

urlpatterns = [
    path("protokoll/", views.audit_log, name="audit_log"),
    path("protokoll.csv", views.audit_csv, name="audit_csv"),
]
