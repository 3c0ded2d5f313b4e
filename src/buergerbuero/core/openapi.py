"""What ninja cannot say by itself in the OpenAPI document: optional auth and the problem+json error answers.

Every operation declares the errors it can give, derived from the same things that cause them: auth gives
401 (no or a wrong token) and 403 (rights, CSRF on writes), any input gives 400 (rule violation or unreadable
body), 404 (an unknown id, code or office) and 422 (malformed value), any write 400, 404 (e.g. nobody
waiting) and 409 (the state changed, e.g. a time was taken). Operations add what only they give
(429 where a rate limit applies) with `problems.responses(...)` in their `response=`.
"""

from ninja.openapi.schema import OpenAPISchema

from buergerbuero.accounts.auth import PublicAccess
from buergerbuero.core.problems import PROBLEM_MEDIA_TYPE, ProblemOut

UNSAFE = {"post", "put", "patch", "delete"}
DESCRIPTIONS = {
    400: "Regelverstoß oder unlesbarer Inhalt (problem+json)",
    401: "Anmeldung fehlt oder API-Schlüssel ungültig (problem+json)",
    403: "Keine Berechtigung oder CSRF-Token fehlt (problem+json)",
    404: "Nicht gefunden (problem+json)",
    409: "Konflikt, z. B. Zeit vergeben (problem+json)",
    422: "Ungültiger Wert in einem Feld (problem+json)",
    429: "Zu viele Anfragen; Retry-After (problem+json)",
}


def complete(schema: OpenAPISchema) -> OpenAPISchema:
    anonymous = PublicAccess.__name__
    schema["components"].get("securitySchemes", {}).pop(anonymous, None)
    reference = {"$ref": f"#/components/schemas/{ProblemOut.__name__}"}
    problem = ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schema["components"]["schemas"].update({**problem.pop("$defs", {}), ProblemOut.__name__: problem})
    for methods in schema["paths"].values():
        for method, operation in methods.items():
            security = operation.get("security")
            public = not security or any(anonymous in requirement for requirement in security)
            if security:
                operation["security"] = [({} if anonymous in r else r) for r in security]
            has_input = bool(operation.get("parameters") or operation.get("requestBody"))
            statuses = {int(code) for code in operation["responses"] if 400 <= int(code) < 500}
            if security:
                statuses.add(401)
                if not public or method in UNSAFE:
                    statuses.add(403)
            if has_input:
                statuses |= {400, 404, 422}
            if method in UNSAFE:  # a write may break a rule, find nothing to act on, or meet a changed state
                statuses |= {400, 404, 409}
            answers = {int(code): answer for code, answer in operation["responses"].items()}
            for status in statuses:
                answers[status] = {
                    "description": DESCRIPTIONS[status],
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": reference}},
                }
            operation["responses"] = {str(code): answers[code] for code in sorted(answers)}
    return schema
