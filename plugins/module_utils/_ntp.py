# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NTP measurement: concurrent validated queries, interval-intersection selection."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

import os
import re
import socket
import struct
import time
import traceback

from ansible_collections.cifleet.gotime.plugins.module_utils._endpoint import label, run_bounded

try:
    import ntplib
except ImportError:
    HAS_NTPLIB = False
    NTPLIB_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_NTPLIB = True
    NTPLIB_IMPORT_ERROR = None

STATUSES = ('ok', 'timeout', 'dns_error', 'kod', 'bad_reply', 'unsynchronized')

# A server whose root distance exceeds this cannot bound true time usefully (chrony's maxdistance default).
MAX_ROOT_DISTANCE = 3.0
# Frequency tolerance: dispersion grows by PHI seconds per second (RFC 5905).
PHI = 15e-6
# Floor of a root distance (ntpd's `tos mindist` default): below it, reading two clocks jitters more
# than servers report, so truthful servers a few hundred microseconds apart would not intersect.
MIN_ROOT_DISTANCE = 0.001

NTP_VERSION = 4
MODE_CLIENT = 3
MODE_SERVER = 4
LEAP_UNSYNCHRONIZED = 3
STRATUM_UNSYNCHRONIZED = 16
HEADER_LENGTH = 48
NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900-01-01 (NTP era 0) to 1970-01-01
MASK64 = (1 << 64) - 1

KISS_MEANINGS = {
    'RATE': 'the server asks us to query less often',
    'DENY': 'the server denies us access; stop querying it (remove it from ntp_servers)',
    'RSTR': 'the server restricts us; stop querying it (remove it from ntp_servers)',
    'INIT': 'the server has not synchronized yet',
    'STEP': 'the server stepped its clock',
}
KISS_CODE = re.compile(r'^[A-Z0-9]{1,4}$')
LOCAL_PRECISION = time.get_clock_info('time').resolution


# ---------------------------------------------------------------------------
# One exchange


