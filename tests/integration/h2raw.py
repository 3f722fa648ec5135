# h2raw.py - a raw HTTP/2 gRPC client for fault-injection tests: frames the way a hostile or broken peer sends them.
"""Speaks HTTP/2 to a gRPC server with Debian's python3-h2 (the connection state machine, HPACK)
and writes the gRPC framing by hand, so a test can send exactly the bytes a well-behaved gRPC
library never would: a message cut short, a DATA burst past the flow-control window, RST_STREAM
at any point, END_STREAM after half a message, an abrupt connection reset.

Typical use (one connection, one or more calls on it):

    with H2Conn(host, port) as c:
        sid = c.start_call(METHOD)                    # HEADERS for a gRPC POST, no END_STREAM
        c.send_message(sid, md.SerializeToString())   # one length-prefixed gRPC message
        c.send_message(sid, chunk_bytes)
        c.send_prefix_only(sid, 1000, b"x" * 10, end_stream=True)   # a message cut short
        res = c.wait_result(sid, timeout=10)          # -> CallResult(status, message, ...)

Building blocks:
  grpc_frame(payload, compressed=False, declared_len=None)
                            the 5-byte gRPC prefix + payload; declared_len lies about the length
  H2Conn(host, port)        connects, sends the connection preface and SETTINGS; a context manager
                            (leaving it closes the socket); .sock is the raw socket
  .start_call(path, headers=(), encoding=None, timeout_s=None) -> stream id
                            encoding "gzip"/"deflate" sets grpc-encoding; timeout_s sets grpc-timeout
  .send_message(sid, payload, compressed=False, end_stream=False)
                            within flow control (waits for WINDOW_UPDATEs as h2 requires)
  .send_data(sid, data, end_stream=False)   raw DATA bytes, within flow control
  .send_prefix_only(sid, declared_len, body=b"", end_stream=False)
                            a gRPC prefix promising declared_len bytes, then only `body`
  .end_stream(sid)          an empty DATA frame with END_STREAM (the client's half-close)
  .send_data_unchecked(sid, data, end_stream=False, frame_size=16384)
                            DATA frames written by hand past h2's flow-control bookkeeping (a
                            burst beyond the server's window; the server answers RST_STREAM)
  .reset(sid, code=ErrorCodes.CANCEL)   RST_STREAM from the client
  .ping(timeout)            a PING, then waits for its ACK: the server has read every frame
                            sent before it (True once acknowledged)
  .pump(timeout)            reads and handles whatever the server sent (SETTINGS/PING ACKs are
                            answered); returns False once the connection is gone
  .wait_result(sid, timeout) -> CallResult
                            pumps until the stream ends (trailers, RST_STREAM or connection lost)
  .close()                  GOAWAY and a clean FIN
  .abort()                  SO_LINGER 0 then close: the kernel sends a TCP RST, no GOAWAY

CallResult fields: headers (dict), trailers (dict), data (bytes of DATA received), messages
(the gRPC payloads in data), status (int grpc-status or None), message (grpc-message, percent-
decoded), reset_code (the server's RST_STREAM error code or None), conn_lost (bool).
"""
import socket
import struct
import time
import urllib.parse

import h2.config
import h2.connection
import h2.events
import h2.exceptions
from h2.errors import ErrorCodes
from hyperframe.frame import DataFrame

__all__ = ["grpc_frame", "split_messages", "H2Conn", "CallResult", "ErrorCodes"]


def grpc_frame(payload, compressed=False, declared_len=None):
    """A gRPC length-prefixed message: flag byte, 4-byte big-endian length, payload."""
    n = len(payload) if declared_len is None else declared_len
    return struct.pack(">BI", 1 if compressed else 0, n) + payload


def split_messages(data):
    """gRPC payloads in a DATA byte string (a trailing partial message is ignored)."""
    out, off = [], 0
    while off + 5 <= len(data):
        _flag, n = struct.unpack(">BI", data[off:off + 5])
        if off + 5 + n > len(data):
            break
        out.append(data[off + 5:off + 5 + n])
        off += 5 + n
    return out


