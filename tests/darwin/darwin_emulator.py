"""macOS command emulator: a TEST TOOL that imitates systemsetup, sntp, launchctl, plutil, sw_vers and osascript.

This is not macOS. Installed under the real macOS paths inside a Linux test
container (tests/darwin/tasks/install.yml), or run from a temporary root by the
tests, it lets the collection's roles take their Darwin path where no Mac is
available. It:

- keeps its state in files (under $DARWIN_EMULATOR_ROOT, default /):
  /etc/ntp.conf (as macOS's systemsetup does), /var/db/darwin-emulator/...;
- accepts only the argument syntax of the real tools, for the subset it
  emulates, and rejects everything else with exit status 64;
- answers with output copied from real macOS (sources in tests/darwin/README.md, the
  recorded bytes in tests/darwin/recorded/), and fails the way macOS fails: sntp tries five
  times, prints an `sntp_exchange { ... }` dump per failed try, ends with `Clock select
  failed` and exits 69; launchd's bootout drains asynchronously; jobs run in the background;
- enforces launchd's rules: plist owned by root:wheel (uid 0, gid 0) and not
  group/world writable, a loaded label cannot be bootstrapped again, launchd
  keeps the plist it loaded (a changed file needs bootout + bootstrap);
- holds managed (MDM) time settings: a test writes /Library/Managed Preferences/com.apple.MCX.plist
  (timeServer, timeZone) and, as the installed profile does, /etc/ntp.conf; osascript answers the
  one read of them that clock_facts and the timesync role make;
- gives the emulated Mac its own clock: every job it spawns, and its sntp, run
  under libfaketime with the offset in /var/db/darwin-emulator/clock.rc, and
  `sntp -S` rewrites that file, so a step is observable without touching the
  real clock of any machine. sntp measures against a real NTP server.

Where real macOS varies by release, the `pessimistic` profile (the default, what molecule runs)
gives the harsher variant; `lenient` the milder one. Settings are files in the state directory
(SETTINGS below); a new piece of emulated state adds its file there and its tool to TOOLS.
Differences from macOS are listed in tests/darwin/README.md (timers never fire).
"""
import errno
import fcntl
import glob
import json
import os
import plistlib
import socket
import struct
import subprocess
import signal
import sys
import time

ROOT = os.environ.get('DARWIN_EMULATOR_ROOT', '/')
EX_USAGE = 64
NTP_EPOCH_OFFSET = 2208988800
JOB_TIMEOUT = 120
SW_VERS = (('ProductName', 'macOS'), ('ProductVersion', '14.5'), ('BuildVersion', '23F79'))
CLOCK_MARK = 'DARWIN_EMULATOR_CLOCK'


def host_path(path):
    """The emulated Mac's absolute path inside ROOT."""
    return os.path.join(ROOT, path.lstrip('/'))


STATE = host_path('/var/db/darwin-emulator')
CLOCK_FILE = os.path.join(STATE, 'clock.rc')
LAUNCHD_DIR = os.path.join(STATE, 'launchd')
DISABLED_FILE = os.path.join(STATE, 'launchd-disabled.json')
NETWORK_TIME_FILE = os.path.join(STATE, 'network-time.json')
NTP_CONF = host_path('/etc/ntp.conf')
LAUNCHD_LOCK = os.path.join(STATE, 'launchd.lock')
DRAINING_FILE = os.path.join(STATE, 'launchd-draining.json')

# Test settings: one file each in STATE (absent: the default). Read with setting(name).
SETTINGS = {
    # pessimistic: the harsher variant where macOS releases differ (README: "Profiles").
    'profile': ('pessimistic', ('pessimistic', 'lenient')),
    # Seconds launchd keeps a booted-out label: bootstrap fails with 5 meanwhile (macOS 26.5.1: ~5 s).
    'launchd_drain_seconds': (5.0, float),
    # A bootstrap this soon after the bootout or a refused bootstrap of a draining label gets 37.
    'launchd_eager_seconds': (1.0, float),
    # The next N `launchctl bootstrap` calls fail with 5 (a fresh install's transient failure).
    'launchd_bootstrap_failures': (0, int),
    # The first N tries of every sntp run time out (no reply), then the server answers.
    'sntp_failures': (0, int),
    # modern (default) or legacy (older releases' dated line).
    'sntp_style': ('modern', ('modern', 'legacy')),
}


