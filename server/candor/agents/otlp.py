"""OTLP/HTTP bodies: what an exporter posts to /v1/traces, /v1/logs or /v1/metrics, decoded.

Protobuf bodies are read by the opentelemetry-proto message classes, JSON bodies by
OpenTelemetry's generated OTLP/JSON codec (opentelemetry-proto-json), which knows
OTLP/JSON's own rules (hex trace and span ids, 64-bit integers as strings, integer
enums) and reads a batch several times faster than protobuf's generic JSON reader.
Either may come gzipped. What the decoded messages say is telemetry.py's business.
"""

import json
import zlib

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto_json.collector.logs.v1 import logs_service as logs_json
from opentelemetry.proto_json.collector.metrics.v1 import metrics_service as metrics_json
from opentelemetry.proto_json.collector.trace.v1 import trace_service as trace_json

from ..schemas import BadJSON, parse_json

# Each signal: its request as protobuf and as JSON, its request's one field in JSON, its
# response, and what the response's partial success counts.
SIGNALS = {
    "traces": (trace_service_pb2.ExportTraceServiceRequest,
               trace_json.ExportTraceServiceRequest, "resourceSpans",
               trace_service_pb2.ExportTraceServiceResponse, "rejected_spans", "spans"),
    "logs": (logs_service_pb2.ExportLogsServiceRequest, logs_json.ExportLogsServiceRequest,
             "resourceLogs", logs_service_pb2.ExportLogsServiceResponse,
             "rejected_log_records", "log records"),
    "metrics": (metrics_service_pb2.ExportMetricsServiceRequest,
                metrics_json.ExportMetricsServiceRequest, "resourceMetrics",
                metrics_service_pb2.ExportMetricsServiceResponse, "rejected_data_points",
                "data points"),
}
JSON, PROTOBUF = "application/json", "application/x-protobuf"
CONTENT_TYPES = (JSON, PROTOBUF)
# A gzipped body is inflated at most to this size: a few kilobytes of gzip can hold
# gigabytes of zeros. Exporters' batches (512 spans by default) stay well under it.
MAX_INFLATED_BYTES = 16 * 1024 * 1024


class Refused(ValueError):
    """A body Candor does not take; `status` is the HTTP status to answer with."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def inflate(data, limit=MAX_INFLATED_BYTES):
    """A gzip body inflated piece by piece, refused (413) as soon as it passes `limit`."""
    out = bytearray()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        while data:
            out += inflater.decompress(data, limit + 1 - len(out))
            if len(out) > limit:
                raise Refused(413, f"The gzipped body inflates past {limit // (1024 * 1024)} "
                                   "MB; send smaller batches.")
            data = inflater.unconsumed_tail
            if inflater.eof and inflater.unused_data:  # another gzip member follows
                data = inflater.unused_data
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    except zlib.error as error:
        raise Refused(400, f"The body is not valid gzip: {error}") from None
    if not inflater.eof:
        raise Refused(400, "The gzipped body is cut short.")
    return bytes(out)


def decode(signal, data, content_type, encoding="identity"):
    """The Export*ServiceRequest of `signal` in `data` (a protobuf message, or OTLP/JSON's
    dataclass of the same fields); Refused (400, 413, 415) if it isn't one."""
    proto_class, json_class, json_field, *_ = SIGNALS[signal]
    if content_type not in CONTENT_TYPES:
        raise Refused(415, f"Send OTLP as {JSON} or {PROTOBUF}, not {content_type or 'nothing'}.")
    encoding = (encoding or "identity").strip().lower()
    if encoding == "gzip":
        data = inflate(data)
    elif encoding != "identity":
        raise Refused(415, f"Content-Encoding {encoding!r} is not taken: gzip or none.")
    what = f"an OTLP {signal} request ({proto_class.__name__})"
    if content_type == JSON:
        try:
            body = parse_json(data)
        except BadJSON as error:
            raise Refused(400, str(error)) from None
        if not isinstance(body, dict):
            raise Refused(400, f"The body is not {what}: not a JSON object.")
        if body and json_field not in body:
            raise Refused(400, f"The body is not {what}: it has no {json_field}.")
        try:
            return json_class.from_dict(body)
        except (ValueError, TypeError, AttributeError, RecursionError) as error:
            raise Refused(400, f"The body is not {what}: {str(error)[:300]}") from None
    message = proto_class()
    try:
        message.ParseFromString(data)
    except (DecodeError, ValueError, RecursionError) as error:
        raise Refused(400, f"The body is not {what}: {str(error)[:300]}") from None
    message.DiscardUnknownFields()
    if data and not message.ByteSize():
        raise Refused(400, f"The body is not {what}: nothing in it is OTLP.")
    return message


def answer(signal, content_type, rejected=0, why=""):
    """The Export*ServiceResponse, in the request's content type (bytes): empty, or saying
    how many items were refused and why."""
    *_, response_class, rejected_field, noun = SIGNALS[signal]
    response = response_class()
    if rejected:
        setattr(response.partial_success, rejected_field, rejected)
        response.partial_success.error_message = f"{rejected} {noun} refused: {why}"
    if content_type == PROTOBUF:
        return response.SerializeToString()
    return json.dumps(json_format.MessageToDict(response), separators=(",", ":")).encode()


def _status_class():
    # google.rpc.Status, the error body OTLP/HTTP gives protobuf clients; declared here
    # (code and message) rather than pulling in a package for two fields.
    proto = descriptor_pb2.FileDescriptorProto(name="candor/rpc_status.proto",
                                               package="google.rpc", syntax="proto3")
    status = proto.message_type.add(name="Status")
    status.field.add(name="code", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
                     label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    status.field.add(name="message", number=2,
                     type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
                     label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))


Status = _status_class()
# HTTP status -> the gRPC code a Status carries.
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 413: 8, 415: 3, 422: 3, 429: 8,
               503: 14}


def error_body(http_status, message):
    """An error as OTLP/HTTP answers protobuf clients: a google.rpc.Status (bytes)."""
    return Status(code=_GRPC_CODES.get(http_status, 2), message=message).SerializeToString()
