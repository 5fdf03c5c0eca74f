"""TCP peers on 127.0.0.1 that never answer, as a cache server behind a black-holing firewall or a hung Redis looks
to a client; started and stopped by the tests, in this process.

    with BlackHole() as hole:        # accepts every connection, reads what it is sent, never writes a byte
        hole.port
    with NeverAccepts() as queue:    # listening, its accept queue full and never drained: a connect hangs
        queue.port                   # (Linux drops the SYN while the queue is full; the client retransmits)
"""
import selectors
import socket
import threading

LOOPBACK = '127.0.0.1'


class BlackHole:
    """A TCP server that accepts and reads, and never answers; one thread, stopped by stop()."""

    def __init__(self):
        self.port = None
        self.accepted = 0
        self._listener = None
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((LOOPBACK, 0))
        self._listener.listen(64)
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name='black-hole', daemon=True)
        self._thread.start()
        return self

    def _serve(self):
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ)
        try:
            while not self._stop.is_set():
                for key, dummy in selector.select(timeout=0.1):
                    if key.fileobj is self._listener:
                        conn, dummy = self._listener.accept()
                        conn.setblocking(False)
                        selector.register(conn, selectors.EVENT_READ)
                        self.accepted += 1
                    elif not key.fileobj.recv(65536):  # the client closed: forget it; otherwise the bytes are dropped
                        selector.unregister(key.fileobj)
                        key.fileobj.close()
        finally:
            for key in list(selector.get_map().values()):
                key.fileobj.close()
            selector.close()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class NeverAccepts:
    """A listener with backlog 0 filled by connections of its own and never accept()ed.

    start() fills the queue until a probe connect with a short timeout really times out, so a test knows that
    a connect here hangs (and is not refused or accepted).
    """

    PROBE_TIMEOUT = 0.3
    MAX_FILLERS = 16

    def __init__(self):
        self.port = None
        self._listener = None
        self._fillers = []

    def start(self):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((LOOPBACK, 0))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        for dummy in range(self.MAX_FILLERS):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.settimeout(self.PROBE_TIMEOUT)
            try:
                probe.connect((LOOPBACK, self.port))
            except socket.timeout:
                probe.close()
                return self
            self._fillers.append(probe)  # it got into the queue: it stays there, one place fewer
        self.stop()
        raise RuntimeError('connects to a full accept queue on %s did not hang (%d fillers)' % (LOOPBACK, self.MAX_FILLERS))

    def stop(self):
        for sock in self._fillers:
            sock.close()
        self._fillers = []
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
