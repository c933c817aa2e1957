"""A year of cases in the demo city, at the scale the source reports: 147 couriers among the
reporters, about 3,200 cases over the twelve months before the build, every department at
work, some cases returned, reworked, extended, and most of them closed and rated.

Each case's life is simulated step by step, as the services in zhili.cases.services would
write it (the same actions, statuses, clocks and fields), and cut at `now`: what would happen
later has not happened yet. So the city stands as a working centre's does on the day of the
build: the last days' cases at every step of the loop, a few late by days or weeks (a
department that handles a case late does handle it in the end), and the older cases closed,
rejected or voided, or on hold until a review date still to come (a case whose review date
has passed was resumed and went round the loop). Besides what the cut leaves open, the desk
of the day (`_DESK`) holds a few of the last days' cases at each step, waiting for the act
that is due next: new reports to accept, orders to take, a handling overdue for a week. The
clocks are the categories' defaults (DEFAULT_LIMITS) on the official calendar. Everything
is written with bulk inserts and drawn from one `random.Random`: the same seed and the same
`now` give the same cases.

The cases end at the midnight before `now` (Asia/Shanghai), so their numbers (reporting date
and a six-digit sequence) never meet those of cases reported after the build.
"""

import datetime as dt
import random

from django.utils import timezone

from zhili.cases.models import (
    CASE_TRANSITIONS,
    Case,
    CaseEvent,
    CaseFollower,
    CaseStatus,
    CaseTask,
    Category,
    Channel,
    ExtensionStatus,
    ProvisionalDeadline,
    Rating,
    Step,
    TaskRole,
    TaskStatus,
    Urgency,
    case_facts,
)
from zhili.cases.services.common import DEFAULT_LIMITS
from zhili.cases.services.deadlines import provisional_row
from zhili.core.workcalendar import TimeUnit, deadline
from zhili.places.models import Place, PlaceKind

CASE_COUNT = 3200
DAYS = 365
CS, TS = CaseStatus, TaskStatus
H = dt.timedelta(hours=1)

# (weight, descriptions) per category code.
_CATEGORIES = {
    "ltlf": (22, ["电动车乱停放堵塞人行道", "小区门口机动车乱停乱放", "共享单车堆放占用盲道"]),
    "ssss": (14, ["路灯不亮", "窨井盖破损", "人行道地砖松动", "公共座椅损坏"]),
    "hjwr": (12, ["垃圾桶满溢无人清运", "餐馆油烟直排扰民", "河道漂浮垃圾", "夜间施工噪声扰民"]),
    "qzsq": (11, ["居民反映小区停水未通知", "老年人咨询养老服务补贴", "要求增设公交站点"]),
    "kljf": (10, ["楼上漏水与邻居起纠纷", "邻居在楼道堆放杂物", "宠物扰民引发争执"]),
    "wgdj": (8, ["楼顶违规搭建彩钢棚", "底商私自扩建雨棚", "小区绿地内违规搭建"]),
    "aqyh": (8, ["老旧楼道电线私拉乱接", "电动车楼道充电", "广告牌松动有坠落风险"]),
    "zaxyh": (6, ["夜间有人聚集滋事", "小区门禁损坏外来人员随意进出"]),
    "jtsg": (4, ["路口两车剐蹭", "电动车与行人碰撞"]),
    "gkpw": (3, ["高楼抛下垃圾袋", "阳台坠物险些砸中行人"]),
    "yjtf": (2, ["道路积水严重", "燃气泄漏气味"]),
}
_RATING_COMMENTS = {
    Rating.SATISFIED: ["处理很快，谢谢", "问题已解决", ""],
    Rating.BASICALLY: ["基本解决了，希望长效管理", "处理有点慢", ""],
    Rating.DISSATISFIED: ["问题还在，没有根本解决", "处理太慢"],
}


# The desk of the day: (the acts a case waits for, how many cases wait so, reported between
# so many days before the build). The act is the one due next on the case, and its other
# possible ends wait too (a report is neither accepted nor rejected yet); the days are those
# the case needs to come so far, and a handling waits past its deadline (3 working days).
_DESK = [
    ({"accept", "reject", "void"}, 4, (0, 1)),
    ({"dispatch", "hold", "void"}, 3, (0, 2)),
    ({"take", "return"}, 4, (0, 3)),
    ({"extension_grant"}, 2, (2, 8)),
    ({"handle"}, 6, (5, 16)),
    ({"verify", "rework"}, 3, (3, 8)),
    ({"close"}, 3, (3, 10)),
]
# Of the cases a department handles late, the share it leaves for days or weeks.
_NEGLECTED = 0.04


