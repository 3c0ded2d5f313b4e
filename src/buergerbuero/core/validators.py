"""Field formats several apps store alike."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Weekdays as digits, 0 = Monday: opening rules and roster entries (capacity), a contract's service hours (callcenter).
weekdays_validator = RegexValidator(
    r"^[0-6]{1,7}$", _("Wochentage als Ziffern 0 (Montag) bis 6 (Sonntag), z. B. 0123 für Mo–Do.")
)
