"""Turn EMAIL_URL into Django's e-mail settings.

smtp://user:password@host:587 (STARTTLS), smtps://…:465 (TLS), file:///path (one .log file per mail),
console:// and locmem:// (tests).
"""

from urllib.parse import unquote, urlsplit


def parse_email_url(url: str) -> dict:
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path),
        }
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme in {"smtp", "smtps"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if scheme == "smtps" else 587),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": scheme == "smtp" and (parts.port or 587) == 587,
            "EMAIL_USE_SSL": scheme == "smtps",
        }
    raise ValueError(f"EMAIL_URL scheme {scheme!r} is not supported (smtp, smtps, file, console, locmem)")