def out(text):
    sys.stdout.write(text + '\n')


def err(text):
    sys.stderr.write(text + '\n')


def usage_error(tool, args):
    err('%s (macOS command emulator): unsupported arguments: %s' % (tool, ' '.join(args) or '(none)'))
    return EX_USAGE


def is_root():
    return os.geteuid() == 0


def read_json(path, default):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


def setting(name):
    """A test setting from its file in STATE, or its default; a bad value is an error, never ignored."""
    default, kind = SETTINGS[name]
    try:
        with open(os.path.join(STATE, name)) as handle:
            text = handle.read().strip()
    except OSError:
        return default
    if isinstance(kind, tuple):
        if text not in kind:
            raise SystemExit('macOS command emulator: %s/%s must be one of %s, got %r' % (STATE, name, ', '.join(kind), text))
        return text
    try:
        return kind(text)
    except ValueError:
        raise SystemExit('macOS command emulator: %s/%s must be a number, got %r' % (STATE, name, text))


def pessimistic():
    return setting('profile') == 'pessimistic'


def write_file(path, text):
    """Atomic write, as the real tools' state files are never seen half written."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = '%s.tmp.%d' % (path, os.getpid())
    with open(tmp, 'w') as handle:
        handle.write(text)
    os.replace(tmp, path)


# --- the emulated clock ---------------------------------------------------------------------

def libfaketime():
    found = sorted(glob.glob('/usr/lib/*/faketime/libfaketime.so.1') + glob.glob('/usr/lib/faketime/libfaketime.so.1'))
    if not found:
        raise SystemExit('macOS command emulator: libfaketime is required for the emulated clock')
    return found[0]


def clock_skew():
    """Seconds the emulated Mac's clock is ahead of true time (from the libfaketime file)."""
    try:
        with open(CLOCK_FILE) as handle:
            text = handle.read().strip()
    except OSError:
        return 0.0
    return float(text.rstrip('s') or 0)


def set_clock_skew(seconds):
    write_file(CLOCK_FILE, '%+.6fs\n' % seconds)


def clock_env(env):
    """env for a process of the emulated Mac: its clock is CLOCK_FILE's offset from true time."""
    if not os.path.exists(CLOCK_FILE):
        set_clock_skew(0.0)
    env = dict(env)
    env.pop('FAKETIME', None)  # would override the file
    env['LD_PRELOAD'] = libfaketime()
    env['FAKETIME_TIMESTAMP_FILE'] = CLOCK_FILE
    env['FAKETIME_NO_CACHE'] = '1'
    env[CLOCK_MARK] = CLOCK_FILE
    return env


def run_on_emulated_clock():
    """Re-exec this tool under the emulated clock unless it already runs on it."""
    if os.environ.get(CLOCK_MARK) == CLOCK_FILE:
        return
    os.execve(sys.executable, [sys.executable, sys.argv[0]] + sys.argv[1:], clock_env(os.environ))


# --- sw_vers ----------------------------------------------------------------------------------

def sw_vers(args):
    values = dict(SW_VERS)
    if not args:
        for key, value in SW_VERS:
            out('%s:\t\t%s' % (key, value))
        return 0
    single = {'-productName': 'ProductName', '-productVersion': 'ProductVersion', '-buildVersion': 'BuildVersion'}
    if len(args) == 1 and args[0] in single:
        out(values[single[args[0]]])
        return 0
    return usage_error('sw_vers', args)


# --- systemsetup ------------------------------------------------------------------------------

ADMIN_REFUSAL = 'You need administrator access to run this tool... exiting!'
# Printed on stderr by real set operations; harmless (see README).
INTERNET_SERVICES_NOISE = '### Error:-99 File:/AppleInternal/Library/BuildRoots/.../InternetServices.m Line:395'


def ntp_conf_server():
    try:
        with open(NTP_CONF) as handle:
            for line in handle:
                fields = line.split()
                if len(fields) >= 2 and fields[0] == 'server':
                    return fields[1]
    except OSError:
        pass
    return ''


