"""Data texts with an optional English variant (a service's note, an opening rule's label such as "Serviceabend")."""

import unicodedata

from django.utils.translation import get_language


def english() -> bool:
    return (get_language() or "de").startswith("en")


class LocalText(str):
    """The German text (its value: compared, stored, sent by the API) with an optional English variant.

    Shown (`str()`, a template) it follows the active language, so a value computed once — e.g. in a cached
    day plan — still reads in each visitor's language. Without an English text it stays German.
    """

    en: str

    def __new__(cls, de: str, en: str = ""):
        text = super().__new__(cls, de)
        text.en = en or ""
        return text

    def __str__(self) -> str:
        return self.en if self.en and english() else str.__str__(self)

    def __reduce__(self):
        return (LocalText, (str.__str__(self), self.en))


def sort_key(text: str) -> str:
    """Dictionary order for German and English names: „Ä“ beside „A“, „ß“ as „ss“, case ignored."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
