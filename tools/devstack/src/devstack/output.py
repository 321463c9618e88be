"""Where the services' lines and the supervisor's own notes go: a terminal, or log files."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import IO, Protocol

from devstack.prefix import LinePrefixer

SUPERVISOR = "devstack"


class Output(Protocol):
    def line(self, service: str, text: str) -> None: ...

    def note(self, text: str) -> None: ...


class TerminalOutput:
    """Every line on one stream, under its service's name (`make run`)."""

    def __init__(self, prefixer: LinePrefixer, stream: IO[str]) -> None:
        self._prefix = prefixer
        self._stream = stream

    def line(self, service: str, text: str) -> None:
        self._stream.write(self._prefix(service, text) + "\n")
        self._stream.flush()

    def note(self, text: str) -> None:
        self.line(SUPERVISOR, text)


class LogFilesOutput:
    """A file per service under `logs`; notes, timestamped, on `stream` (`make up`)."""

    def __init__(self, logs: Path, stream: IO[str]) -> None:
        self._logs = logs
        self._stream = stream
        self._files: dict[str, IO[str]] = {}

    def line(self, service: str, text: str) -> None:
        file = self._files.get(service)
        if file is None:
            self._logs.mkdir(parents=True, exist_ok=True)
            # A fresh file per start: `make up` after `make down` begins a new story.
            file = self._files[service] = (self._logs / f"{service}.log").open("w")
        file.write(text.rstrip() + "\n")
        file.flush()

    def note(self, text: str) -> None:
        self._stream.write(f"{datetime.now().isoformat(timespec='seconds')} {text}\n")
        self._stream.flush()

    def close(self) -> None:
        for file in self._files.values():
            file.close()
        self._files.clear()


class NoteHandler(logging.Handler):
    """Routes the infra modules' log records (apt-get, initdb, server starts) into notes."""

    def __init__(self, output: Output) -> None:
        super().__init__(logging.INFO)
        self._output = output

    def emit(self, record: logging.LogRecord) -> None:
        self._output.note(record.getMessage())
