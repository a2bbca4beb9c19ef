"""``rebook demo`` (what ``make demo`` runs): a whole airline's storm day, end to end.

1. Kafka: the broker at ``REBOOK_KAFKA_BOOTSTRAP`` if set; else the local one at the default
   address if it already runs; else a fresh local Apache Kafka (KRaft) that is stopped again.
2. The four services as separate processes (``LocalCluster``; logs under ``.run/demo/``), the
   run's own signing key (``REBOOK_AUTH_SECRET``): the replay writes as a client of the
   carrier, devices hold passenger tokens, the app backend a ``notifications:subscribe`` client.
   One booking and its passenger's token are printed, to follow with ``rebook passenger``.
3. A generated scenario (``--size medium``: ≈600 legs/day, ≈60,000 passengers), replayed
   through the gRPC APIs by ``Replayer`` — as fast as possible unless ``--speed`` — with some
   passenger devices and one app-backend stream subscribed, so every notification is seen.
4. A live panel (progress bars on a TTY, log lines otherwise) until offers and notifications
   stop arriving (quiescence: the optimizer's and notifier's consumer groups have committed
   everything, and no notification came for a few seconds).
5. A summary built from the services' outputs only: offers read back from the offers topic
   (latest version per offer, this run's carrier, record locators and time), disruptions from
   the disruptions topic, notifications as the replay's streams received them, solver series
   from the optimizer's ``/metrics``.  ``rebook solve`` (optimal and greedy) on the same
   folder is the comparison line.  ``--json PATH`` writes it as JSON.

Time: the scenario is shifted so the storm's first disruptive event is "now" (not the last
event, as ``--shift auto`` does at max speed: that would put two hours of the storm's flights in
the past), so later flights are still ahead and the optimizer sees the day as ``rebook solve``
does.  Identity: a broker that was not started fresh may hold earlier runs of the same
scenario (same legs, bookings and event ids — the detector and optimizer would rightly treat
a rerun as a replay and do nothing), so such a run uses its own two-letter carrier code (leg
ids and tails follow), a fresh suffix on event ids and newer booking versions.

Everything it started is stopped on exit, on error, on Ctrl-C and on SIGTERM.

Where each part is: ``flow`` (the run, step by step), ``scenario`` (this run's copy of the
scenario), ``broker`` (this run's messages, quiescence, consumer groups), ``live`` (the replay
with its live panel, ``/metrics`` scrapes), ``offline`` (the ``rebook solve`` comparison),
``summary`` (the numbers), ``view`` (the panel and the summary table).
"""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

from rebook.tooling.args import devices, non_negative_int, positive_float, speed
from rebook.tooling.sim.generator import SIZES


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM: stop, clean up, exit 130."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", choices=tuple(SIZES), default="medium", help="scenario size (default medium)")
    parser.add_argument("--seed", type=non_negative_int, default=1, help="scenario seed (default 1)")
    parser.add_argument("--speed", type=speed, default=0.0, help="times real time; max (default): as fast as possible")
    parser.add_argument("--devices", type=devices, default=200, help="individual passenger devices to subscribe")
    parser.add_argument(
        "--event-batch", type=int, default=100, help="flight events per ReportFlightEvents call (default 100)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the summary as JSON to this file")
    parser.add_argument("--run-dir", type=Path, default=Path(".run/demo"), help="logs and scenario (default .run/demo)")
    parser.add_argument("--carrier", default="auto", help="carrier code for this run (auto: RB on a fresh broker)")
    parser.add_argument("--free-ports", action="store_true", help="free ports instead of the documented defaults")
    parser.add_argument("--max-settle", type=positive_float, default=300.0, help="longest wait for quiescence, seconds")
    parser.add_argument(
        "--offline-timeout", type=positive_float, default=300.0, help="limit of each offline solve, seconds"
    )
    parser.add_argument("--no-offline", action="store_true", help="skip the offline optimal/greedy comparison")
    parser.add_argument("--no-tty", action="store_true", help="log lines instead of the redrawn panel")
    parser.add_argument(
        "--keep", action="store_true", help="leave the services running after the summary (their /metrics) until Ctrl-C"
    )


def run(args: argparse.Namespace) -> int:
    def interrupted(signum, frame) -> None:
        raise Interrupted(signal.Signals(signum).name)

    from rebook.tooling.demo.flow import Demo  # the services' and the replay's imports: only to run

    previous = {sig: signal.signal(sig, interrupted) for sig in (signal.SIGINT, signal.SIGTERM)}
    demo = Demo(args)
    code = 1
    try:
        with demo.stack:
            try:
                code = demo.run()
            except KeyboardInterrupt as exc:
                demo.log(f"\nrebook demo: {exc or 'interrupted'}; stopping everything it started ...")
                code = 130
            except Exception as exc:
                demo.log(f"\nrebook demo failed: {type(exc).__name__}: {exc}")
                code = 1
            finally:
                # Clean-up must not be cut short by a second Ctrl-C.
                for sig in previous:
                    signal.signal(sig, signal.SIG_IGN)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code
