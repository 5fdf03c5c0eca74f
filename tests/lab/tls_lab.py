"""Real TLS and HTTPS services on loopback for tests and benchmarks.

Every service binds a free port (port 0) on a loopback address, runs in daemon
threads of the calling process and is stopped by stop() or by leaving its
``with`` block.  Certificates come from one test CA (trustme) per LabCA.

    with LabCA() as ca, TLSServer(ca, window='not_yet_valid') as server:
        fetch_certificates([server.endpoint], timeout=2)
"""
import datetime
import email.utils
import http.server
import os
import shutil
import socket
import socketserver
import ssl
import struct
import tempfile
import threading
import time

import trustme

LOOPBACK = '127.0.0.1'
SERVER_NAMES = ('localhost', '127.0.0.1')
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# Validity windows relative to now, as (not_before, not_after) offsets.
WINDOWS = {
    'valid': (-DAY, 30 * DAY),
    'not_yet_valid': (HOUR, 30 * DAY),
    'expired': (-30 * DAY, -DAY),
}
# Handshakes and reads on the server side never hang a test for longer.
SERVER_IO_TIMEOUT = 5.0


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


class _Service:
    """start()/stop()/context manager around one listening socket on a free port."""

    def __init__(self, host=LOOPBACK):
        self.host = host
        self.port = None

    @property
    def endpoint(self):
        return '%s:%s' % (self.host, self.port)

    def start(self):
        raise NotImplementedError

    def stop(self):
        raise NotImplementedError

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class LabCA:
    """A test CA (trustme) that issues leaf certificates with chosen validity windows.

    ca_pem_path is the CA certificate in PEM, for ca_file / cafile arguments.
    """

    def __init__(self, directory=None):
        self._own_dir = directory is None
        self.directory = directory or tempfile.mkdtemp(prefix='gotime-tls-lab-')
        self._ca = trustme.CA(organization_name='cifleet gotime test CA')
        self.ca_pem_path = os.path.join(self.directory, 'ca.pem')
        self._ca.cert_pem.write_to_path(self.ca_pem_path)
        self.issued = {}

    def issue(self, window='valid', names=SERVER_NAMES):
        """Issue a leaf for names; window is a WINDOWS key or a (not_before, not_after) pair of datetimes.

        Returns (chain_and_key_pem_path, not_before, not_after).
        """
        if isinstance(window, str):
            start, end = WINDOWS[window]
            now = _utcnow()
            not_before, not_after = now + start, now + end
        else:
            not_before, not_after = window
        leaf = self._ca.issue_cert(*names, not_before=not_before, not_after=not_after)
        label = '%s-%d' % (window if isinstance(window, str) else 'custom', len(self.issued))
        path = os.path.join(self.directory, label + '.pem')
        leaf.private_key_and_cert_chain_pem.write_to_path(path)
        self.issued[label] = (path, not_before, not_after)
        return path, not_before, not_after

    def server_context(self, window='valid', names=SERVER_NAMES):
        """An ssl server context presenting a leaf for names with the given window."""
        path, not_before, not_after = self.issue(window, names)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(path)
        return ctx, not_before, not_after

    def close(self):
        if self._own_dir:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _QuietTCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        """Clients that reject or drop the connection are expected here."""


class _SocketServerService(_Service):
    """A socketserver running serve_forever in a daemon thread."""

    server_class = _QuietTCPServer

    def _handler(self):
        raise NotImplementedError

    def _configure(self, server):
        """Hook for subclasses to attach state to the server."""

    def start(self):
        self._server = self.server_class((self.host, 0), self._handler())
        self._configure(self._server)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.05},
                                        name='tls-lab-%s' % type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        server = getattr(self, '_server', None)
        if server is not None:
            server.shutdown()
            server.server_close()
            self._thread.join(SERVER_IO_TIMEOUT)
            self._server = None


class TLSServer(_SocketServerService):
    """Completes TLS handshakes with a leaf from ca whose validity is window, then closes."""

    def __init__(self, ca, window='valid', host=LOOPBACK, names=SERVER_NAMES):
        super().__init__(host)
        self.context, self.not_before, self.not_after = ca.server_context(window, names)
        self.window = window

    def _handler(self):
        context = self.context

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(SERVER_IO_TIMEOUT)
                with context.wrap_socket(self.request, server_side=True) as tls:
                    tls.recv(1)  # wait for the client to close

        return Handler


