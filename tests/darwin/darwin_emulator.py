"""macOS command emulator: a TEST TOOL that imitates systemsetup, sntp, launchctl, plutil and sw_vers.

This is not macOS. Installed under the real macOS paths inside a Linux test
container (tests/darwin/tasks/install.yml), or run from a temporary root by the
tests, it lets the collection's roles take their Darwin path where no Mac is
available. It:

- keeps its state in files (under $DARWIN_EMULATOR_ROOT, default /):
  /etc/ntp.conf (as macOS's systemsetup does), /var/db/darwin-emulator/...;
- accepts only the argument syntax of the real tools, for the subset it
  emulates, and rejects everything else with exit status 64;
- answers with output copied from real macOS (sources in tests/darwin/README.md);
- enforces launchd's rules: plist owned by root:wheel (uid 0, gid 0) and not
  group/world writable, a loaded label cannot be bootstrapped again, launchd
  keeps the plist it loaded (a changed file needs bootout + bootstrap);
- gives the emulated Mac its own clock: every job it spawns, and its sntp, run
  under libfaketime with the offset in /var/db/darwin-emulator/clock.rc, and
  `sntp -S` rewrites that file, so a step is observable without touching the
  real clock of any machine. sntp measures against a real NTP server.

Differences from macOS are listed in tests/darwin/README.md (jobs run
synchronously on bootstrap (RunAtLoad) and kickstart; timers never fire).
"""
import glob
import json
import os
import plistlib
import socket
import struct
import subprocess
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
SNTP_STYLE_FILE = os.path.join(STATE, 'sntp_style')
NTP_CONF = host_path('/etc/ntp.conf')


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

def parse_sntp_args(args):
    """ntp 4.2.8 sntp syntax, the subset emulated: -s, -S (also bundled: -sS), -t SECONDS, one host."""
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


def ntp_query(address, port, timeout):
    """One real client exchange (RFC 5905): (offset, error bound) against the emulated Mac's clock."""
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        t1 = time.time()
        ntp_t1 = t1 + NTP_EPOCH_OFFSET
        transmit = struct.pack('!II', int(ntp_t1), int((ntp_t1 % 1) * 2 ** 32))
        sock.sendto(b'\x23' + bytes(39) + transmit, (address, port))  # LI 0, VN 4, mode 3 (client)
        data = sock.recvfrom(512)[0]
        t4 = time.time()
    if len(data) < 48 or data[24:32] != transmit:
        raise ValueError('bad reply')
    header, stratum = data[0], data[1]
    root_delay, root_dispersion = [value / 65536.0 for value in struct.unpack('!2I', data[4:12])]

    def stamp(offset):
        seconds, fraction = struct.unpack('!II', data[offset:offset + 8])
        return seconds - NTP_EPOCH_OFFSET + fraction / 2.0 ** 32

    if header >> 6 == 3 or stratum == 0 or header & 7 != 4:
        raise ValueError('server not synchronized')
    t2, t3 = stamp(32), stamp(40)
    offset = ((t2 - t1) + (t3 - t4)) / 2
    delay = (t4 - t1) - (t3 - t2)
    return offset, delay / 2 + root_delay / 2 + root_dispersion, stratum


def sntp(args):
    opts = parse_sntp_args(args)
    if opts is None:
        return usage_error('sntp', args)
    run_on_emulated_clock()
    host = opts['host']
    port = int(os.environ.get('DARWIN_EMULATOR_NTP_PORT', '123'))  # tests on a shared host use a free port
    try:
        address = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0][4][0]
    except socket.gaierror:
        err('sntp: lookup error for %s' % host)
        return 1
    try:
        offset, error_bound, stratum = ntp_query(address, port, opts['timeout'])
    except socket.timeout:
        err('sntp: Exchange failed: Timeout')
        return 1
    except (OSError, ValueError) as exc:
        err('sntp: Exchange failed: %s' % exc)
        return 1
    if (opts['step'] or opts['slew']) and not is_root():
        err('sntp: settimeofday: Operation not permitted')
        return 1
    names = host if host == address else '%s %s' % (host, address)
    line = '%+.6f +/- %.6f %s' % (offset, error_bound, names)
    try:
        with open(SNTP_STYLE_FILE) as handle:
            legacy = handle.read().strip() == 'legacy'
    except OSError:
        legacy = False
    if legacy:  # older releases: local date before, stratum and leap after
        line = '%s (+0000) %s s%d no-leap' % (time.strftime('%Y-%m-%d %H:%M:%S.000000', time.gmtime()), line, stratum)
    out(line)
    if opts['step'] or opts['slew']:
        set_clock_skew(clock_skew() + offset)  # the emulated settimeofday(): offset is true minus host time
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


def not_found(label):
    err('Could not find service "%s" in domain for system' % label)
    return 113


def ownership_ok(stat):
    return stat.st_uid == 0 and stat.st_gid == 0 and not stat.st_mode & 0o022


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
        if loaded_job(label) is not None:
            err('Bootstrap failed: 5: Input/output error')
            return 5
        if read_json(DISABLED_FILE, {}).get(label):
            err('Bootstrap failed: 119: Service is disabled')
            return 119
        # launchd keeps what it loaded: later edits of the file are not seen.
        save_job(label, {'path': path, 'plist': raw.decode('utf-8'), 'runs': 0, 'last_exit_code': None})
        if job.get('RunAtLoad'):
            run_job(label)
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
    for label in labels:
        if loaded_job(label) is None:
            err('Boot-out failed: 3: No such process')
            return 3
        os.unlink(job_file(label))
    return 0


def run_job(label):
    """Spawn the job as launchd would (root, minimal env, stdio files), synchronously, on the emulated clock."""
    state = loaded_job(label)
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
    state['runs'] += 1
    state['last_exit_code'] = code
    save_job(label, state)


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
    if loaded_job(label) is None:
        return not_found(label)
    run_job(label)
    return 0


def print_service(label):
    state = loaded_job(label)
    if state is None:
        return not_found(label)
    job = plistlib.loads(state['plist'].encode('utf-8'))
    argv = job.get('ProgramArguments') or [job['Program']]
    lines = ['system/%s = {' % label, '\tactive count = 0', '\tpath = %s' % state['path'],
             '\ttype = LaunchDaemon', '\tstate = not running', '',
             '\tprogram = %s' % job.get('Program', argv[0]), '\targuments = {']
    lines += ['\t\t%s' % arg for arg in argv]
    lines += ['\t}', '']
    if job.get('StandardOutPath'):
        lines.append('\tstdout path = %s' % job['StandardOutPath'])
    if job.get('StandardErrorPath'):
        lines.append('\tstderr path = %s' % job['StandardErrorPath'])
    lines.append('\truns = %d' % state['runs'])
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


TOOLS = {'sw_vers': sw_vers, 'systemsetup': systemsetup, 'sntp': sntp, 'plutil': plutil, 'launchctl': launchctl}


def main():
    name = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    if name not in TOOLS and args and args[0] in TOOLS:  # python3 darwin_emulator.py TOOL ARGS... (the installed wrappers)
        name, args = args[0], args[1:]
    if name not in TOOLS:
        err('macOS command emulator: run as one of %s' % ', '.join(sorted(TOOLS)))
        return EX_USAGE
    return TOOLS[name](args)


if __name__ == '__main__':
    sys.exit(main())
