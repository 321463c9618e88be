"""OpenTelemetry: one trace id across HTTP, NATS and gRPC.

Spans go to an OTLP endpoint when OTEL_EXPORTER_OTLP_ENDPOINT is set, and to a
JSON-lines file when OTEL_TRACES_FILE is set (local debugging, and the
end-to-end test that checks one trace spans the services). Span attributes
never carry a protected field: call sites add ids and names only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)


class JsonLinesSpanExporter(SpanExporter):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = []
        for span in spans:
            ctx = span.get_span_context()
            if ctx is None:
                continue
            lines.append(
                json.dumps(
                    {
                        "service": span.resource.attributes.get("service.name"),
                        "name": span.name,
                        "trace_id": format(ctx.trace_id, "032x"),
                        "span_id": format(ctx.span_id, "016x"),
                        "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
                        "kind": span.kind.name,
                        "start_ns": span.start_time,
                        "end_ns": span.end_time,
                        "attributes": dict(span.attributes or {}),
                    },
                    default=str,
                )
            )
        with self._lock, self._path.open("a") as handle:
            handle.write("".join(line + "\n" for line in lines))
        return SpanExportResult.SUCCESS


def setup_telemetry(
    service: str, *, otlp_endpoint: str | None = None, traces_file: Path | None = None
) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    if traces_file:
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(traces_file)))
    trace.set_tracer_provider(provider)
    return provider
