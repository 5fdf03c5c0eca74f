"""Real NTP services on loopback for tests and benchmarks.

- ChronyServer: a real chronyd (always ``-x``: it never touches this machine's clock) serving
  ``local stratum 8`` on a free UDP port, optionally skewed with libfaketime (skew='+300s').
- HostileServer: our own UDP responder for replies a good server never sends (KoD, malformed,
  unsynchronized), in a daemon thread of this process.
- DeadPort: a port that never answers (a bound socket that drops everything), or, with listen=False,
  a port nobody listens on (the kernel answers ICMP port unreachable).

Each has start() (returns self), stop(), a context manager, and pid, address, port, label.

    with ChronyServer() as good, ChronyServer(skew='+300s') as fast:
        query_servers([(good.address, good.port), (fast.address, fast.port)], 1, 3)

ntpdate and sntp only speak to port 123: ChronyServer(address='127.0.0.3', port=123) (root only).
"""
import glob
import os
import pwd
import shutil
import socket
import struct
import subprocess
import threading
import time

import ntplib

from lab import other_user

LOOPBACK = '127.0.0.1'
SBIN_PATH = os.pathsep.join((os.environ.get('PATH', ''), '/usr/sbin', '/sbin', '/usr/local/sbin'))
CHRONYD = shutil.which('chronyd', path=SBIN_PATH)
LIBFAKETIME = next(iter(sorted(glob.glob('/usr/lib/*/faketime/libfaketime.so.1') +
                               glob.glob('/usr/lib/faketime/libfaketime.so.1') +
                               glob.glob('/usr/local/lib/faketime/libfaketime.so.1'))), None)
CHRONY_USER = '_chrony'
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
NTP_EPOCH_OFFSET = 2208988800


def missing_tools(skewed=True):
    """Why the chronyd lab cannot run here (for pytest skip reasons), or None."""
    missing = []
    if CHRONYD is None:
        missing.append('chronyd (apt-get install chrony)')
    if skewed and LIBFAKETIME is None:
        missing.append('libfaketime (apt-get install libfaketime faketime)')
    return 'not installed: %s' % ', '.join(missing) if missing else None


def free_udp_port(address=LOOPBACK):
    """A UDP port that is free on address right now (the kernel's pick for port 0)."""
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