def systemsetup(args):
    known = {('-getnetworktimeserver',): 0, ('-getusingnetworktime',): 0,
             ('-setnetworktimeserver',): 1, ('-setusingnetworktime',): 1}
    if not args or (args[0],) not in known or len(args) != 1 + known[(args[0],)]:
        return usage_error('systemsetup', args)
    if not is_root():
        out(ADMIN_REFUSAL)  # on stdout, exit status 0, as real systemsetup does
        return 0
    option = args[0]
    state = read_json(NETWORK_TIME_FILE, {'using_network_time': True})
    if option == '-getnetworktimeserver':
        out('Network Time Server: %s' % ntp_conf_server())
    elif option == '-getusingnetworktime':
        out('Network Time: %s' % ('On' if state['using_network_time'] else 'Off'))
    elif option == '-setnetworktimeserver':
        server = args[1]
        if not server or any(ch.isspace() for ch in server):
            return usage_error('systemsetup', args)
        write_file(NTP_CONF, 'server %s\n' % server)
        err(INTERNET_SERVICES_NOISE)
        out('setNetworkTimeServer: %s' % server)
    else:
        value = args[1].lower()
        if value not in ('on', 'off'):
            return usage_error('systemsetup', args)
        state['using_network_time'] = value == 'on'
        write_file(NETWORK_TIME_FILE, json.dumps(state) + '\n')
        err(INTERNET_SERVICES_NOISE)
        out('setUsingNetworkTime: %s' % value.capitalize())
    return 0


# --- sntp -------------------------------------------------------------------------------------
# Apple's sntp (macOS 10.15 and later) tries up to five exchanges. Each failed one prints
# `sntp: Exchange failed: REASON` and an `sntp_exchange { ... }` dump of the exchange; when none
# succeeded it prints `sntp: Clock select failed` and exits 69 (EX_UNAVAILABLE). The first
# success prints the result line and ends the run. Recorded outputs: tests/darwin/recorded/.

SNTP_TRIES = 5
EX_UNAVAILABLE = 69
# sntp_exchange result codes, as printed in the dumps.
RESULT_SUCCESS, RESULT_DNS, RESULT_TIMEOUT, RESULT_KOD, RESULT_UNSYNCHRONIZED = 0, 1, 6, 8, 9
RESULTS = {0: 'Success', 1: 'DNS lookup failure', 6: 'Timeout', 8: 'Kiss of death', 9: 'Server not synchronized',
           12: 'Remote clock stepped'}


def parse_sntp_args(args):
    """Apple sntp syntax, the subset emulated: -s, -S (also bundled: -sS), -t SECONDS, one host."""
    opts = {'slew': False, 'step': False, 'timeout': 5.0}
    hosts = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith('-') and len(arg) > 1:
            flags = arg[1:]
            while flags:
                flag, flags = flags[0], flags[1:]
                if flag == 's':
                    opts['slew'] = True
                elif flag == 'S':
                    opts['step'] = True
                elif flag == 't':
                    value = flags
                    flags = ''
                    if not value:
                        i += 1
                        if i >= len(args):
                            return None
                        value = args[i]
                    try:
                        opts['timeout'] = float(value)
                    except ValueError:
                        return None
                    if opts['timeout'] <= 0:
                        return None
                else:
                    return None
        else:
            hosts.append(arg)
        i += 1
    if len(hosts) != 1:
        return None
    opts['host'] = hosts[0]
    return opts


def ntp_timestamp(seconds):
    """A 64-bit NTP timestamp from a Unix time, at gettimeofday()'s microsecond resolution."""
    whole = int(seconds)
    usec = int(round((seconds - whole) * 1e6))
    if usec == 1000000:
        whole, usec = whole + 1, 0
    return (whole + NTP_EPOCH_OFFSET) << 32 | (usec << 32) // 1000000


def unix_time(stamp):
    return (stamp >> 32) - NTP_EPOCH_OFFSET + (stamp & 0xFFFFFFFF) / 2.0 ** 32


def new_exchange(result, addr=None, t1=0):
    """The fields of one exchange as sntp dumps them (raw NTP values, zero where nothing arrived)."""
    return {'result': result, 'header': 0, 'stratum': 0, 'poll': 0, 'precision': 0, 'root_delay': 0,
            'root_dispersion': 0, 'ref': 0, 't_ref': 0, 't1': t1, 't2': 0, 't3': 0, 't4': 0, 'error': 0,
            'addr': addr}


