"""Reads of the booking app, by concern: `access` (the citizen's proof: booking code and token, or code and
e-mail), `live` (free times and the day cache, offers for the web pages, appointments now: staff day lists,
reminders, the e-mail limit) and `stats` (what planning and insights count).
"""
