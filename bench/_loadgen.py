"""An open-loop, constant-rate HTTP load generator: what wrk2 does, which this machine lacks
(wrk is closed-loop: each connection waits for its answer before sending again, so a slow
server is sent less and its slowness hides).

Request i is sent at start + i / rate, whatever became of the requests before it, each on a
new connection (gunicorn's sync workers close every connection anyway), and its latency is
counted from that scheduled moment to the last byte of the answer. A server that falls
behind, or a generator that cannot keep up with its own schedule, is charged the wait: no
coordinated omission."""

import asyncio
import statistics
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    sent: int
    seconds: float  # from the first scheduled send to the last answer
    latencies: list[float]  # seconds, of every request, answered or not
    errors: int  # no answer, or a status other than `expect`
    late_sends: float  # the largest delay of a send behind its schedule, in seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def line(self) -> str:
        ms = [x * 1000 for x in self.latencies]
        answered = self.sent - self.errors
        return (
            f"{answered:5} of {self.sent:5} answered ({answered / self.seconds:6.1f}/s), "
            f"p50 {self.percentile(50) * 1000:6.1f} ms, "
            f"p90 {self.percentile(90) * 1000:6.1f} ms, p99 {self.percentile(99) * 1000:6.1f} ms, "
            f"max {max(ms):7.1f} ms, mean {statistics.fmean(ms):6.1f} ms, "
            f"errors {self.errors}, sender at most {self.late_sends * 1000:.1f} ms late"
        )


async def _exchange(host: str, port: int, payload: bytes, timeout: float) -> int:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(payload)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status = int(head.split(b" ", 2)[1])
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            await asyncio.wait_for(reader.read(), timeout)
        else:
            await asyncio.wait_for(reader.readexactly(length), timeout)
        return status
    finally:
        writer.close()


async def _run(host, port, rate, seconds, payload_for, expect, timeout) -> Result:
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors = 0
    late = 0.0

    async def one(scheduled: float, payload: bytes) -> None:
        nonlocal errors
        try:
            status = await _exchange(host, port, payload, timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            status = None
        latencies.append(loop.time() - scheduled)
        if status != expect:
            errors += 1

    count = int(rate * seconds)
    start = loop.time() + 0.05
    tasks = []
    for i in range(count):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        late = max(late, loop.time() - scheduled)
        tasks.append(asyncio.create_task(one(scheduled, payload_for(i))))
    await asyncio.gather(*tasks)
    return Result(count, loop.time() - start, latencies, errors, late)


def constant_rate(
    host: str,
    port: int,
    *,
    rate: float,
    seconds: float,
    payload_for: Callable[[int], bytes],
    expect: int = 201,
    timeout: float = 10.0,
) -> Result:
    """Send `rate` requests a second for `seconds` (request i is `payload_for(i)`, a whole
    HTTP/1.1 request with "Connection: close"); every answer other than `expect` counts as
    an error."""
    return asyncio.run(_run(host, port, rate, seconds, payload_for, expect, timeout))