def exchange_dump(exchange):
    """sntp's `sntp_exchange { ... }` dump of one exchange, byte for byte as recorded (tests/darwin/recorded/).

    Timestamps print as 32.32 hex and truncated nanoseconds; offset, delay, mean and error are
    64.64 fixed point (the 32.32 difference shifted up, halved with an arithmetic shift) and print
    as hex and as a double. A dump without an address (DNS lookup failure) ends after dispersion.
    """
    def short(value):  # 16.16 root delay / dispersion
        return '%04X.%04X (%.9f)' % (value >> 16, value & 0xFFFF, value / 65536.0)

    def stamp(value):
        return '%08X.%08X (%d.%09d)' % (value >> 32, value & 0xFFFFFFFF, value >> 32, ((value & 0xFFFFFFFF) * 10 ** 9) >> 32)

    def wide(value):  # signed 64.64
        return '%016X.%016X (%.9f)' % ((value >> 64) & 0xFFFFFFFFFFFFFFFF, value & 0xFFFFFFFFFFFFFFFF, value / 2.0 ** 64)

    def refid(value, stratum):
        if stratum <= 1:
            text = ''.join(chr(b) if 32 <= b < 127 else ' ' for b in struct.pack('!I', value))
            return '%08X ("%s")' % (value, text)
        return '%08X (%s)' % (value, '.'.join(str(b) for b in reversed(struct.pack('!I', value))))

    e = exchange
    header = e['header']
    precision = e['precision'] - 256 if e['precision'] > 127 else e['precision']
    fields = [
        ('result', '%d (%s)' % (e['result'], RESULTS[e['result']])),
        ('header', '%02X (li:%d vn:%d mode:%d)' % (header, header >> 6, header >> 3 & 7, header & 7)),
        ('stratum', '%02X (%d)' % (e['stratum'], e['stratum'])),
        ('poll', '%02X (%d)' % (e['poll'], 2 ** e['poll'])),
        ('precision', '%02X (%e)' % (precision & 0xFFFFFFFF, 2.0 ** precision)),
        ('delay', short(e['root_delay'])),
        ('dispersion', short(e['root_dispersion'])),
    ]
    if e['addr'] is not None:
        t1, t2, t3, t4 = e['t1'], e['t2'], e['t3'], e['t4']
        fields += [
            ('ref', refid(e['ref'], e['stratum'])),
            ('t_ref', stamp(e['t_ref'])),
            ('t1', stamp(t1)), ('t2', stamp(t2)), ('t3', stamp(t3)), ('t4', stamp(t4)),
            ('offset', wide(((t2 - t1) + (t3 - t4)) << 32 >> 1)),
            ('delay', wide(((t4 - t1) - (t3 - t2)) << 32)),
            ('mean', wide((t2 + t3) << 32 >> 1)),
            ('error', wide(e['error'])),
            ('addr', e['addr']),
        ]
    return 'sntp_exchange {\n%s\n}\n' % '\n'.join('%14s: %s' % field for field in fields)


def ntp_exchange(address, port, timeout):
    """One real client exchange (RFC 5905) against the emulated Mac's clock: an exchange dict.

    A reply whose origin timestamp does not match, or that is not a server reply, is ignored (the
    client waits on, as sntp does); leap 3 is `Server not synchronized`, stratum 0 `Kiss of death`.
    """
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        t1 = ntp_timestamp(time.time())
        exchange = new_exchange(RESULT_TIMEOUT, address, t1)
        sock.sendto(b'\x23' + bytes(39) + struct.pack('!Q', t1), (address, port))  # LI 0, VN 4, mode 3
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return exchange
            sock.settimeout(remaining)
            try:
                data = sock.recvfrom(512)[0]
            except socket.timeout:
                return exchange
            except OSError:  # an ICMP error on this socket: nothing usable arrived
                continue
            t4 = ntp_timestamp(time.time())
            if len(data) >= 48 and data[24:32] == struct.pack('!Q', t1) and data[0] & 7 == 4:
                break
    header, stratum, poll, precision = data[0], data[1], data[2], data[3]
    root_delay, root_dispersion, ref, t_ref, _origin, t2, t3 = struct.unpack('!IIIQQQQ', data[4:48])
    exchange.update(header=header, stratum=stratum, poll=poll, precision=precision, root_delay=root_delay,
                    root_dispersion=root_dispersion, ref=ref, t_ref=t_ref, t2=t2, t3=t3, t4=t4)
    if header >> 6 == 3:
        exchange['result'] = RESULT_UNSYNCHRONIZED
    elif stratum == 0:
        exchange['result'] = RESULT_KOD
    else:
        exchange['result'] = RESULT_SUCCESS
    return exchange


