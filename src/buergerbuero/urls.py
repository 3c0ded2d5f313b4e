from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from buergerbuero.api import api

urlpatterns = [
    # The admin has no login of its own: the staff sign-in asks the second factor (admin/login/?next=… keeps next).
    path("admin/login/", RedirectView.as_view(url="/intern/anmelden/", query_string=True), name="admin_login"),
    path("admin/", admin.site.urls),
    path("intern/", include("buergerbuero.accounts.urls")),
    path("api/", api.urls),
    path("queue/", include("buergerbuero.queue.urls")),
    path("callcenter/", include("buergerbuero.callcenter.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("buergerbuero.booking.waitlist.urls")),
    path("insights/", include("buergerbuero.insights.urls")),
    path("planung/", include("buergerbuero.planning.urls")),
    path("online/", include("buergerbuero.applications.urls")),
    path("betrieb/", include("buergerbuero.background.urls")),
    path("datenschutz/", include("buergerbuero.privacy.urls")),
    path("", include("buergerbuero.core.urls")),
    path("", include("buergerbuero.booking.urls")),
]

# One error page in German and English with the reason and a way back (core/error_views.py), also with DEBUG off.
handler400 = "buergerbuero.core.error_views.bad_request"
handler403 = "buergerbuero.core.error_views.permission_denied"
handler404 = "buergerbuero.core.error_views.page_not_found"
handler500 = "buergerbuero.core.error_views.server_error"