def _limits(step: str):
    return DEFAULT_LIMITS[step]


# What each deadline of this build was counted from, {(step, deadline): start}, so that those
# counted on a provisional calendar are kept as the services keep them (note_deadline).
_STARTS: dict[tuple[str, dt.datetime], dt.datetime] = {}


def _due(step: str, start: dt.datetime) -> dt.datetime:
    amount, unit = _limits(step)
    result = deadline(start, amount, unit)
    _STARTS[(step, result)] = start
    return result


def _provisional_deadlines(cases: list[Case], tasks: list[CaseTask]) -> list:
    """The ProvisionalDeadline rows of the deadlines still running that were counted on a
    year's provisional calendar (a demo built in late December), as the services write them.
    A granted extension's deadline was chosen, not counted: it has no row."""
    running = [(c, None, c.step, c.step_deadline) for c in cases if c.is_open]
    running += [(t.case, t, Step.TAKE, t.take_deadline) for t in tasks if t.status == TS.DISPATCHED]
    running += [
        (t.case, t, Step.HANDLE, t.handle_deadline)
        for t in tasks
        if t.status == TS.TAKEN and t.extension_status != ExtensionStatus.GRANTED
    ]
    rows = []
    for case, task, step, due in running:
        start = _STARTS.get((step, due))
        if start is None or (task is None and step in (Step.TAKE, Step.HANDLE)):
            continue  # the case's clock follows its orders: their rows say it
        # The services' own rule (provisional_row), with the demo's default limit.
        row = provisional_row(
            case=case, task=task, step=step, start=start, due_at=due, limit=_limits(step)
        )
        if row is not None:
            rows.append(row)
    return rows


class _Life:
    """One case's life: the acts in order, each kept only if it happened before `now`."""

    def __init__(self, case: Case, now: dt.datetime):
        self.case, self.now = case, now
        self.events: list[CaseEvent] = []
        self.tasks: list[CaseTask] = []
        self.t = case.reported_at
        self.ended = False
        self.halt: set[str] = set()  # acts still awaited however late: the case waits there

    def act(self, at, action, actor, *, to=None, task=None, note="") -> bool:
        """Record the act at `at` (moving the case to `to`) unless it lies after now."""
        if self.ended or at > self.now or action in self.halt:
            self.ended = True
            return False
        case = self.case
        before = case.status
        to = to or before
        assert to == before or not before or to in CASE_TRANSITIONS[before], (before, to)
        case.status = to
        case.version += 1
        self.t = at
        self.events.append(
            CaseEvent(
                case=case,
                task=task,
                action=action,
                from_status=before,
                to_status=to,
                actor=actor,
                actor_label=actor.username,
                at=at,
                note=note,
            )
        )
        return True

    def live(self):
        return [t for t in self.tasks if t.status in (TS.DISPATCHED, TS.TAKEN, TS.HANDLED)]

    def clock(self, at: dt.datetime) -> str:
        """The case's step and deadline after a task moved at `at` (as the services'
        _refresh_clock); returns the status the case moves to."""
        case, live = self.case, self.live()
        if not live:
            case.step, case.step_deadline = Step.DISPATCH, _due(Step.DISPATCH, at)
            return CS.ACCEPTED
        if all(t.status == TS.HANDLED for t in live):
            case.step, case.step_deadline = Step.VERIFY, _due(Step.VERIFY, at)
            return CS.HANDLED
        waiting = [t.take_deadline for t in live if t.status == TS.DISPATCHED]
        working = [t.handle_deadline for t in live if t.status == TS.TAKEN]
        case.step = Step.TAKE if waiting else Step.HANDLE
        case.step_deadline = min(waiting or working)
        return case.status


def _after(rng: random.Random, t: dt.datetime, low: float, high: float) -> dt.datetime:
    """A moment `low`..`high` hours after t, moved out of the night (22:00-7:30) to the
    next morning, as people do not work at night."""
    at = t + dt.timedelta(hours=rng.uniform(low, high))
    local = timezone.localtime(at)
    if local.hour >= 22 or local.hour < 7:
        morning = local.replace(hour=7, minute=30, second=0, microsecond=0)
        if local.hour >= 22:
            morning += dt.timedelta(days=1)
        at = morning + dt.timedelta(minutes=rng.randrange(150))
    return at


def _reported_times(rng: random.Random, start: dt.datetime, count: int) -> list[dt.datetime]:
    """`count` moments over the DAYS days from `start`, fewer at weekends, in the daytime."""
    days = [start + dt.timedelta(days=d) for d in range(DAYS)]
    weights = [0.6 if timezone.localtime(d).weekday() >= 5 else 1.0 for d in days]
    times = []
    for day in rng.choices(days, weights=weights, k=count):
        minutes = rng.randrange(7 * 60, 21 * 60 + 30)
        times.append(day + dt.timedelta(minutes=minutes, seconds=rng.randrange(60)))
    return sorted(times)


