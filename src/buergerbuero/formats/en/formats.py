# English pages of a German office: day before month, month as a word (never the US 11/25/2026), 24-hour clock.
DATE_FORMAT = "j F Y"  # 25 November 2026
SHORT_DATE_FORMAT = "j M Y"  # 25 Nov 2026
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y H:i"  # 25 Nov 2026 14:30
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j M"  # 25 Nov
