from django.urls import path

from buergerbuero.callcenter import views

app_name = "callcenter"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("suche", views.search_results, name="search"),
    path("anrufe", views.log_call, name="log_call"),
    path("rueckrufe/neu", views.create_ticket, name="create_ticket"),
    path("termin", views.book, name="book"),
    path("rueckrufe/", views.tickets, name="tickets"),
    path("rueckrufe/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("kennzahlen/", views.numbers, name="numbers"),
    path("kennzahlen/import", views.import_intervals, name="import_intervals"),
    path("abrechnung/<int:contract_id>/<str:month>.<str:ext>", views.statement, name="statement"),
    path("wissen/abdeckung/", views.coverage, name="coverage"),
]
