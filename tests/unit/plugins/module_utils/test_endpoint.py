"""_endpoint: the host:port parser of ntp_servers and cert_endpoints, labels, and the bounded concurrent runner."""
import threading
import time

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _endpoint

# (option, default port) as clock_facts uses them.
OPTIONS = [('ntp_servers', 123), ('cert_endpoints', 443)]
DEFAULT = None  # expected port: the option's default


# ---------------------------------------------------------------------------
# parse

# Entries that are a host alone, with the option's default port: a name, an IPv4 address, or a bare IPv6
# address (more than one colon is unambiguous, even when it ends in :443).
HOSTS_ALONE = ['time.apple.com', 'sum.golang.org', 'time.apple.com.', '127.0.0.1',
               '::1', '2001:db8::1', '2001:db8::1:443', 'fe80::1%en0']
ACCEPTS = [(entry, (entry, DEFAULT)) for entry in HOSTS_ALONE] + [
    ('proxy.golang.org.:443', ('proxy.golang.org.', 443)),
    ('time.apple.com:4123', ('time.apple.com', 4123)),
    ('goproxy.corp.example:8443', ('goproxy.corp.example', 8443)),
    ('ntp_1.corp.example:1', ('ntp_1.corp.example', 1)),
    ('b\u00fccher.example:65535', ('b\u00fccher.example', 65535)),
    ('localhost:65535', ('localhost', 65535)),
    ('127.0.0.1:1', ('127.0.0.1', 1)),
    ('127.0.0.3:123', ('127.0.0.3', 123)),
    ('[::1]', ('::1', DEFAULT)),
    ('[::1]:11123', ('::1', 11123)),
    ('[2001:db8::1]:123', ('2001:db8::1', 123)),
    ('[2001:db8::1]:8443', ('2001:db8::1', 8443)),
    ('[fe80::1%en0]:1123', ('fe80::1%en0', 1123)),
]


@pytest.mark.parametrize('option, default_port', OPTIONS)
@pytest.mark.parametrize('entry, expected', ACCEPTS, ids=[case[0] for case in ACCEPTS])
def test_parse_accepts(option, default_port, entry, expected):
    host, port = expected
    assert _endpoint.parse(entry, option, default_port) == (host, default_port if port is DEFAULT else port)


REJECTS = [
    # entry, problem and fix (a fragment of the text after "<option>: entry <entry> ")
    ('x:0', 'has port 0; use a port from 1 to 65535'),
    ('x:65536', 'has port 65536; use a port from 1 to 65535'),
    ('[::1]:0', 'has port 0; use a port from 1 to 65535'),
    ('x:abc', "has port 'abc', which is not a number; use a port from 1 to 65535"),
    ('x:-1', "has port '-1', which is not a number"),
    ('x:+443', "has port '+443', which is not a number"),
    ('x:\u0661\u0662\u0663', 'which is not a number'),
    ('x:\u0664\u0664\u0663', 'which is not a number'),
    ('x:', 'has an empty port after ":"; use a port from 1 to 65535, or the host alone for port '),
    ('[::1]:', 'has an empty port after ":"'),
    (':123', 'has no host before ":"; write host, host:port or [ipv6]:port'),
    ('', 'is empty; write host, host:port or [ipv6]:port'),
    (' time.apple.com', 'contains whitespace; remove it'),
    ('time apple.com', 'contains whitespace'),
    ('proxy golang.org:443', 'contains whitespace'),
    ('https://time.apple.com', 'looks like a URL or path; write host:port without a scheme or path'),
    ('proxy.golang.org/x', 'looks like a URL or path'),
    ('user@proxy.golang.org:443', 'contains "@"; write host:port without a user name'),
    ('[::1', 'has "[" without "]"; write an IPv6 address with a port as [2001:db8::1]:'),
    ('[::1]123', 'has text after "]" that is not ":port"; write [::1]:'),
    ('[time.apple.com]:123', 'has [time.apple.com], which is not an IPv6 address; use brackets only around an IPv6 address'),
    ('[fe80::1%]', 'which is not an IPv6 address'),
    ('2001:db8::zz', 'is neither host:port nor an IPv6 address; write an IPv6 address with a port as [address]:port'),
    ('time.apple.com:123:4', 'is neither host:port nor an IPv6 address'),
    ('time..apple.com', "has an empty label in host name 'time..apple.com'"),
    ('.golang.org', 'empty label'),
    ('-time.apple.com', "has host '-time.apple.com', which is not a valid host name"),
    ('x' * 64 + '.example', 'which is not a valid host name: a label is longer than 63 characters'),
    (('a' * 60 + '.') * 5, 'which is longer than 253 characters'),
    ('\u00fc' * 70 + '.example', 'which is not a valid international host name'),
    (123, 'is not a string; write host, host:port or [ipv6]:port'),
    (None, 'is not a string'),
]