def sntp_result_line(exchange, host):
    """`+0.171773 +/- 0.105399 time.apple.com 17.253.60.45` (only the address when HOST is one)."""
    t1, t2, t3, t4 = [unix_time(exchange[key]) for key in ('t1', 't2', 't3', 't4')]
    offset = ((t2 - t1) + (t3 - t4)) / 2
    delay = (t4 - t1) - (t3 - t2)
    error_bound = delay / 2 + exchange['root_delay'] / 131072.0 + exchange['root_dispersion'] / 65536.0
    address = exchange['addr']
    names = host if host == address else '%s %s' % (host, address)
    line = '%+.6f +/- %.6f %s' % (offset, error_bound, names)
    if setting('sntp_style') == 'legacy':  # older releases: local date before, stratum and leap after
        line = '%s (+0000) %s s%d no-leap' % (time.strftime('%Y-%m-%d %H:%M:%S.000000', time.gmtime()), line,
                                              exchange['stratum'])
    return line, offset


def sntp(args):
    opts = parse_sntp_args(args)
    if opts is None:
        return usage_error('sntp', args)
    run_on_emulated_clock()
    host = opts['host']
    port = int(os.environ.get('DARWIN_EMULATOR_NTP_PORT', '123'))  # tests on a shared host use a free port
    failing = setting('sntp_failures')
    # C stdio: the `sntp:` lines go to stderr at once; the dumps and the result line go to stdout,
    # which is block-buffered unless it is a terminal, so a pipe gets them all at exit.
    stdout = []

    def print_out(text):
        if sys.stdout.isatty():
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            stdout.append(text)

    success = None
    for attempt in range(1, SNTP_TRIES + 1):
        try:
            address = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0][4][0]
        except (socket.gaierror, UnicodeError):
            exchange = new_exchange(RESULT_DNS)
        else:
            if attempt <= failing:  # the request or its reply is lost: the try waits out -t
                exchange = new_exchange(RESULT_TIMEOUT, address, ntp_timestamp(time.time()))
                time.sleep(opts['timeout'])
            else:
                exchange = ntp_exchange(address, port, opts['timeout'])
        if exchange['result'] == RESULT_SUCCESS:
            success = exchange
            break
        err('sntp: Exchange failed: %s' % RESULTS[exchange['result']])
        print_out(exchange_dump(exchange))
    status = 0
    if success is None:
        err('sntp: Clock select failed')
        status = EX_UNAVAILABLE
    elif (opts['step'] or opts['slew']) and not is_root():
        err('sntp: settimeofday: Operation not permitted')
        status = 1
    else:
        line, offset = sntp_result_line(success, host)
        print_out(line + '\n')
        if opts['step'] or opts['slew']:
            set_clock_skew(clock_skew() + offset)  # the emulated settimeofday(): offset is true minus host time
    sys.stdout.write(''.join(stdout))
    sys.stdout.flush()
    return status


# --- osascript: only the read of the managed time settings (MDM profile payload com.apple.MCX) --

MANAGED_MCX = host_path('/Library/Managed Preferences/com.apple.MCX.plist')
MCX_KEYS = ('timeServer', 'timeZone')


def osascript(args):
    """`osascript -l JavaScript -e SCRIPT` for a script that reads timeServer and timeZone from the
    com.apple.MCX defaults suite (objectForKey, objectIsForcedForKey) and prints JSON.stringify of
    them: the emulator cannot run JavaScript, so it answers that one read from the managed
    preferences file a test writes (a profile's values are forced). Anything else: usage error.
    """
    if len(args) != 4 or args[:3] != ['-l', 'JavaScript', '-e'] or "initWithSuiteName('com.apple.MCX')" not in args[3] \
            or 'objectIsForcedForKey' not in args[3] or 'JSON.stringify' not in args[3]:
        return usage_error('osascript', args)
    try:
        with open(MANAGED_MCX, 'rb') as handle:
            managed = plistlib.load(handle)
    except FileNotFoundError:
        managed = {}
    out_values = {}
    for key in MCX_KEYS:
        value = managed.get(key) if isinstance(managed, dict) else None
        out_values[key] = {'value': value, 'forced': value is not None}
    out(json.dumps(out_values, separators=(',', ':'), ensure_ascii=False))  # as JSON.stringify writes it
    return 0


