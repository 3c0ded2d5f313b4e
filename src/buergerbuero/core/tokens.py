"""Secret tokens are stored only as their SHA-256: they are long random strings, so a fast hash is enough."""

import hashlib


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
