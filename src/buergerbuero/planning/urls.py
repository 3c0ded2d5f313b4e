from django.urls import path

from buergerbuero.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    path("szenarien/<int:pk>/", views.scenario, name="scenario"),
    path("szenarien/<int:pk>/starten", views.rerun, name="rerun"),
    path("laeufe/<int:pk>/", views.run_detail, name="run"),
    path("vergleich/", views.compare, name="compare"),
]
