"""The project's date formats per language (settings.FORMAT_MODULE_PATH), on top of Django's.

Code and templates name a format instead of spelling one out: `date_format(day, "SHORT_DATE_FORMAT")`,
`{{ day|date:"SHORT_DATE_FORMAT" }}`. German pages show 25.11.2026, English ones 25 Nov 2026.
"""
