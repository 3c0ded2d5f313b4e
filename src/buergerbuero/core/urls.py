from django.urls import path

from buergerbuero.core import views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    # Browsers ask for /favicon.ico whatever the page says; answer with the icon instead of a 404 page.
    path("favicon.ico", views.favicon),
]