def _desk(rng: random.Random, times: list[dt.datetime], today: dt.datetime) -> dict:
    """The desk of the day (_DESK): {case index: the acts it waits for}."""
    desk: dict[int, set[str]] = {}
    for acts, count, (least, most) in _DESK:
        since, until = today - dt.timedelta(days=most), today - dt.timedelta(days=least)
        recent = [i for i, t in enumerate(times) if since <= t < until and i not in desk]
        for i in rng.sample(recent, min(count, len(recent))):
            desk[i] = acts
    return desk


def build_cases(*, seed: int, now: dt.datetime, departments: dict, users: dict) -> int:
    """Write the year of cases before `now`; returns how many. `departments` by code and
    `users` by username (the demo accounts and the couriers) are saved rows."""
    rng = random.Random(f"cases-{seed}")
    _STARTS.clear()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - dt.timedelta(days=DAYS)
    categories = {c.code: c for c in Category.objects.select_related("default_lead")}
    codes = sorted(_CATEGORIES)
    category_weights = [_CATEGORIES[c][0] for c in codes]
    grids = list(Place.objects.filter(kind=PlaceKind.GRID, min_lon__isnull=False).order_by("code"))
    couriers = sorted(
        (u for name, u in users.items() if name.startswith("courier")), key=lambda u: u.username
    )
    dispatcher, gridofficer, resident = (
        users["dispatcher"],
        users["gridofficer"],
        users["resident"],
    )
    handlers = {code: users[f"handler_{code}"] for code in departments}
    dept_codes = sorted(departments)
    times = _reported_times(rng, start, CASE_COUNT)
    desk = _desk(rng, times, today)
    # Three in four cases come from the couriers, every courier at least once.
    channels = [Channel.COURIER] * round(CASE_COUNT * 0.75)
    channels += [Channel.GRID] * round(CASE_COUNT * 0.1)
    channels += [Channel.RESIDENT] * (CASE_COUNT - len(channels))
    rng.shuffle(channels)
    courier_slots = [i for i, c in enumerate(channels) if c == Channel.COURIER]
    reporters_of = dict(zip(rng.sample(courier_slots, len(couriers)), couriers, strict=True))

    cases, tasks, events, followers = [], [], [], []
    for i, reported_at in enumerate(times):
        code = rng.choices(codes, weights=category_weights)[0]
        category = categories[code]
        grid = rng.choice(grids)
        half_lon = (grid.max_lon - grid.min_lon) / 2
        half_lat = (grid.max_lat - grid.min_lat) / 2
        channel = channels[i]
        reporter, reporter_name = None, ""
        if channel == Channel.COURIER:
            reporter = reporters_of.get(i) or rng.choice(couriers)
        elif channel == Channel.GRID:
            reporter = gridofficer
        elif rng.random() < 0.1:
            reporter = resident
        else:
            reporter_name = rng.choice("王李张刘陈杨黄吴") + rng.choice(["先生", "女士"])
        local = timezone.localtime(reported_at)
        case = Case(
            number=f"{local:%Y%m%d}{i + 1:06d}",
            category=category,
            urgency=Urgency.URGENT if code == "yjtf" or rng.random() < 0.03 else Urgency.NORMAL,
            description=rng.choice(_CATEGORIES[code][1]),
            attributes={"injured": rng.choice(["yes", "no", "no"])} if code == "jtsg" else {},
            longitude=round(grid.min_lon + half_lon * (1 + rng.uniform(-0.7, 0.7)), 6),
            latitude=round(grid.min_lat + half_lat * (1 + rng.uniform(-0.7, 0.7)), 6),
            address=f"{grid.name}附近",
            place=grid,
            place_path=grid.path,
            channel=channel,
            reporter=reporter,
            reporter_name=reporter_name,
            reported_at=reported_at,
            status="",
            version=0,
        )
        life = _Life(case, now)
        life.halt = desk.get(i, set())
        reporter_label = reporter or dispatcher  # a phone call is taken down by the centre
        life.act(reported_at, "report", reporter_label, to=CS.REPORTED)
        case.step, case.step_deadline = Step.ACCEPT, _due(Step.ACCEPT, reported_at)
        _live(rng, life, category, dispatcher, gridofficer, handlers, departments, dept_codes)
        cases.append(case)
        tasks += life.tasks
        events += life.events
        if reporter is not None:
            followers.append(CaseFollower(case=case, user=reporter))

    Case.objects.bulk_create(cases, batch_size=500)
    for task in tasks:  # bulk_create skips CaseTask.save: the facts of its case as it ends
        for name, value in case_facts(task.case).items():
            setattr(task, name, value)
    CaseTask.objects.bulk_create(tasks, batch_size=500)
    CaseEvent.objects.bulk_create(events, batch_size=1000)
    CaseFollower.objects.bulk_create(followers, batch_size=1000)
    ProvisionalDeadline.objects.bulk_create(_provisional_deadlines(cases, tasks))
    _STARTS.clear()
    return len(cases)


