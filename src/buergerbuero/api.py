"""The JSON API: one NinjaAPI with the routers of the apps, OpenAPI at /api/openapi.json, docs at /api/docs."""

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from buergerbuero.accounts.auth import public_or_staff_auth
from buergerbuero.applications.api import router as applications_router
from buergerbuero.booking.api import router as booking_router
from buergerbuero.booking.fair_api import router as fair_router
from buergerbuero.callcenter.api import router as callcenter_router
from buergerbuero.catalog.api import router as catalog_router
from buergerbuero.core import openapi, problems
from buergerbuero.insights.api import router as insights_router
from buergerbuero.queue.api import router as queue_router


class BuergerbueroAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None) -> OpenAPISchema:
        return openapi.complete(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = BuergerbueroAPI(
    title="buergerbuero API",
    version="1",
    description="Termine, Verfügbarkeit und Kennzahlen eines Bürgerbüros. Fehler als RFC 9457 problem+json.",
    urls_namespace="api",
    # Public operations run as anonymous, or as the staff member of a token or a session (whose writes then
    # need the CSRF token); staff routers require one of the two.
    auth=public_or_staff_auth,
)
problems.install(api)
api.add_router("/", catalog_router)
api.add_router("/", booking_router)
api.add_router("/", fair_router)
api.add_router("/", insights_router)
api.add_router("/", queue_router)
api.add_router("/", applications_router)
api.add_router("/callcenter", callcenter_router)
