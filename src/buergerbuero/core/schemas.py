"""Value types shared by the API schemas."""

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer, WithJsonSchema


def _wall_clock(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("a wall-clock time has no time zone (HH:MM, local time of the office)")
    return value


# Opening and service hours are wall-clock times that repeat every day in the office's time zone; an RFC 3339
# `time` would need a UTC offset, which changes twice a year. So they are documented and sent as "HH:MM".
LocalTime = Annotated[
    dt.time,
    AfterValidator(_wall_clock),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
            "examples": ["08:00"],
            "description": "Ortszeit (Wanduhr) des Standorts bzw. der Kommune, HH:MM, ohne Zeitzone",
        }
    ),
]