def _live(rng, life: _Life, category, dispatcher, gridofficer, handlers, departments, codes):
    """The case's acts after its report, as far as `now`."""
    case = life.case
    # The fates of the cases: most go round the loop; a few are stopped on the way.
    fate = rng.random()
    # Accept (or reject) within the clock, now and then late.
    late = rng.random() < 0.08
    at = _after(rng, life.t, 2.5, 8) if late else _after(rng, life.t, 0.1, 1.5)
    if fate < 0.04:
        if life.act(
            at, "reject", dispatcher, to=CS.REJECTED, note="非本平台受理范围，已告知来电人"
        ):
            case.reason = "非本平台受理范围，已告知来电人"
            case.closed_at, case.step, case.step_deadline = at, "", None
        return
    if fate < 0.045:
        if life.act(at, "void", dispatcher, to=CS.VOIDED, note="重复上报"):
            case.reason, case.step, case.step_deadline = "重复上报", "", None
        return
    if not life.act(at, "accept", dispatcher, to=CS.ACCEPTED):
        return
    case.accepted_at = at
    case.step, case.step_deadline = Step.DISPATCH, _due(Step.DISPATCH, at)
    if fate < 0.055:
        at = _after(rng, life.t, 0.5, 4)
        if life.act(at, "void", dispatcher, to=CS.VOIDED, note="报件信息有误，作废"):
            case.reason, case.step, case.step_deadline = "报件信息有误，作废", "", None
        return
    if fate < 0.075:
        # On hold (挂账) until a review date; on that day the centre resumes it, and it goes
        # round the loop. Only the holds of the last months still wait for their review.
        at = _after(rng, life.t, 0.5, 6)
        reason = "需纳入年度改造计划统筹解决"
        if not life.act(at, "hold", dispatcher, to=CS.ON_HOLD, note=reason):
            return
        case.reason, case.step, case.step_deadline = reason, "", None
        review = timezone.localtime(at).date() + dt.timedelta(days=rng.randint(30, 120))
        case.hold_until = review
        at = timezone.make_aware(dt.datetime.combine(review, dt.time(8, 30)))
        at += dt.timedelta(minutes=rng.randrange(150))
        if not life.act(at, "resume", dispatcher, to=CS.ACCEPTED, note="复核后恢复办理"):
            return
        case.hold_until = None
        case.step, case.step_deadline = Step.DISPATCH, _due(Step.DISPATCH, at)
    lead = category.default_lead.code
    if rng.random() < 0.08:  # the lead returns the order; the centre sends it elsewhere
        if not _dispatch(rng, life, dispatcher, [departments[lead]], category):
            return
        task = life.tasks[-1]
        at = _after(rng, life.t, 0.3, 3)
        task.status, task.returned_at = TS.RETURNED, at
        task.return_reason = "不属于本部门职责范围，请重新派遣"
        if not life.act(
            at, "return", handlers[lead], to=life.clock(at), task=task, note=task.return_reason
        ):
            task.status, task.returned_at, task.return_reason = TS.DISPATCHED, None, ""
            life.clock(life.t)
            return
        lead = rng.choice([c for c in codes if c != lead])
    chosen = [departments[lead]]
    if rng.random() < 0.1:
        chosen.append(departments[rng.choice([c for c in codes if c != lead])])
    if not _dispatch(rng, life, dispatcher, chosen, category):
        return
    neglected = rng.random() < _NEGLECTED  # handled days or weeks late
    round_tasks = [t for t in life.tasks if t.status == TS.DISPATCHED]
    for task in round_tasks:
        at = _after(rng, life.t, 0.1, 6 if rng.random() < 0.1 else 3)
        handler = handlers[task.department.code]
        task.status, task.taken_at, task.taken_by = TS.TAKEN, at, handler
        task.handle_deadline = _due(Step.HANDLE, at)
        if not life.act(at, "take", handler, to=life.clock(at), task=task):
            task.status, task.taken_at, task.taken_by, task.handle_deadline = (
                TS.DISPATCHED,
                None,
                None,
                None,
            )
            life.clock(life.t)
            return
    for task in round_tasks:
        asks = rng.random() < 0.05 or "extension_grant" in life.halt
        if asks and not _extend(rng, life, task, dispatcher, handlers):
            return
        if not _handle(rng, life, task, handlers, neglected=neglected):
            return
    verify_at = _after(rng, life.t, 1, 20)
    if rng.random() < 0.06:  # the grid officer finds it not done: rework
        note = "现场核查问题仍未解决，退回返工"
        if not life.act(verify_at, "rework", gridofficer, to=CS.DISPATCHED, note=note):
            return
        for task in round_tasks:
            task.status, task.rework_count = TS.TAKEN, task.rework_count + 1
            task.handle_deadline = _due(Step.HANDLE, verify_at)
        case.rework_count += 1
        case.step, case.step_deadline = Step.HANDLE, round_tasks[0].handle_deadline
        for task in round_tasks:
            if not _handle(rng, life, task, handlers):
                return
        verify_at = _after(rng, life.t, 1, 20)
    if not life.act(verify_at, "verify", gridofficer, to=CS.VERIFIED, note="现场核查已处置"):
        return
    for task in round_tasks:
        task.status = TS.VERIFIED
    case.step, case.step_deadline = "", None
    at = _after(rng, life.t, 0.3, 8)
    if not life.act(at, "close", dispatcher, to=CS.CLOSED):
        return
    case.closed_at = at
    if case.reporter is None or rng.random() < 0.08:
        return
    rating = rng.choices(
        [Rating.SATISFIED, Rating.BASICALLY, Rating.DISSATISFIED], weights=[80, 15, 5]
    )[0]
    at = _after(rng, life.t, 1, 60)
    comment = rng.choice(_RATING_COMMENTS[rating])
    if life.act(at, "rate", case.reporter, note=comment):
        case.rating, case.rating_comment, case.rated_at = rating, comment, at


