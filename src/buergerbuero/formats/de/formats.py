# Django's German formats, except the day without year: short and numeric (chart ticks, time buttons), 25.11.
MONTH_DAY_FORMAT = "j.n."
