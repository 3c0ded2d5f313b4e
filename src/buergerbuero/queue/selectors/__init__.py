"""Reads of the office floor, by concern: `access` (who may work at the reception and the counters), `live` (the
floor's state now: sessions, check-in, queue, tickets, display, day close) and `stats` (the measured numbers
insights and planning read).
"""