def _dispatch(rng, life: _Life, dispatcher, chosen, category) -> bool:
    at = _after(rng, life.t, 0.1, 1.5)
    if not life.act(at, "dispatch", dispatcher, to=CS.DISPATCHED):
        return False
    take_by = _due(Step.TAKE, at)
    for n, department in enumerate(chosen):
        life.tasks.append(
            CaseTask(
                case=life.case,
                department=department,
                role=TaskRole.LEAD if n == 0 else TaskRole.CO,
                status=TS.DISPATCHED,
                dispatched_at=at,
                take_deadline=take_by,
            )
        )
    life.case.step, life.case.step_deadline = Step.TAKE, take_by
    return True


def _extend(rng, life: _Life, task: CaseTask, dispatcher, handlers) -> bool:
    handler = handlers[task.department.code]
    at = _after(rng, max(life.t, task.taken_at), 4, 30)
    until = deadline(task.handle_deadline, 3, TimeUnit.WORKING_DAYS)
    reason = "需协调施工单位，申请延期"
    if not life.act(at, "extension_request", handler, task=task, note=reason):
        return False
    task.extension_status, task.extension_requested_until = ExtensionStatus.PENDING, until
    task.extension_reason = reason
    at = _after(rng, life.t, 0.5, 4)
    if not life.act(at, "extension_grant", dispatcher, task=task):
        return False
    task.extension_status, task.handle_deadline = ExtensionStatus.GRANTED, until
    task.extension_count += 1
    life.clock(at)
    return True


def _handle(rng, life: _Life, task: CaseTask, handlers, *, neglected: bool = False) -> bool:
    """The department reports the order handled: on time mostly, one in ten late, and a
    neglected order days or weeks late (about a week as a rule, at most six)."""
    handler = handlers[task.department.code]
    start = max(life.t, task.taken_at)
    if neglected:
        days = min(1 + rng.expovariate(1 / 7), 42)
        at = _after(rng, max(start, task.handle_deadline), 24 * days, 24 * days + 8)
    elif rng.random() < 0.1:
        at = _after(rng, max(start, task.handle_deadline), 1, 72)
    else:
        span = (task.handle_deadline - start).total_seconds() / 3600
        at = start + dt.timedelta(hours=rng.uniform(0.05, 0.8) * max(span, 0.1))
    before = task.handled_at, task.result
    task.status, task.handled_at = TS.HANDLED, at
    task.result = "已到现场处置完毕"
    if not life.act(at, "handle", handler, to=life.clock(at), task=task, note=task.result):
        task.status, (task.handled_at, task.result) = TS.TAKEN, before
        life.clock(life.t)
        return False
    return True