def crafted_context(directory, subject, issuer, sans, patches=(), days=30):
    """A server context presenting a self-signed leaf with exactly the given names, unchecked.

    subject and issuer: lists of (NameOID, text), no length or character rules applied; sans: DNS
    names (any ASCII). patches: (placeholder, replacement) byte pairs of equal length applied to the
    DER afterwards, e.g. invalid UTF-8 where no encoder would write it. The signature no longer
    matches then; clients that read the leaf unverified (clock_facts) still get it whole.
    Returns (context, not_before, not_after).
    """
    import warnings
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    def name(attributes):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # cryptography warns about over-long names when told not to check
            return x509.Name([x509.NameAttribute(oid, value, _validate=False) for oid, value in attributes])

    key = ec.generate_private_key(ec.SECP256R1())
    now = _utcnow()
    not_before, not_after = now - DAY, now + days * DAY
    cert = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
            .sign(key, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)
    for placeholder, replacement in patches:
        if len(placeholder) != len(replacement) or placeholder not in der:
            raise ValueError('patch %r: the placeholder must occur in the DER and keep its length' % (placeholder,))
        der = der.replace(placeholder, replacement)
    path = os.path.join(directory, 'crafted-%d.pem' % len(os.listdir(directory)))
    with open(path, 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
        handle.write(ssl.DER_cert_to_PEM_cert(der).encode('ascii'))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(path)
    return ctx, not_before, not_after


class CraftedTLSServer(_SocketServerService):
    """Like TLSServer, presenting a leaf from crafted_context (hostile subject, issuer or SANs)."""

    _handler = TLSServer._handler

    def __init__(self, directory, subject, issuer, sans, patches=(), host=LOOPBACK):
        super().__init__(host)
        self.context, self.not_before, self.not_after = crafted_context(directory, subject, issuer, sans, patches)
        self.window = 'valid'


class NotTLSServer(_SocketServerService):
    """A plain TCP service that answers any bytes with an HTTP error, as a misconfigured port would."""

    ANSWER = b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'

    def _handler(self):
        answer = self.ANSWER

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(SERVER_IO_TIMEOUT)
                self.request.recv(4096)
                self.request.sendall(answer)

        return Handler


class ResetServer(_SocketServerService):
    """Reads the client's first bytes (the ClientHello), then resets the connection (SO_LINGER 0)."""

    def _handler(self):
        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(SERVER_IO_TIMEOUT)
                self.request.recv(4096)
                self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                # Close here: socketserver would shut down (FIN) first, which reads as a clean EOF.
                self.request.close()

        return Handler


class SilentServer(_Service):
    """Listens but never accepts or speaks: the kernel completes TCP, the TLS handshake never starts."""

    def start(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((self.host, 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        return self

    def stop(self):
        sock = getattr(self, '_sock', None)
        if sock is not None:
            sock.close()
            self._sock = None


class ClosedPort(_Service):
    """A port bound but not listening: connecting is refused, and no one else can take the port meanwhile."""

    def start(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((self.host, 0))
        self.port = self._sock.getsockname()[1]
        return self

    stop = SilentServer.stop


class _SkewedDateHandler(http.server.BaseHTTPRequestHandler):
    """Answers HEAD and GET with 204; the Date header is the server clock plus server.skew seconds."""

    protocol_version = 'HTTP/1.1'

    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(time.time() + self.server.skew, usegmt=True)

    def _answer(self):
        if self.command in self.server.date_methods:
            self.send_response(204)
        else:
            self.send_response_only(204)
        self.send_header('Connection', 'close')
        self.end_headers()

    do_HEAD = _answer
    do_GET = _answer

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """No access log on stderr."""


class _TLSHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def finish_request(self, request, client_address):
        # The handshake runs in the request's thread, so a slow client does not block accept().
        request.settimeout(SERVER_IO_TIMEOUT)
        try:
            request = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client rejected the certificate or went away
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        """Clients that drop the connection are expected here."""


class HTTPSDateServer(_SocketServerService):
    """HTTPS server whose Date header is skewed by skew seconds.

    window sets the certificate's validity (e.g. 'not_yet_valid' to show the
    HTTPS Date check ignores it); date_methods lists the methods whose reply
    carries a Date header (('GET',) makes HEAD answer without one).
    """

    server_class = _TLSHTTPServer

    def __init__(self, ca, skew=0.0, window='valid', host=LOOPBACK, names=SERVER_NAMES, date_methods=('HEAD', 'GET')):
        super().__init__(host)
        self.context, self.not_before, self.not_after = ca.server_context(window, names)
        self.skew = skew
        self.window = window
        self.date_methods = tuple(date_methods)

    def _handler(self):
        return _SkewedDateHandler

    def _configure(self, server):
        server.tls_context = self.context
        server.skew = self.skew
        server.date_methods = self.date_methods

    def url_for(self, host=None):
        return 'https://%s:%s/' % (host or self.host, self.port)

    @property
    def url(self):
        return self.url_for()


CHAIN_ROLES = ('leaf', 'intermediate', 'root')


def chain_certificates(windows=None, names=SERVER_NAMES):
    """leaf <- intermediate <- root made with cryptography, each with its own validity window.

    windows: {role: WINDOWS key or (not_before, not_after) datetimes} for the roles leaf, intermediate
    and root; 'valid' where not given. Returns ({role: certificate}, {role: private key}, {role:
    (subject, issuer, not_before, not_after)}), names in RFC 4514 as cryptography writes them.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = _utcnow()
    windows = dict(windows or {})

    def window(role):
        value = windows.get(role, 'valid')
        if isinstance(value, str):
            start, end = WINDOWS[value]
            return now + start, now + end
        return value

    def subject(role):
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'cifleet gotime chain lab'),
                          x509.NameAttribute(NameOID.COMMON_NAME, 'lab %s' % role)])

    keys = dict((role, ec.generate_private_key(ec.SECP256R1())) for role in CHAIN_ROLES)
    issuers = {'root': 'root', 'intermediate': 'root', 'leaf': 'intermediate'}
    certs, described = {}, {}
    for role in ('root', 'intermediate', 'leaf'):
        not_before, not_after = window(role)
        builder = (x509.CertificateBuilder().subject_name(subject(role)).issuer_name(subject(issuers[role]))
                   .public_key(keys[role].public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(not_before).not_valid_after(not_after)
                   .add_extension(x509.BasicConstraints(ca=role != 'leaf', path_length=None), critical=True))
        if role == 'leaf':
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        certs[role] = builder.sign(keys[issuers[role]], hashes.SHA256())
        described[role] = (subject(role).rfc4514_string(), subject(issuers[role]).rfc4514_string(), not_before, not_after)
    return certs, keys, described


def chain_context(directory, windows=None, names=SERVER_NAMES, send_root=False):
    """A server context presenting a chain_certificates chain: the leaf and the intermediate, as servers are
    set up to, and the root too when send_root. Returns (context, {role: (subject, issuer, not_before, not_after)}).
    """
    from cryptography.hazmat.primitives import serialization

    certs, keys, described = chain_certificates(windows, names)
    path = os.path.join(directory, 'chain-%d.pem' % len(os.listdir(directory)))
    with open(path, 'wb') as handle:
        handle.write(keys['leaf'].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
        for role in CHAIN_ROLES if send_root else CHAIN_ROLES[:2]:
            handle.write(certs[role].public_bytes(serialization.Encoding.PEM))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(path)
    return ctx, described


class ChainTLSServer(_SocketServerService):
    """Like TLSServer, presenting a leaf <- intermediate <- root chain from chain_context (own keys, no trustme).

    chain: {role: (subject, issuer, not_before, not_after)} of what it was made with.
    """

    _handler = TLSServer._handler

    def __init__(self, directory, windows=None, host=LOOPBACK, names=SERVER_NAMES, send_root=False):
        super().__init__(host)
        self.context, self.chain = chain_context(directory, windows, names, send_root)
