"""The intake benchmark's baseline (bench/bench_intake.py): a bare Django view that validates
the fields of a report with a plain Form and inserts one row, served by the same settings,
middleware and gunicorn as Zhili itself (this settings module adds its URL to Zhili's)."""
