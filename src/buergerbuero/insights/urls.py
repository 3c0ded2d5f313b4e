from django.urls import path

from buergerbuero.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/bericht/", views.committee_report, name="report"),
    path("<slug:slug>/bericht.pdf", views.committee_report_pdf, name="report_pdf"),
    path("<slug:slug>/export/<slug:key>.csv", views.export_csv, name="export"),
]
