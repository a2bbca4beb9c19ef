"""Runs a real single-node Apache Kafka (KRaft, broker + controller) for development and CI.

The broker's jars come from Maven Central through ``deploy/kafka/pom.xml``; data, logs and
the pid file live under the git-ignored run folder (``.run/kafka`` by default).  When
``REBOOK_KAFKA_BOOTSTRAP`` is set, nothing is started: the given cluster is used as it is.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rebook.runtime.config import Env
from rebook.runtime.kafka import broker_listening
from rebook.runtime.kafka_admin import KafkaSetupError, Progress, ensure_topics, wait_for_broker

log = logging.getLogger(__name__)


def find_repo_root(start: Path | None = None) -> Path:
    """The checkout holding ``deploy/kafka/pom.xml`` (``REBOOK_ROOT`` overrides)."""
    override = os.environ.get("REBOOK_ROOT")
    if override:
        return Path(override).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "deploy" / "kafka" / "pom.xml").is_file():
            return folder
    raise KafkaSetupError("cannot find deploy/kafka/pom.xml above the current folder; set REBOOK_ROOT")


@dataclass(frozen=True, slots=True)
class LocalKafka:
    """Where the local broker lives and which ports it uses."""

    root: Path
    run_dir: Path
    port: int
    controller_port: int
    heap: str
    start_timeout_s: float = 300.0
    # A second listener, SASL_PLAINTEXT with the PLAIN mechanism, for these users (tests of the
    # REBOOK_KAFKA_SASL_* passthrough); the PLAINTEXT listener stays for the broker's own use.
    sasl_port: int = 0
    sasl_users: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_env(cls) -> LocalKafka:
        env = Env()
        root = find_repo_root()
        run_dir = Path(env.str("RUN_DIR", str(root / ".run"))).resolve() / "kafka"
        return cls(
            root=root,
            run_dir=run_dir,
            port=env.port("KAFKA_PORT", 19092),
            controller_port=env.port("KAFKA_CONTROLLER_PORT", 19093),
            heap=env.str("KAFKA_HEAP", "768m"),
            start_timeout_s=env.duration("KAFKA_START_TIMEOUT", timedelta(minutes=5)).total_seconds(),
        )

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def libs(self) -> Path:
        return self.run_dir / "libs"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "kafka.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "kafka.log"

    @property
    def jars_resolved(self) -> bool:
        """False the first time (and after the POM changed): ``up`` then fetches from Maven."""
        pom, stamp = self.root / "deploy" / "kafka" / "pom.xml", self.libs / ".pom-stamp"
        return stamp.is_file() and stamp.read_text() == pom.read_text()

    def resolve_jars(self) -> None:
        """Copies the broker's runtime class path from Maven Central (cached in ~/.m2)."""
        pom = self.root / "deploy" / "kafka" / "pom.xml"
        stamp = self.libs / ".pom-stamp"
        if self.jars_resolved:
            return
        if not shutil.which("mvn"):
            raise KafkaSetupError("Maven (mvn) is required to fetch the Kafka broker jars")
        shutil.rmtree(self.libs, ignore_errors=True)
        self.libs.mkdir(parents=True)
        command = [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={self.libs}",
            "-DincludeScope=runtime",
        ]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise KafkaSetupError(f"mvn failed resolving Kafka:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        stamp.write_text(pom.read_text())

    def _listeners(self) -> list[str]:
        listeners = [f"PLAINTEXT://127.0.0.1:{self.port}"]
        if not self.sasl_port:
            return [
                f"listeners={listeners[0]},CONTROLLER://127.0.0.1:{self.controller_port}",
                f"advertised.listeners={listeners[0]}",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            ]
        sasl = f"SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}"
        users = " ".join(f'user_{name}="{password}"' for name, password in self.sasl_users)
        return [
            f"listeners={listeners[0]},{sasl},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners={listeners[0]},{sasl}",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
            "sasl.enabled.mechanisms=PLAIN",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config="
            f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};",
        ]

    def _write_config(self) -> Path:
        data = self.run_dir / "data"
        config = self.run_dir / "server.properties"
        config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    *self._listeners(),
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    f"log.dirs={data}",
                    "num.partitions=3",
                    "auto.create.topics.enable=false",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=6",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "log.cleaner.backoff.ms=1000",
                    "",
                ]
            )
        )
        log4j = self.run_dir / "log4j2.properties"
        log4j.write_text(
            "rootLogger.level=WARN\nrootLogger.appenderRef.stdout.ref=STDOUT\n"
            "appender.stdout.type=Console\nappender.stdout.name=STDOUT\n"
            "appender.stdout.layout.type=PatternLayout\nappender.stdout.layout.pattern=[%d] %p %m (%c)%n\n"
            "logger.kafka.name=kafka.server.KafkaRaftServer\nlogger.kafka.level=INFO\n"
        )
        return config

    def _java(self, *args: str) -> list[str]:
        java = shutil.which("java")
        if not java:
            raise KafkaSetupError("Java 17+ is required to run the Kafka broker")
        return [
            java,
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.run_dir / 'log4j2.properties'}",
            "-cp",
            str(self.libs / "*"),
            *args,
        ]

    def running_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None

    def _exited(self) -> str | None:
        if self.running_pid() is not None:
            return None
        return f"the Kafka broker exited during start-up; log tail:\n{self.log_tail(40)}"

    @property
    def data_dir(self) -> Path:
        return self.run_dir / "data"

    def up(self, timeout_s: float | None = None, progress: Progress | None = None) -> None:
        """Resolves and starts the broker (formatting its storage only the first time: topics and
        their data survive ``down``/``up``), waits for it (``REBOOK_KAFKA_START_TIMEOUT``, default
        5 min: a loaded machine can take over 90 s), creates missing topics.  ``progress`` hears
        how long it has waited, every ten seconds.  A broker that this run directory did not
        start but that listens on the port (another checkout's) is used, not doubled."""
        foreign = self.running_pid() is None and broker_listening(self.bootstrap)
        if self.running_pid() is None and not foreign:
            self.resolve_jars()
            config = self._write_config()
            if not (self.data_dir / "meta.properties").exists():
                self._format(config)
            with open(self.log_file, "ab") as out:
                process = subprocess.Popen(
                    self._java("kafka.Kafka", str(config)),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,  # survives the make recipe's shell
                )
            self.pid_file.write_text(str(process.pid))
        try:
            limit = self.start_timeout_s if timeout_s is None else timeout_s
            wait_for_broker(self.bootstrap, limit, progress, gave_up=None if foreign else self._exited)
        except KafkaSetupError as exc:
            raise KafkaSetupError(
                f"{exc}\nlast lines of {self.log_file}:\n{self.log_tail()}\n"
                "if the broker is only slow to start, raise REBOOK_KAFKA_START_TIMEOUT (e.g. 10m)"
            ) from None
        ensure_topics(self.bootstrap)

    def _format(self, config: Path) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)  # a half-formatted directory from a failed start
        fmt = subprocess.run(
            self._java("kafka.tools.StorageTool", "format", "-t", uuid.uuid4().hex[:22], "-c", str(config)),
            capture_output=True,
            text=True,
        )
        if fmt.returncode != 0:
            raise KafkaSetupError(f"formatting Kafka storage failed:\n{fmt.stdout}\n{fmt.stderr}")

    def wipe(self) -> bool:
        """Deletes every topic's data (the broker must be stopped); True if there was any."""
        if self.running_pid() is not None:
            raise KafkaSetupError("the broker is running; stop it first (rebook kafka down)")
        existed = self.data_dir.exists()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return existed

    def log_tail(self, lines: int = 15) -> str:
        if not self.log_file.exists():
            return "(no log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def down(self, timeout_s: float = 30.0) -> bool:
        """Stops the broker (SIGTERM, then SIGKILL); True if one was running."""
        pid = self.running_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True