# --- plutil -----------------------------------------------------------------------------------

def plutil(args):
    if len(args) < 2 or args[0] != '-lint' or any(arg.startswith('-') for arg in args[1:]):
        return usage_error('plutil', args)
    status = 0
    for path in args[1:]:
        try:
            with open(path, 'rb') as handle:
                plistlib.load(handle)
        except OSError as exc:
            out('%s: file does not exist or is not readable or is not a regular file (%s)' % (path, exc.strerror))
            status = 1
        except Exception as exc:  # plistlib raises several types for malformed input
            out('%s: %s' % (path, exc))
            status = 1
        else:
            out('%s: OK' % path)
    return status


# --- launchctl --------------------------------------------------------------------------------
# launchd is asynchronous: bootout returns while launchd still holds the label (draining), and
# jobs started by RunAtLoad or kickstart run in the background after launchctl has returned.

class launchd_lock:
    """One launchctl (or job runner) at a time changes the emulated launchd's state files."""

    def __enter__(self):
        os.makedirs(STATE, exist_ok=True)
        self.handle = open(LAUNCHD_LOCK, 'a')
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def job_file(label):
    return os.path.join(LAUNCHD_DIR, label + '.json')


def loaded_job(label):
    return read_json(job_file(label), None)


def save_job(label, job):
    write_file(job_file(label), json.dumps(job, indent=1, sort_keys=True) + '\n')


def service_target(target):
    """'system/LABEL' -> LABEL; None for anything else (the emulator has only the system domain)."""
    domain, slash, label = target.partition('/')
    if domain != 'system' or not slash or not label or '/' in label:
        return None
    return label


def not_found(label, bad_request=False):
    """launchctl's reply for a label launchd does not know (113). `print` may say `Bad request.` first."""
    if bad_request and pessimistic():
        err('Bad request.')
    err('Could not find service "%s" in domain for system' % label)
    return 113


def ownership_ok(stat):
    return stat.st_uid == 0 and stat.st_gid == 0 and not stat.st_mode & 0o022


# --- the draining window after bootout (times on CLOCK_MONOTONIC: the emulated clock may be stepped)

def draining(label):
    """The label's drain record while launchd still holds it after a bootout, else None."""
    record = read_json(DRAINING_FILE, {}).get(label)
    if record and time.monotonic() < record['until']:
        return record
    return None


def set_draining(label, record):
    store = {key: value for key, value in read_json(DRAINING_FILE, {}).items() if time.monotonic() < value['until']}
    if record is None:
        store.pop(label, None)
    else:
        store[label] = record
    write_file(DRAINING_FILE, json.dumps(store, indent=1, sort_keys=True) + '\n')


def take_transient_failure():
    """True when a `launchd_bootstrap_failures` count is left (and uses one up)."""
    left = setting('launchd_bootstrap_failures')
    if left <= 0:
        return False
    write_file(os.path.join(STATE, 'launchd_bootstrap_failures'), '%d\n' % (left - 1))
    return True