def _ntp_fixed(unix_ns):
    """POSIX time in ns -> 64-bit NTP timestamp (32.32 fixed point, modulo the era)."""
    return (((unix_ns + NTP_EPOCH_OFFSET * 10 ** 9) << 32) // 10 ** 9) & MASK64


def _seconds_between(later, earlier):
    """later - earlier for 64-bit NTP timestamps, in seconds; correct across era rollover within 68 years."""
    diff = (later - earlier) & MASK64
    if diff >= 1 << 63:
        diff -= 1 << 64
    return diff / 2 ** 32


def _ref_id_text(stratum, ref_id):
    """ref_id as chrony shows it: an ASCII code for stratum 0/1, dotted IPv4 (or IPv6 hash) above."""
    raw = struct.pack('!I', ref_id)
    if stratum <= 1:
        code = raw.rstrip(b'\0 ').decode('ascii', 'replace')
        if code and code.isprintable():
            return code
    return socket.inet_ntoa(raw)


def _kiss_code(ref_id):
    code = struct.pack('!I', ref_id).rstrip(b'\0 ').decode('ascii', 'replace')
    return code if KISS_CODE.match(code) else None


def _measure(reply, cookie_sent, t1_ns, t4_ns):
    """Validate one reply (bytes) to the request whose transmit timestamp was cookie_sent.

    Returns (failure, sample): failure None for a good sample, 'ignore' for a datagram that does not
    answer our request (origin mismatch), else (status, error). sample holds what the reply told.
    """
    if len(reply) < HEADER_LENGTH:
        return ('bad_reply', 'reply is %d bytes; an NTP reply has at least %d' % (len(reply), HEADER_LENGTH)), None
    if reply[24:32] != cookie_sent:
        return 'ignore', None
    packet = ntplib.NTPPacket()
    packet.from_data(reply)
    if packet.mode != MODE_SERVER:
        return ('bad_reply', 'reply has mode %d; a server reply has mode %d' % (packet.mode, MODE_SERVER)), None
    if not 1 <= packet.version <= 4:
        return ('bad_reply', 'reply has NTP version %d' % packet.version), None
    sample = {'stratum': packet.stratum, 'leap': packet.leap, 'ref_id': _ref_id_text(packet.stratum, packet.ref_id)}
    if packet.stratum == 0:
        code = _kiss_code(packet.ref_id)
        if code:
            sample['ref_id'] = code
            return ('kod', 'kiss code %s: %s' % (code, KISS_MEANINGS.get(code, "Kiss-o'-Death"))), sample
    t2, t3 = struct.unpack('!QQ', reply[32:48])
    if t2 == 0 or t3 == 0:
        return ('bad_reply', 'reply has a zero %s timestamp' % ('transmit' if t3 == 0 else 'receive')), None
    t1 = _ntp_fixed(t1_ns)
    t4 = _ntp_fixed(t4_ns)
    offset = (_seconds_between(t2, t1) + _seconds_between(t3, t4)) / 2
    delay = _seconds_between(t4, t1) - _seconds_between(t3, t2)
    precision = 2.0 ** packet.precision + LOCAL_PRECISION + PHI * _seconds_between(t4, t1)
    root_distance = max(MIN_ROOT_DISTANCE,
                        max(delay, 0.0) / 2 + packet.root_dispersion + packet.root_delay / 2 + precision)
    sample.update(offset=offset, delay=delay, root_delay=packet.root_delay,
                  root_dispersion=packet.root_dispersion, root_distance=root_distance)
    if packet.leap == LEAP_UNSYNCHRONIZED or packet.stratum == 0 or packet.stratum >= STRATUM_UNSYNCHRONIZED:
        why = 'leap indicator 3' if packet.leap == LEAP_UNSYNCHRONIZED else 'stratum %d' % packet.stratum
        return ('unsynchronized', 'the server is not synchronized (%s)' % why), sample
    if root_distance > MAX_ROOT_DISTANCE:
        return ('unsynchronized', 'root distance %.3f s exceeds %s s: the server does not know the time well enough'
                % (root_distance, MAX_ROOT_DISTANCE)), sample
    return None, sample


def _exchange(sock, deadline):
    """One request and its reply on a connected socket; returns (failure, sample) as _measure does.

    The failure status 'unreachable' (send error, ICMP port unreachable) means: try the next address.
    """
    cookie = os.urandom(8)  # random transmit timestamp: only a reply that echoes it answers us
    request = ntplib.NTPPacket(version=NTP_VERSION, mode=MODE_CLIENT).to_data()[:40] + cookie
    ignored = False
    t1_ns = time.time_ns()
    start_ns = time.perf_counter_ns()
    try:
        sock.send(request)
    except OSError as exc:
        return ('unreachable', 'cannot send: %s' % (exc.strerror or exc)), None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if ignored:
                return ('bad_reply', 'only replies whose origin timestamp does not match our request'), None
            return ('timeout', None), None
        sock.settimeout(remaining)
        try:
            reply = sock.recv(1024)
        except socket.timeout:
            continue
        except ConnectionRefusedError:
            return ('unreachable', 'no NTP server on this port (ICMP port unreachable)'), None
        except OSError as exc:
            return ('unreachable', 'no reply: %s' % (exc.strerror or exc)), None
        # t4 from the monotonic counter, so a clock step during the exchange cannot distort delay.
        t4_ns = t1_ns + time.perf_counter_ns() - start_ns
        failure, sample = _measure(reply, cookie, t1_ns, t4_ns)
        if failure == 'ignore':
            ignored = True
            continue
        return failure, sample


# ---------------------------------------------------------------------------
# One server


def _blank(host, port):
    return {
        'host': host, 'port': port, 'address': None, 'status': 'timeout',
        'offset': None, 'delay': None, 'stratum': None, 'leap': None, 'ref_id': None,
        'root_delay': None, 'root_dispersion': None, 'root_distance': None,
        'samples': 0, 'error': None,
    }


def _query(server, timeout, samples, deadline, progress):
    """Query one server (name lookup and all samples) within deadline; return its result dict."""
    host, port = server
    result = _blank(host, port)
    progress['phase'] = 'name lookup'
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    except (socket.gaierror, UnicodeError) as exc:
        result.update(status='dns_error', error='cannot resolve %s: %s' % (host, exc))
        return result
    progress['phase'] = 'query'
    unreachable = []
    # Addresses in getaddrinfo's order; move on only when one is unreachable (e.g. IPv6 without a route).
    for family, socktype, proto, dummy, sockaddr in infos:
        if any(sockaddr == seen for seen, dummy in unreachable):
            continue
        result['address'] = progress['address'] = sockaddr[0]
        sock = socket.socket(family, socktype, proto)
        try:
            sock.connect(sockaddr)  # the kernel drops datagrams from any other address or port
            failure = _sample(result, sock, timeout, samples, deadline)
        except OSError as exc:
            failure = ('unreachable', 'cannot connect: %s' % (exc.strerror or exc))
        finally:
            sock.close()
        if not failure or failure[0] != 'unreachable':
            return result
        unreachable.append((sockaddr, failure[1]))
    result.update(status='timeout', error='; '.join('%s: %s' % (sockaddr[0], why) for sockaddr, why in unreachable))
    return result


def _sample(result, sock, timeout, samples, deadline):
    """Up to `samples` exchanges into result, keeping the one with the smallest delay (clock filter).

    Returns the unreachable failure when the address never answered, else None.
    """
    no_reply = 'no reply within %s s' % timeout
    best, answered, failure = None, 0, None
    for dummy in range(samples):
        failure, sample = _exchange(sock, deadline)
        if failure:
            break
        answered += 1
        if best is None or sample['delay'] < best['delay']:
            best = sample
    result['samples'] = answered
    if best is not None:
        result.update(best, status='ok')
        if failure:
            result['error'] = 'sample %d of %d: %s; kept the best of %d' % (
                answered + 1, samples, failure[1] or no_reply, answered)
        return None
    status, error = failure
    if status == 'unreachable':
        return status, error
    result.update(sample or {}, status=status, error=error or no_reply)
    return None


def query_servers(servers, timeout, samples):
    """Query every (host, port) at once; return one result dict per server, in input order.

    Keys: host, port, address, status (ok | timeout | dns_error | kod | bad_reply | unsynchronized), offset
    (true minus host time), delay, stratum, leap, ref_id, root_delay, root_dispersion, root_distance (all in
    seconds), samples (exchanges answered) and error (text or None).

    `timeout` bounds each server's whole query (name lookup and all samples), so the call returns within
    timeout + DEADLINE_GRACE (_endpoint.run_bounded) however many servers are silent. Each exchange sends a
    random transmit timestamp and accepts only a server-mode reply that echoes it. Sampling a server stops at
    its first failure; when some samples were good the status stays ok, the best one is kept, and error says
    why sampling stopped. `unsynchronized` and `kod` results keep the header fields the server sent (and the
    measured offset for `unsynchronized`) for diagnosis; they are never selected. Nothing raises: every
    failure is a status.
    """
    def work(server, deadline, progress):
        return _query(server, timeout, samples, deadline, progress)

    def failed(server, progress, exc):
        result = _blank(*server)
        result['address'] = progress.get('address')
        if exc is None:
            result['error'] = 'no result within %s s (%s still running)' % (timeout, progress['phase'])
        else:
            # A status, never a traceback: the caller reports this server and carries on.
            result.update(status='bad_reply', error='unexpected error: %s' % exc)
        return result

    return run_bounded(work, list(servers), timeout, failed)


# ---------------------------------------------------------------------------
# Selection


def select(results):
    """Choose true time from query results by interval intersection (Marzullo; RFC 5905 11.2.1, as chrony does).

    Each ok result gives the interval offset +/- root_distance, which contains true time if the server is
    right. The best intersection is the region covered by the most intervals (touching intervals overlap;
    equally deep regions are spanned together, as chrony does). There is a majority when more than half of
    the ok servers cover it. Then offset is the region's midpoint and error_bound its half-width, so the
    bound contains true time whenever the majority is right; truechimers are the servers whose interval
    contains the region (or lies inside it) and every other ok server is a falseticker, named and never
    averaged in.

    Without a majority (or without any ok server) nothing can be trusted and nobody can be blamed: offset
    and error_bound are None and both truechimers and falsetickers are empty; reason says why.

    Returns dict(offset, error_bound, truechimers, falsetickers, majority, candidates, reason); servers are
    named 'host:port' ('[ipv6]:port').
    """
    candidates = [r for r in results if r.get('status') == 'ok' and r.get('offset') is not None
                  and r.get('root_distance') is not None]
    selection = {'offset': None, 'error_bound': None, 'truechimers': [], 'falsetickers': [],
                 'majority': False, 'candidates': len(candidates), 'reason': None}
    if not candidates:
        selection['reason'] = 'no candidates: no server gave a usable reply'
        return selection
    intervals = [(r['offset'] - r['root_distance'], r['offset'] + r['root_distance']) for r in candidates]
    # (position, kind): a low end (0) sorts before a high end (1) at the same position.
    endpoints = sorted([(low, 0) for low, dummy in intervals] + [(high, 1) for dummy, high in intervals])
    depth = best_depth = 0
    best_low = best_high = None
    for position, kind in endpoints:
        if kind == 0:
            depth += 1
            if depth > best_depth:
                best_depth, best_low = depth, position
        else:
            if depth == best_depth:
                best_high = position
            depth -= 1
    if best_depth * 2 <= len(candidates):
        selection['reason'] = 'no majority: %d of %d servers agree' % (best_depth, len(candidates))
        return selection
    for result, (low, high) in zip(candidates, intervals):
        covers = low <= best_low and high >= best_high
        inside = low >= best_low and high <= best_high
        name = label(result['host'], result['port'])
        selection['truechimers' if covers or inside else 'falsetickers'].append(name)
    selection.update(offset=(best_low + best_high) / 2, error_bound=(best_high - best_low) / 2, majority=True)
    return selection
