"""Live availability: free start times from a capacity timeline and what is already claimed (pure, no ORM).

Each staffed counter is a *lane*; a day of a lane is a bit mask of time units (bit i = the unit starting
i × slot minutes after local midnight, counted in real elapsed time so DST days work). A start is free when
the required number of consecutive units is free on one lane that has the skills and belongs to the
requesting channel's share. Python integers make those masks fast; nothing is precomputed or cached.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from buergerbuero.capacity.rules import DayPlan, LaneWindow

# id(windows) → (windows, open masks by lane); the windows object is kept so its id stays unique
MasksMemo = dict[int, tuple[tuple[LaneWindow, ...], dict[int, int]]]


class DayBounds(Protocol):
    """A local day as elapsed time, what claims are split on and counted from: a DayPlan, or just its bounds."""

    @property
    def day(self) -> dt.date: ...
    @property
    def midnight(self) -> dt.datetime: ...
    @property
    def end(self) -> dt.datetime: ...


# Lanes are split between booking channels in this order (lowest counter numbers first to the web).
CHANNEL_ORDER = ("web", "partner", "phone", "counter")


@dataclass(frozen=True, slots=True)
class Request:
    service_ids: frozenset[int]
    units: int  # consecutive slot units needed (services × persons + buffer, rounded up)
    slot_minutes: int
    channel: str
    shares: tuple[tuple[str, int], ...]  # (channel, percent); empty means every channel may use every lane
    not_before: dt.datetime  # aware: now + minimum notice
    last_day: dt.date  # end of the released booking horizon


@dataclass(frozen=True, slots=True)
class FreeTime:
    start: dt.datetime  # aware, UTC
    lanes: tuple[int, ...]  # lanes (counter ids) on which this start fits, in booking order


@dataclass(frozen=True, slots=True)
class Busy:
    lane: int
    start: dt.datetime
    end: dt.datetime


def units_needed(minutes: int, slot_minutes: int) -> int:
    return max(1, -(-minutes // slot_minutes))


def channel_slice(n_lanes: int, shares: tuple[tuple[str, int], ...], channel: str) -> tuple[int, int]:
    """Index range of the lanes (sorted by counter number) that `channel` may book among n open lanes."""
    if not shares:
        return 0, n_lanes
    percent = dict(shares)
    cumulative = 0
    for name in CHANNEL_ORDER:
        share = percent.get(name, 0)
        low = (n_lanes * cumulative + 50) // 100
        cumulative += share
        high = (n_lanes * cumulative + 50) // 100
        if name == channel:
            return low, high
    return 0, 0


def _open_masks(plan: DayPlan, request: Request) -> dict[int, int]:
    """Free-unit masks per lane from opening × roster × skills × channel share (before claims)."""
    slot = request.slot_minutes
    windows = [(-(-w.start // slot), w.end // slot, w.lane, w.order, w.skills) for w in plan.windows if w.end > w.start]
    if not windows:
        return {}
    cuts = sorted({p for s, e, *_ in windows for p in (s, e)})
    masks: dict[int, int] = {}
    for a, b in itertools.pairwise(cuts):
        if a >= b:
            continue
        covering = sorted(
            {(order, lane, skills) for s, e, lane, order, skills in windows if s <= a and b <= e},
            key=lambda item: item[0],
        )
        low, high = channel_slice(len(covering), request.shares, request.channel)
        segment = ((1 << (b - a)) - 1) << a
        for _order, lane, skills in covering[low:high]:
            if skills is None or request.service_ids <= skills:
                masks[lane] = masks.get(lane, 0) | segment
    return masks


def _runs(mask: int, length: int) -> int:
    """Bits i where units i .. i+length-1 are all set (doubling: O(log length) shifts)."""
    result, have = mask, 1
    while have < length:
        step = min(have, length - have)
        result &= result >> step
        have += step
    return result


def busy_masks(plan: DayBounds, busy: Iterable[Busy], slot_minutes: int) -> dict[int, int]:
    """Claimed units per lane of one day as bit masks (the shape the free-time search works on)."""
    slot_seconds = slot_minutes * 60
    midnight = plan.midnight
    masks: dict[int, int] = {}
    for item in busy:
        s = max(0, int((item.start - midnight).total_seconds()) // slot_seconds)
        e = -(-int((item.end - midnight).total_seconds()) // slot_seconds)
        if e > s:
            masks[item.lane] = masks.get(item.lane, 0) | (((1 << (e - s)) - 1) << s)
    return masks


def merge_masks(*layers: dict[int, int]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for layer in layers:
        for lane, mask in layer.items():
            merged[lane] = merged.get(lane, 0) | mask
    return merged


def _open_masks_memo(plan: DayPlan, request: Request, memo: MasksMemo | None) -> dict[int, int]:
    """`_open_masks`, reused for days that share their windows (most days of a horizon share a few
    weekday shapes). `memo` belongs to one request; it keeps the windows object so its id stays unique."""
    if memo is None:
        return _open_masks(plan, request)
    hit = memo.get(id(plan.windows))
    if hit is not None and hit[0] is plan.windows:
        return hit[1]
    masks = _open_masks(plan, request)
    memo[id(plan.windows)] = (plan.windows, masks)
    return masks


def _first_unit(plan: DayPlan, request: Request) -> int:
    if request.not_before <= plan.midnight:
        return 0
    return -(-int((request.not_before - plan.midnight).total_seconds()) // (request.slot_minutes * 60))


def free_times_for_day(
    plan: DayPlan, taken: dict[int, int], request: Request, memo: MasksMemo | None = None
) -> list[FreeTime]:
    """Free start times of one day, given the claimed units per lane (see `busy_masks`)."""
    if plan.closed_reason or plan.day > request.last_day:
        return []
    masks = _open_masks_memo(plan, request, memo)
    if not masks:
        return []
    first_unit = _first_unit(plan, request)
    by_unit: dict[int, list[int]] = {}
    for lane, mask in masks.items():
        starts = _runs(mask & ~taken.get(lane, 0), request.units) >> first_unit << first_unit
        while starts:
            low_bit = starts & -starts
            by_unit.setdefault(low_bit.bit_length() - 1, []).append(lane)
            starts ^= low_bit
    step = dt.timedelta(minutes=request.slot_minutes)
    return [FreeTime(plan.midnight + unit * step, tuple(by_unit[unit])) for unit in sorted(by_unit)]


def first_free_for_day(
    plan: DayPlan, taken: dict[int, int], request: Request, memo: MasksMemo | None = None
) -> FreeTime | None:
    """`free_times_for_day(...)[0]` without listing the rest of the day: the lowest start bit per lane."""
    if plan.closed_reason or plan.day > request.last_day:
        return None
    first_unit = _first_unit(plan, request)
    best, lanes = -1, []
    units = request.units
    for lane, mask in _open_masks_memo(plan, request, memo).items():
        free = (mask & ~taken.get(lane, 0)) >> first_unit  # runs only look upwards: shifting first is the same
        if not free:  # a booked-out lane: the common case while searching weeks ahead
            continue
        starts = _runs(free, units)
        if not starts:
            continue
        unit = (starts & -starts).bit_length() - 1
        if best < 0 or unit < best:
            best, lanes = unit, [lane]
        elif unit == best:
            lanes.append(lane)
    if best < 0:
        return None
    return FreeTime(plan.midnight + (best + first_unit) * dt.timedelta(minutes=request.slot_minutes), tuple(lanes))


def lanes_for_start(plan: DayPlan, request: Request, start: dt.datetime) -> tuple[int, ...]:
    """Lanes on which `start` lies in open, skilled time of the channel's share, before any claims – the
    candidates a booking then tries to claim (the claims' unique constraint has the last word)."""
    if plan.closed_reason or plan.day > request.last_day or start < request.not_before:
        return ()
    slot_seconds = request.slot_minutes * 60
    offset = int((start - plan.midnight).total_seconds())
    if offset < 0 or offset % slot_seconds or start >= plan.end:
        return ()
    need = ((1 << request.units) - 1) << (offset // slot_seconds)
    return tuple(lane for lane, mask in _open_masks(plan, request).items() if mask & need == need)


def masks_by_day(plans: Sequence[DayBounds], busy: Iterable[Busy], slot_minutes: int) -> dict[dt.date, dict[int, int]]:
    """Split claimed intervals onto their days (claims never cross midnight) and turn them into masks.

    `plans` must be ascending but need not be consecutive.
    """
    ordered = sorted(busy, key=lambda b: b.start)  # linear when the caller passes them sorted
    out: dict[dt.date, dict[int, int]] = {}
    i = 0
    for plan in plans:
        while i < len(ordered) and ordered[i].start < plan.midnight:
            i += 1
        j = i
        while j < len(ordered) and ordered[j].start < plan.end:
            j += 1
        out[plan.day] = busy_masks(plan, ordered[i:j], slot_minutes)
        i = j
    return out


def free_times(
    plans: list[DayPlan], taken: dict[dt.date, dict[int, int]], request: Request
) -> dict[dt.date, list[FreeTime]]:
    """Free start times for every day of `plans`; `taken` maps each day to its claimed masks."""
    memo: MasksMemo = {}
    return {plan.day: free_times_for_day(plan, taken.get(plan.day, {}), request, memo) for plan in plans}


class OfficeDays(dict[dt.date, dict[int, int]]):
    """Claimed masks of one office per day, knowing up to which day every day is booked out: `full_before`, a
    day before which no counter has a free unit in any of its windows (no request finds a time there, whatever
    its skills or channel; running holds only take more)."""

    __slots__ = ("full_before",)

    def __init__(self, *args: Mapping[dt.date, dict[int, int]], full_before: dt.date | None = None) -> None:
        super().__init__(*args)
        self.full_before = full_before


def first_day_not_full(plans: list[DayPlan], taken: dict[dt.date, dict[int, int]], slot_minutes: int) -> dt.date:
    """The first day of `plans` with a unit free on some counter within its windows (after the last if none)."""
    # id(windows) → (windows, per-lane units of all its windows): MasksMemo's shape, not its open masks
    memo: dict[int, tuple[tuple[LaneWindow, ...], dict[int, int]]] = {}
    for plan in plans:
        windows = plan.windows
        known = memo.get(id(windows))
        if known is None or known[0] is not windows:
            lanes: dict[int, int] = {}
            for w in windows:
                a, b = -(-w.start // slot_minutes), w.end // slot_minutes
                if b > a:
                    lanes[w.lane] = lanes.get(w.lane, 0) | (((1 << (b - a)) - 1) << a)
            known = memo[id(windows)] = (windows, lanes)
        get = taken.get(plan.day, {}).get
        for lane, units in known[1].items():
            if units & ~get(lane, 0):
                return plan.day
    return plans[-1].day + dt.timedelta(days=1) if plans else dt.date.min


def earliest(plans: list[DayPlan], taken: dict[dt.date, dict[int, int]], request: Request) -> FreeTime | None:
    """The first free start time, looking at one day after the other and stopping at the first hit."""
    memo: MasksMemo = {}
    not_before, last_day = request.not_before, request.last_day
    full_before = getattr(taken, "full_before", None)
    if full_before is not None:
        plans = [plan for plan in plans if plan.day >= full_before]
    for plan in plans:
        if plan.day > last_day:
            return None
        windows = plan.windows
        if plan.closed_reason or not windows:
            continue
        day_taken = taken.get(plan.day, {})
        if not_before <= plan.midnight:  # not today: a day without one free unit on any lane is skipped here
            known = memo.get(id(windows))
            open_masks = (
                known[1] if known is not None and known[0] is windows else _open_masks_memo(plan, request, memo)
            )
            get = day_taken.get
            for lane, mask in open_masks.items():
                if mask & ~get(lane, 0):
                    break
            else:
                continue
        hit = first_free_for_day(plan, day_taken, request, memo)
        if hit:
            return hit
    return None


def last_bookable_day(now: dt.datetime, horizon_days: int, release_time: dt.time, tz: dt.tzinfo) -> dt.date:
    """Days are released once a day at a published time: before it, the horizon ends a day earlier."""
    local = now.astimezone(tz)
    released = local.timetz().replace(tzinfo=None) >= release_time
    return local.date() + dt.timedelta(days=horizon_days if released else horizon_days - 1)
