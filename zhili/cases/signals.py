"""Signals the case loop sends, for apps above it (notifications, webhooks, the cockpit) to
listen to without the loop importing them."""

from django.dispatch import Signal

# Sent after every act on a case has been written (inside its transaction; listeners that
# talk to the outside world should use transaction.on_commit). Arguments:
#   case: the Case; task: the CaseTask or None; action: "report", "accept", "dispatch", …;
#   from_status, to_status: the case's statuses; actor: who acted; note: the act's text;
#   cancelled: the orders the act cancelled (void, hold, merge, recategorise, reopen, resume),
#   each with `cancelled_from`, the status it had.
case_event = Signal()

# Sent by the overdue sweep when a case's step is first found past its deadline (level 1,
# once per case, step and deadline), inside the batch's transaction. Arguments:
#   case: the Case (only a few fields loaded); step: the overdue Step; deadline: its
#   deadline; at: the sweep's `now`.
case_overdue = Signal()

# Sent once for many acts written together (the intake's batch filer, record_steps), inside
# their transaction, instead of case_event for each. Arguments:
#   events: a list of dicts, each with case_event's arguments for one act.
# Every app that listens to case_event listens to this too (a test holds them paired).
case_events = Signal()