class _Service:
    """start()/stop()/context manager; address, port, label, pid."""

    address = LOOPBACK
    port = None

    @property
    def label(self):
        return ('[%s]:%s' if ':' in self.address else '%s:%s') % (self.address, self.port)

    @property
    def server(self):
        """(host, port) as query_servers takes it."""
        return (self.address, self.port)

    def as_dict(self):
        """Plain data for a lab state file."""
        return {'kind': type(self).__name__, 'address': self.address, 'port': self.port,
                'label': self.label, 'pid': self.pid}

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class ChronyServer(_Service):
    """A real chronyd serving `local stratum 8` on address:port, optionally skewed by libfaketime.

    port None picks a free port. skew is a libfaketime offset such as '+300s' or '-2m'; the server's
    clock is then wrong by exactly that much, as far as its NTP replies can tell. synchronized=False
    leaves out the local reference: chronyd then answers as an unsynchronized server.
    """

    def __init__(self, port=None, address=LOOPBACK, skew=None, synchronized=True):
        self.address = address
        self.requested_port = port
        self.port = port
        self.skew = skew
        self.synchronized = synchronized
        self.proc = None
        self.workdir = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def _config(self):
        allow = '::1/128' if ':' in self.address else '127.0.0.0/8'
        return '\n'.join([
            'port %d' % self.port,
            'bindaddress %s' % self.address,
            'allow %s' % allow,
            'local stratum 8' if self.synchronized else '',
            'cmdport 0',
            'bindcmdaddress /',
            'driftfile %s' % os.path.join(self.workdir, 'drift'),
            'pidfile %s' % os.path.join(self.workdir, 'chronyd.pid'),
            '',
        ])

    def _argv(self, conf):
        argv = [CHRONYD, '-x', '-d', '-6' if ':' in self.address else '-4', '-f', conf]
        if os.geteuid() != 0:
            argv += ['-U', '-u', pwd.getpwuid(os.geteuid()).pw_name]
        return argv

    def _env(self):
        env = dict(os.environ)
        if self.skew:
            # What `faketime -f SKEW` does, without its wrapper process: the pid stays chronyd's own.
            env.update(LD_PRELOAD=LIBFAKETIME, FAKETIME=self.skew)
        return env

    def start(self):
        reason = missing_tools(skewed=bool(self.skew))
        if reason:
            raise RuntimeError('ChronyServer: %s' % reason)
        self.workdir = other_user.shared_dir('gotime-chronyd-')  # chronyd drops to _chrony
        if os.geteuid() == 0:
            entry = pwd.getpwnam(CHRONY_USER)
            os.chown(self.workdir, entry.pw_uid, entry.pw_gid)
        # A picked port can be taken by someone else before chronyd binds it: pick again.
        attempts = 1 if self.requested_port else 3
        for attempt in range(attempts):
            self.port = self.requested_port or free_udp_port(self.address)
            try:
                self._launch()
                return self
            except RuntimeError:
                if attempt + 1 == attempts:
                    self.stop()
                    raise
        return self

    def _launch(self):
        conf = os.path.join(self.workdir, 'chrony.conf')
        with open(conf, 'w') as handle:
            handle.write(self._config())
        log_path = os.path.join(self.workdir, 'chronyd.log')
        with open(log_path, 'wb') as log:
            self.proc = subprocess.Popen(self._argv(conf), env=self._env(), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self._answers():
                return
        self._terminate()
        with open(log_path, 'rb') as log:
            tail = log.read().decode('utf-8', 'replace')[-2000:]
        raise RuntimeError('chronyd on %s did not serve time within %s s; its log:\n%s'
                           % (self.label, START_TIMEOUT, tail))

    def _answers(self):
        """True once chronyd answers (as a synchronized server unless synchronized=False)."""
        try:
            stats = ntplib.NTPClient().request(self.address, version=4, port=self.port, timeout=0.2)
            if not self.synchronized or (stats.leap != 3 and 0 < stats.stratum < 16):
                return True
        except (ntplib.NTPException, OSError):
            pass
        time.sleep(0.05)  # refusals and unsynchronized replies come back at once: pace the poll
        return False

    def _terminate(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def stop(self):
        self._terminate()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


class _UDPThreadService(_Service):
    """A UDP socket on a loopback port (port None: a free one), served by a daemon thread of this process."""

    def __init__(self, address=LOOPBACK, port=None):
        self.address = address
        self.requested_port = port
        self.port = None
        self.sock = None
        self.thread = None
        self.stopping = threading.Event()

    @property
    def pid(self):
        return os.getpid() if self.sock else None

    def start(self):
        family = socket.AF_INET6 if ':' in self.address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((self.address, self.requested_port or 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.stopping.clear()
        self.thread = threading.Thread(target=self._serve, name='%s-%s' % (type(self).__name__, self.port))
        self.thread.daemon = True
        self.thread.start()
        return self

    def _serve(self):
        while not self.stopping.is_set():
            try:
                data, peer = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            self.handle(data, peer)

    def handle(self, data, peer):
        raise NotImplementedError

    def stop(self):
        self.stopping.set()
        if self.thread:
            self.thread.join(5)
            self.thread = None
        if self.sock:
            self.sock.close()
            self.sock = None


class DeadPort(_UDPThreadService):
    """A port that never answers NTP.

    listen=True (default): a bound socket that reads and drops every request, so clients wait for
    their timeout. listen=False: a port nobody listens on (free when checked), so the kernel replies
    ICMP port unreachable.
    """

    def __init__(self, address=LOOPBACK, listen=True):
        super(DeadPort, self).__init__(address)
        self.listen = listen
        self.requests = 0

    @property
    def pid(self):
        return os.getpid() if self.listen and self.sock else None

    def start(self):
        if self.listen:
            return super(DeadPort, self).start()
        self.port = free_udp_port(self.address)
        return self

    def handle(self, data, peer):
        self.requests += 1


def _ntp_now(ahead=0.0):
    """Now (plus ahead seconds) as a 64-bit NTP timestamp."""
    return (((time.time_ns() + int((NTP_EPOCH_OFFSET + ahead) * 10 ** 9)) << 32) // 10 ** 9) & ((1 << 64) - 1)


def _fixed16(seconds):
    return int(seconds * 2 ** 16) & 0xFFFFFFFF


class HostileServer(_UDPThreadService):
    """Our own NTP responder for replies that a client must not trust.

    Modes (reply to every request unless said otherwise):
      ok             a good stratum 2 reply
      kod_rate       Kiss-o'-Death RATE (stratum 0, leap 3)
      kod_deny       Kiss-o'-Death DENY
      ok_then_rate   a good reply to the first request, RATE to the rest
      ok_then_silent good replies to the first `good` requests, then none (a server that stops answering)
      ok_then_ahead  good replies to the first `good` requests, then replies `ahead` seconds ahead (a
                     server whose clock jumped)
      short          20 bytes of garbage
      wrong_mode     mode 3 (client) instead of 4 (server)
      zero_transmit  transmit timestamp zero
      leap3          leap indicator 3 (unsynchronized), stratum 2
      stratum16      stratum 16 (unsynchronized), leap 0
      distant        root dispersion 16 s (root distance over chrony's 3 s maxdistance)
      bad_origin     origin timestamp that does not echo the request
    requests counts the requests received; port None binds a free port.
    """

    MODES = ('ok', 'kod_rate', 'kod_deny', 'ok_then_rate', 'ok_then_silent', 'ok_then_ahead', 'short', 'wrong_mode',
             'zero_transmit', 'leap3', 'stratum16', 'distant', 'bad_origin')

    def __init__(self, mode, address=LOOPBACK, port=None, good=1, ahead=100.0):
        if mode not in self.MODES:
            raise ValueError('HostileServer: mode %r is not one of %s' % (mode, ', '.join(self.MODES)))
        super(HostileServer, self).__init__(address, port)
        self.mode = mode
        self.good = good
        self.ahead = ahead
        self.requests = 0

    def handle(self, data, peer):
        self.requests += 1
        if len(data) < 48 or (self.mode == 'ok_then_silent' and self.requests > self.good):
            return
        self.sock.sendto(self.reply(data[40:48]), peer)

    def reply(self, origin):
        """The reply for a request whose transmit timestamp is origin (8 bytes)."""
        mode = self.mode
        if mode == 'ok_then_rate':
            mode = 'ok' if self.requests == 1 else 'kod_rate'
        if mode == 'short':
            return b'\x24\x02\x00\xe9' * 5
        leap, version, ntp_mode, stratum, ref_id = 0, 4, 4, 2, b'\x7f\x00\x00\x01'
        root_delay, root_dispersion = 0.0, 0.001
        received = now = _ntp_now()
        if mode == 'ok_then_ahead' and self.requests > self.good:
            received = now = _ntp_now(self.ahead)
        if mode in ('kod_rate', 'kod_deny'):
            leap, stratum, ref_id = 3, 0, b'RATE' if mode == 'kod_rate' else b'DENY'
        elif mode == 'wrong_mode':
            ntp_mode = 3
        elif mode == 'zero_transmit':
            now = 0
        elif mode == 'leap3':
            leap = 3
        elif mode == 'stratum16':
            stratum = 16
        elif mode == 'distant':
            root_dispersion = 16.0
        elif mode == 'bad_origin':
            origin = os.urandom(8)
        header = struct.pack('!BBbbII4s', leap << 6 | version << 3 | ntp_mode, stratum, 6, -20,
                             _fixed16(root_delay), _fixed16(root_dispersion), ref_id)
        return header + struct.pack('!Q', received) + origin + struct.pack('!QQ', received, now)
