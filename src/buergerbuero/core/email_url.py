"""Turn EMAIL_URL into Django's MAILERS setting.

smtp://user:password@host:587 (STARTTLS), smtps://…:465 (TLS),
file:///path (one .eml file per Message-ID, core/mailfolder.py), console:// and locmem:// (tests).
"""

from urllib.parse import unquote, urlsplit

BACKENDS = "django.core.mail.backends."


def parse_email_url(url: str) -> dict:
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "file":
        return {"BACKEND": "buergerbuero.core.mailfolder.EmailBackend", "OPTIONS": {"file_path": unquote(parts.path)}}
    if scheme == "console":
        return {"BACKEND": BACKENDS + "console.EmailBackend"}
    if scheme == "locmem":
        return {"BACKEND": BACKENDS + "locmem.EmailBackend"}
    if scheme in {"smtp", "smtps"}:
        port = parts.port or (465 if scheme == "smtps" else 587)
        return {
            "BACKEND": BACKENDS + "smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname or "localhost",
                "port": port,
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_tls": scheme == "smtp" and port == 587,
                "use_ssl": scheme == "smtps",
                "timeout": 30,  # a hanging server must not hold a worker (and its outbox leases) forever
            },
        }
    raise ValueError(f"EMAIL_URL scheme {scheme!r} is not supported (smtp, smtps, file, console, locmem)")