def bootstrap(paths):
    if not is_root():
        err('Bootstrap failed: 1: Operation not permitted')
        return 1
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            err('Bootstrap failed: 2: No such file or directory')
            return 2
        if not ownership_ok(stat):
            err('Bootstrap failed: 122: Path had bad ownership/permissions')
            return 122
        try:
            with open(path, 'rb') as handle:
                raw = handle.read()
            job = plistlib.loads(raw)
        except Exception:  # malformed plist
            err('Bootstrap failed: 5: Input/output error')
            return 5
        label = job.get('Label') if isinstance(job, dict) else None
        if not isinstance(label, str) or not (job.get('Program') or job.get('ProgramArguments')):
            err('Bootstrap failed: 5: Input/output error')
            return 5
        with launchd_lock():
            if loaded_job(label) is not None:
                err('Bootstrap failed: 5: Input/output error')
                return 5
            drain = draining(label)
            if drain is not None:  # launchd still holds the booted-out label
                now = time.monotonic()
                eager = now - drain['last'] < setting('launchd_eager_seconds')
                drain['last'] = now
                set_draining(label, drain)
                if eager:
                    err('Bootstrap failed: 37: Operation already in progress')
                    return 37
                err('Bootstrap failed: 5: Input/output error')
                return 5
            if take_transient_failure():
                err('Bootstrap failed: 5: Input/output error')
                return 5
            if read_json(DISABLED_FILE, {}).get(label):
                err('Bootstrap failed: 119: Service is disabled')
                return 119
            # launchd keeps what it loaded: later edits of the file are not seen.
            save_job(label, {'path': path, 'plist': raw.decode('utf-8'), 'runs': 0, 'last_exit_code': None,
                             'pid': None})
            if job.get('RunAtLoad'):
                start_job(label)
    return 0


def bootout(args):
    if not is_root():
        err('Boot-out failed: 1: Operation not permitted')
        return 1
    if len(args) == 1:
        labels = [service_target(args[0])]
    else:
        if args[0] != 'system':
            return usage_error('launchctl', ['bootout'] + args)
        labels = []
        for path in args[1:]:
            try:
                with open(path, 'rb') as handle:
                    labels.append(plistlib.load(handle).get('Label'))
            except Exception:
                err('Boot-out failed: 5: Input/output error')
                return 5
    if None in labels:
        return usage_error('launchctl', ['bootout'] + args)
    with launchd_lock():
        for label in labels:
            state = loaded_job(label)
            if state is None:
                err('Boot-out failed: 3: No such process')
                return 3
            stop_job(state)
            os.unlink(job_file(label))
            now = time.monotonic()
            set_draining(label, {'until': now + setting('launchd_drain_seconds'), 'last': now})
    return 0


# --- jobs, run in the background as launchd runs them

def job_alive(state):
    pid = state.get('pid')
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


def stop_job(state):
    """SIGTERM to a running job's process group (its runner and the program), as bootout and kickstart -k do."""
    if job_alive(state):
        try:
            os.killpg(state['pid'], signal.SIGTERM)
        except OSError:
            pass
    state['pid'] = None


def start_job(label):
    """Start the job in the background (caller holds the lock); launchctl returns at once."""
    state = loaded_job(label)
    runner = subprocess.Popen([sys.executable, os.path.abspath(__file__), '_run_job', label],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True, close_fds=True)
    state['pid'] = runner.pid
    save_job(label, state)


def run_job(label):
    """The background runner: spawn the job as launchd would (root, minimal env, stdio files) on the
    emulated clock, wait for it, then record its run and exit code unless it was booted out meanwhile."""
    with launchd_lock():
        state = loaded_job(label)
        if state is None or state.get('pid') != os.getpid():
            return 0
    job = plistlib.loads(state['plist'].encode('utf-8'))
    argv = list(job.get('ProgramArguments') or [job['Program']])
    program = job.get('Program', argv[0])
    env = {'PATH': '/usr/bin:/bin:/usr/sbin:/sbin'}
    env.update({key: value for key, value in os.environ.items() if key.startswith('DARWIN_EMULATOR_')})
    env.update(job.get('EnvironmentVariables', {}))
    env = clock_env(env)
    stdio = []
    for key in ('StandardOutPath', 'StandardErrorPath'):
        path = job.get(key)
        if path:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            stdio.append(open(path, 'ab'))
        else:
            stdio.append(open(os.devnull, 'wb'))
    try:
        code = subprocess.call(argv, executable=program, env=env, cwd=job.get('WorkingDirectory', '/'),
                               stdin=subprocess.DEVNULL, stdout=stdio[0], stderr=stdio[1], timeout=JOB_TIMEOUT)
    except OSError:
        code = 78  # EX_CONFIG: xpcproxy could not spawn the program
    except subprocess.TimeoutExpired:
        code = -9
    finally:
        for handle in stdio:
            handle.close()
    with launchd_lock():
        state = loaded_job(label)
        if state is not None and state.get('pid') == os.getpid():
            state['runs'] += 1
            state['last_exit_code'] = code
            state['pid'] = None
            save_job(label, state)
    return 0


