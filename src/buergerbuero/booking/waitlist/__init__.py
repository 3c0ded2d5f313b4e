"""The waitlist: citizens who found no fitting time register for windows; freed capacity is offered to them first
come, first served (docs/fair-release.md).

`services` (register, offer, accept, decline, lapse, the offer mail), `selectors` (queue positions and what staff
and the citizen read), `views` + `urls` (the citizen's pages); its JSON API is part of `booking/fair_api.py`.
"""
