"""Every write of the case loop, one function per act (see report.py and flow.py)."""