def kickstart(args):
    flags = [arg for arg in args if arg.startswith('-')]
    targets = [arg for arg in args if not arg.startswith('-')]
    if len(targets) != 1 or any(flag not in ('-k', '-p') for flag in flags):
        return usage_error('launchctl', ['kickstart'] + args)
    label = service_target(targets[0])
    if label is None:
        return usage_error('launchctl', ['kickstart'] + args)
    if not is_root():
        err('Could not kickstart service "%s": 1: Operation not permitted' % label)
        return 1
    with launchd_lock():
        state = loaded_job(label)
        if state is None:
            return not_found(label)
        if job_alive(state):
            if '-k' not in flags:  # already running: nothing to start
                return 0
            stop_job(state)
            save_job(label, state)
        start_job(label)
    return 0


def print_service(label):
    state = loaded_job(label)
    if state is None:
        return not_found(label, bad_request=True)
    job = plistlib.loads(state['plist'].encode('utf-8'))
    argv = job.get('ProgramArguments') or [job['Program']]
    running = job_alive(state)
    lines = ['system/%s = {' % label, '\tactive count = %d' % (1 if running else 0), '\tpath = %s' % state['path'],
             '\ttype = LaunchDaemon', '\tstate = %s' % ('running' if running else 'not running'), '',
             '\tprogram = %s' % job.get('Program', argv[0]), '\targuments = {']
    lines += ['\t\t%s' % arg for arg in argv]
    lines += ['\t}', '']
    if job.get('StandardOutPath'):
        lines.append('\tstdout path = %s' % job['StandardOutPath'])
    if job.get('StandardErrorPath'):
        lines.append('\tstderr path = %s' % job['StandardErrorPath'])
    lines.append('\truns = %d' % state['runs'])
    if running:
        lines.append('\tpid = %d' % state['pid'])
    lines.append('\tlast exit code = %s' % ('(never exited)' if state['last_exit_code'] is None else state['last_exit_code']))
    if 'StartInterval' in job:
        lines.append('\trun interval = %d seconds' % job['StartInterval'])
    lines.append('}')
    out('\n'.join(lines))
    return 0


def set_disabled(label, disabled):
    if not is_root():
        err('Could not %s service: 1: Operation not permitted' % ('disable' if disabled else 'enable'))
        return 1
    with launchd_lock():
        store = read_json(DISABLED_FILE, {})
        store[label] = disabled
        write_file(DISABLED_FILE, json.dumps(store, indent=1, sort_keys=True) + '\n')
    return 0


def launchctl(args):
    if not args:
        return usage_error('launchctl', args)
    command, rest = args[0], args[1:]
    if command == 'bootstrap':
        if len(rest) < 2 or rest[0] != 'system':
            return usage_error('launchctl', args)
        return bootstrap(rest[1:])
    if command == 'bootout':
        if not rest:
            return usage_error('launchctl', args)
        return bootout(rest)
    if command == 'kickstart':
        return kickstart(rest)
    if command in ('print', 'enable', 'disable'):
        label = service_target(rest[0]) if len(rest) == 1 else None
        if label is None:
            return usage_error('launchctl', args)
        if command == 'print':
            return print_service(label)
        return set_disabled(label, command == 'disable')
    # load/unload/list and the rest are not emulated: the roles use the modern subcommands only.
    return usage_error('launchctl', args)


def job_runner(args):
    """Internal: `_run_job LABEL`, started by the emulated launchd in its own session."""
    if len(args) != 1:
        return usage_error('_run_job', args)
    return run_job(args[0])


TOOLS = {'sw_vers': sw_vers, 'systemsetup': systemsetup, 'sntp': sntp, 'plutil': plutil, 'launchctl': launchctl,
         'osascript': osascript}


def main():
    name = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    if name not in TOOLS and args and args[0] == '_run_job':
        return job_runner(args[1:])
    if name not in TOOLS and args and args[0] in TOOLS:  # python3 darwin_emulator.py TOOL ARGS... (the installed wrappers)
        name, args = args[0], args[1:]
    if name not in TOOLS:
        err('macOS command emulator: run as one of %s' % ', '.join(sorted(TOOLS)))
        return EX_USAGE
    return TOOLS[name](args)


if __name__ == '__main__':
    sys.exit(main())