@pytest.mark.parametrize('option, default_port', OPTIONS)
@pytest.mark.parametrize('entry, problem', REJECTS, ids=['%.30r' % (case[0],) for case in REJECTS])
def test_parse_rejects_naming_option_entry_and_fix(option, default_port, entry, problem):
    with pytest.raises(ValueError) as caught:
        _endpoint.parse(entry, option, default_port)
    message = str(caught.value)
    assert message.startswith('%s: entry %r ' % (option, entry))
    assert problem in message


def test_parse_message_is_whole():
    with pytest.raises(ValueError) as caught:
        _endpoint.parse('host:notaport', 'cert_endpoints', 443)
    assert str(caught.value) == "cert_endpoints: entry 'host:notaport' has port 'notaport', which is not a number; use a port from 1 to 65535"
    with pytest.raises(ValueError) as caught:
        _endpoint.parse('time.apple.com:', 'ntp_servers', 123)
    assert str(caught.value) == ("ntp_servers: entry 'time.apple.com:' has an empty port after \":\";"
                                 " use a port from 1 to 65535, or the host alone for port 123")


# ---------------------------------------------------------------------------
# label

@pytest.mark.parametrize('entry', ['proxy.golang.org:443', '[2001:db8::1]:8443', '127.0.0.1:4433', '[fe80::1%en0]:123'])
def test_label_round_trips_through_parse(entry):
    assert _endpoint.label(*_endpoint.parse(entry, 'cert_endpoints', 443)) == entry


def test_label_brackets_only_ipv6():
    assert _endpoint.label('time.apple.com', 123) == 'time.apple.com:123'
    assert _endpoint.label('::1', 11123) == '[::1]:11123'


# ---------------------------------------------------------------------------
# run_bounded: the deadline holds even when a worker cannot be interrupted

def test_run_bounded_abandons_a_blocked_worker_at_the_deadline():
    release = threading.Event()

    def work(item, deadline, progress):
        if item == 'blocked':
            progress['phase'] = 'DNS lookup'
            release.wait(30)  # like getaddrinfo on a dead resolver: no timeout applies
        if item == 'raises':
            raise RuntimeError('boom')
        return item

    def failed(item, progress, exc):
        return (item, progress['phase'], repr(exc))

    started = time.monotonic()
    try:
        results = _endpoint.run_bounded(work, ['fast', 'blocked', 'raises'], 0.5, failed)
    finally:
        release.set()
    assert time.monotonic() - started < 0.5 + _endpoint.DEADLINE_GRACE + 0.5
    assert results == ['fast', ('blocked', 'DNS lookup', 'None'), ('raises', 'start', "RuntimeError('boom')")]


def test_timeout_of_a_blocked_dns_lookup_is_described():
    status, text = _endpoint.describe_network_error(None, 'proxy.golang.org:443', {'phase': 'DNS lookup'}, 2)
    assert (status, text) == ('timeout', 'proxy.golang.org:443: no answer within 2 s (during DNS lookup)')


@pytest.mark.parametrize('timeout', [0, -1, 'x', None, True, float('inf')])
def test_check_timeout_names_the_option(timeout):
    with pytest.raises(ValueError, match='^tls_timeout must be a positive number of seconds'):
        _endpoint.check_timeout(timeout, 'tls_timeout')
