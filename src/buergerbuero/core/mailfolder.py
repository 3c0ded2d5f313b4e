"""The mail folder of development and tests (EMAIL_URL=file:///path): one .eml file per Message-ID.

The outbox gives every mail a Message-ID derived from its idempotency key, so a mail handed over a second
time (a worker killed after sending, before it could record that) replaces its own file instead of adding
a second one — as a mail client shows two deliveries with one Message-ID once.
"""

import hashlib
import os
import secrets

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend


class EmailBackend(FileEmailBackend):
    def send_messages(self, email_messages) -> int:
        for email in email_messages:
            message = email.message()
            ident = str(message["Message-ID"] or secrets.token_hex(16))
            path = os.path.join(self.file_path, hashlib.sha256(ident.encode()).hexdigest()[:32] + ".eml")
            temporary = f"{path}.{secrets.token_hex(4)}.tmp"
            with open(temporary, "wb") as handle:
                handle.write(message.as_bytes())
            os.replace(temporary, path)  # atomic: a reader sees the whole mail or none
        return len(email_messages)
