"""The case loop's signals, turned into deliveries (connected in WebhooksConfig.ready)."""

from zhili.webhooks.models import Event
from zhili.webhooks.services import record_event, record_events

# The case_event action names (zhili/cases/services) that are webhook events. Other acts
# (reject, rework, hold, void, recategorise, extensions …) are not published.
ACTION_EVENTS = {
    "report": Event.CREATED,
    "accept": Event.ACCEPTED,
    "dispatch": Event.DISPATCHED,
    "take": Event.TAKEN,
    "return": Event.RETURNED,
    "handle": Event.HANDLED,
    "verify": Event.VERIFIED,
    "close": Event.CLOSED,
    "rate": Event.RATED,
    # A provisional deadline counted again once its year's holiday notice was entered.
    "recount_deadline": Event.RECOUNTED,
}


def on_case_event(sender, *, case, task, action, **kwargs):
    event = ACTION_EVENTS.get(action)
    if event is not None:
        record_event(event=event, case=case, task=task)


def on_case_events(sender, *, events, **kwargs):
    """Many acts written together (the intake's batch filer): their deliveries at once."""
    record_events(
        [
            {"event": ACTION_EVENTS[e["action"]], "case": e["case"], "task": e["task"]}
            for e in events
            if e["action"] in ACTION_EVENTS
        ]
    )


def on_case_overdue(sender, *, case, step, deadline, at, **kwargs):
    record_event(
        event=Event.OVERDUE, case=case, at=at, overdue={"step": step, "deadline": deadline}
    )