class CallResult:
    def __init__(self):
        self.headers = {}
        self.trailers = {}
        self.data = b""
        self.status = None
        self.message = ""
        self.reset_code = None
        self.conn_lost = False
        self.ended = False

    @property
    def messages(self):
        return split_messages(self.data)

    def __repr__(self):
        return ("CallResult(status=%r, message=%r, reset_code=%r, conn_lost=%r, %d data bytes)"
                % (self.status, self.message, self.reset_code, self.conn_lost, len(self.data)))


def _hdict(pairs):
    return {(k.decode() if isinstance(k, bytes) else k): (v.decode("latin-1") if isinstance(v, bytes) else v)
            for k, v in pairs}


class H2Conn:
    """One HTTP/2 connection to a gRPC server (cleartext, prior knowledge)."""

    def __init__(self, host, port, connect_timeout=10.0):
        self.host, self.port = host, int(port)
        self.sock = socket.create_connection((host, self.port), timeout=connect_timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=True, header_encoding=None))
        self.results = {}
        self.alive = True
        self._acked = False
        self.conn.initiate_connection()
        self._flush()

    # ------------------------------------------------------------ plumbing

    def _flush(self):
        out = self.conn.data_to_send()
        if out and self.alive:
            try:
                self.sock.sendall(out)
            except OSError:
                self._lost()

    def _lost(self):
        self.alive = False
        for r in self.results.values():
            if not r.ended:
                r.conn_lost = True
                r.ended = True

    def _result(self, sid):
        return self.results.setdefault(sid, CallResult())

    def _handle(self, ev):
        sid = getattr(ev, "stream_id", None)
        if isinstance(ev, h2.events.ResponseReceived):
            self._result(sid).headers.update(_hdict(ev.headers))
            self._trailers_only(sid, ev)
        elif isinstance(ev, h2.events.TrailersReceived):
            r = self._result(sid)
            r.trailers.update(_hdict(ev.headers))
            self._set_status(r, r.trailers)
        elif isinstance(ev, h2.events.DataReceived):
            r = self._result(sid)
            r.data += ev.data
            self.conn.acknowledge_received_data(ev.flow_controlled_length, sid)
        elif isinstance(ev, h2.events.StreamEnded):
            self._result(sid).ended = True
        elif isinstance(ev, h2.events.StreamReset):
            r = self._result(sid)
            r.reset_code = int(ev.error_code)
            r.ended = True
        elif isinstance(ev, h2.events.PingAckReceived):
            self._acked = True
        elif isinstance(ev, (h2.events.ConnectionTerminated,)):
            self._lost()

    def _trailers_only(self, sid, ev):
        r = self._result(sid)
        if "grpc-status" in r.headers:  # a Trailers-Only response
            self._set_status(r, r.headers)

    @staticmethod
    def _set_status(r, hdrs):
        if "grpc-status" in hdrs:
            r.status = int(hdrs["grpc-status"])
            r.message = urllib.parse.unquote(hdrs.get("grpc-message", ""))

    def pump(self, timeout=0.05):
        """Reads whatever arrives within timeout and handles it; False once the connection is gone."""
        if not self.alive:
            return False
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            return True
        except OSError:
            self._lost()
            return False
        if not data:
            self._lost()
            return False
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self._lost()
            return False
        for ev in events:
            self._handle(ev)
        self._flush()
        return self.alive

    # ------------------------------------------------------------ calls

    def start_call(self, path, headers=(), encoding=None, timeout_s=None):
        """Opens a stream with the HEADERS of a gRPC call; returns its stream id."""
        sid = self.conn.get_next_available_stream_id()
        hdrs = [(":method", "POST"), (":scheme", "http"), (":path", path),
                (":authority", "%s:%d" % (self.host, self.port)),
                ("content-type", "application/grpc"), ("te", "trailers"),
                ("user-agent", "h2raw-test")]
        if encoding:
            hdrs.append(("grpc-encoding", encoding))
            hdrs.append(("grpc-accept-encoding", "identity,deflate,gzip"))
        if timeout_s is not None:
            hdrs.append(("grpc-timeout", "%dm" % int(timeout_s * 1000)))
        hdrs.extend(headers)
        self.conn.send_headers(sid, hdrs, end_stream=False)
        self._result(sid)
        self._flush()
        return sid

    def send_data(self, sid, data, end_stream=False, timeout=30.0):
        """DATA frames within flow control: waits (bounded) for the window when it is closed."""
        deadline = time.monotonic() + timeout
        view = memoryview(data)
        while len(view):
            window = min(self.conn.local_flow_control_window(sid), self.conn.max_outbound_frame_size)
            if window <= 0:
                if time.monotonic() > deadline:
                    raise TimeoutError("flow-control window stayed closed for %.0f s" % timeout)
                if not self.pump(0.05):
                    raise ConnectionError("connection lost while sending")
                continue
            n = min(window, len(view))
            self.conn.send_data(sid, bytes(view[:n]), end_stream=end_stream and n == len(view))
            view = view[n:]
            self._flush()
        if end_stream and not data:
            self.conn.send_data(sid, b"", end_stream=True)
            self._flush()

    def send_message(self, sid, payload, compressed=False, end_stream=False):
        self.send_data(sid, grpc_frame(payload, compressed), end_stream=end_stream)

    def send_prefix_only(self, sid, declared_len, body=b"", end_stream=False):
        """A message cut short: the prefix promises declared_len bytes, only body follows."""
        assert len(body) < declared_len
        self.send_data(sid, grpc_frame(body, declared_len=declared_len), end_stream=end_stream)

    def end_stream(self, sid):
        self.conn.end_stream(sid)
        self._flush()

    def send_data_unchecked(self, sid, data, end_stream=False, frame_size=16384):
        """DATA frames written by hand, ignoring the peer's flow-control window (h2 would refuse)."""
        view = memoryview(data)
        while True:
            part = bytes(view[:frame_size])
            view = view[frame_size:]
            f = DataFrame(sid, data=part)
            if end_stream and not len(view):
                f.flags.add("END_STREAM")
            try:
                self.sock.sendall(f.serialize())
            except OSError:
                self._lost()
                return
            if not len(view):
                return

    def reset(self, sid, code=ErrorCodes.CANCEL):
        self.conn.reset_stream(sid, error_code=code)
        self._flush()

    def ping(self, timeout=10.0):
        """Sends a PING and pumps until its ACK: the server's transport has processed every
        frame written before it. False if no ACK came within timeout (or the connection died)."""
        self.conn.ping(b"h2rawpin")
        self._flush()
        self._acked = False
        deadline = time.monotonic() + timeout
        while not self._acked and time.monotonic() < deadline:
            if not self.pump(0.05):
                break
        return self._acked

    def wait_result(self, sid, timeout=10.0):
        """Pumps until the stream has ended (status, reset or connection lost) or timeout passes."""
        deadline = time.monotonic() + timeout
        r = self._result(sid)
        while not r.ended and time.monotonic() < deadline:
            if not self.pump(min(0.1, max(0.001, deadline - time.monotonic()))):
                break
        return r

    # ------------------------------------------------------------ ending the connection

    def close(self):
        """GOAWAY, then a clean FIN."""
        if self.alive:
            try:
                self.conn.close_connection()
                self._flush()
            except h2.exceptions.ProtocolError:
                pass
        self._close_socket()

    def abort(self):
        """Closes with SO_LINGER 0: the kernel resets the connection (TCP RST, no GOAWAY)."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self._close_socket()

    def _close_socket(self):
        self.alive = False
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._close_socket()
        return False
