"""Start and stop the local test lab from the command line.

    labctl.py start --state DIR/lab.json [--profile full|ntp]
    labctl.py stop --state DIR/lab.json

`start` runs `serve` in the background and returns once every service
answers; the state file then lists each service (address, port, label,
endpoint or url) and the CA file that signed the TLS certificates. `stop`
ends the server process, which stops every service it started.

Every service listens on 127.0.0.1 and never touches this machine's clock:
the skewed NTP servers are chronyd -x under libfaketime.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lab import ntp_lab, tls_lab  # noqa: E402  pylint: disable=wrong-import-position

START_TIMEOUT = 60.0


def _ntp_services():
    return {
        'ntp_good_1': ntp_lab.ChronyServer(),
        'ntp_good_2': ntp_lab.ChronyServer(),
        'ntp_good_3': ntp_lab.ChronyServer(),
        'ntp_fast_300': ntp_lab.ChronyServer(skew='+300s'),
        'ntp_fast_300_b': ntp_lab.ChronyServer(skew='+300s'),
        'ntp_slow_120': ntp_lab.ChronyServer(skew='-120s'),
        'ntp_ahead_2h': ntp_lab.ChronyServer(skew='+7200s'),
        'ntp_dead': ntp_lab.DeadPort(),
        'ntp_kod_rate': ntp_lab.HostileServer('kod_rate'),
        'ntp_kod_deny': ntp_lab.HostileServer('kod_deny'),
        'ntp_short': ntp_lab.HostileServer('short'),
        'ntp_wrong_mode': ntp_lab.HostileServer('wrong_mode'),
        'ntp_zero_transmit': ntp_lab.HostileServer('zero_transmit'),
        'ntp_leap3': ntp_lab.HostileServer('leap3'),
    }


def _tls_services(ca):
    return {
        'tls_valid': tls_lab.TLSServer(ca, 'valid'),
        'tls_not_yet_valid': tls_lab.TLSServer(ca, 'not_yet_valid'),
        'tls_expired': tls_lab.TLSServer(ca, 'expired'),
        'tls_not_tls': tls_lab.NotTLSServer(),
        'tls_reset': tls_lab.ResetServer(),
        'https_date_fast_300': tls_lab.HTTPSDateServer(ca, skew=300.0),
    }


def _describe(service):
    info = service.as_dict() if hasattr(service, 'as_dict') else {
        'kind': type(service).__name__, 'address': '127.0.0.1', 'port': service.port}
    info.setdefault('label', '%s:%s' % (info['address'], info['port']))
    if hasattr(service, 'endpoint'):
        info['endpoint'] = service.endpoint
    if hasattr(service, 'url'):
        info['url'] = service.url
    return info


def _write_atomically(path, data):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.lab-')
    with os.fdopen(fd, 'w') as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)


def serve(state_path, profile):
    """Start the services, write the state file, and stop them all on SIGTERM or SIGINT."""
    started = []
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    ca = tls_lab.LabCA() if profile == 'full' else None
    try:
        services = _ntp_services()
        if ca is not None:
            services.update(_tls_services(ca))
        for service in services.values():
            service.start()
            started.append(service)
        state = {
            'pid': os.getpid(),
            'profile': profile,
            'ca_file': ca.ca_pem_path if ca is not None else None,
            'services': dict((name, _describe(service)) for name, service in services.items()),
        }
        _write_atomically(state_path, state)
        while not stopping:
            signal.pause()
    finally:
        for service in reversed(started):
            service.stop()
        if ca is not None:
            ca.close()
        if os.path.exists(state_path):
            os.unlink(state_path)


def start(state_path, profile):
    if os.path.exists(state_path):
        sys.exit('labctl: %s exists; run `labctl.py stop --state %s` first' % (state_path, state_path))
    log_path = state_path + '.log'
    with open(log_path, 'w') as log:
        proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), 'serve', '--state', state_path, '--profile', profile],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while not os.path.exists(state_path):
        if proc.poll() is not None:
            with open(log_path) as log:
                sys.exit('labctl: the lab failed to start:\n%s' % log.read())
        if time.monotonic() > deadline:
            proc.terminate()
            sys.exit('labctl: the lab did not start within %d s; see %s' % (START_TIMEOUT, log_path))
        time.sleep(0.05)
    print(state_path)


def stop(state_path):
    try:
        with open(state_path) as handle:
            state = json.load(handle)
    except (IOError, OSError):
        return
    pid = state['pid']
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.05)
    sys.exit('labctl: lab process %d did not stop' % pid)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('command', choices=('start', 'stop', 'serve'))
    parser.add_argument('--state', required=True, help='path of the JSON state file')
    parser.add_argument('--profile', choices=('full', 'ntp'), default='full')
    args = parser.parse_args(argv)
    state = os.path.abspath(args.state)
    if args.command == 'start':
        start(state, args.profile)
    elif args.command == 'stop':
        stop(state)
    else:
        serve(state, args.profile)


if __name__ == '__main__':
    main()
