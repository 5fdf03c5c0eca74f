"""Unit tests start no server: a test that binds or listens on a socket, or starts a daemon, fails.

Servers (chronyd, TLS and HTTPS lab servers, redis) belong in tests/functional
(docs/architecture.md). Client sockets (connect, sendto) stay allowed.
"""
import os
import socket
import subprocess

import pytest

# Daemons the lab starts (tests/lab); any of them in a unit test is a functional test in the wrong place.
DAEMONS = frozenset(('chronyd', 'redis-server', 'ntpd', 'sshd', 'nginx', 'httpd'))


def _refuse(what):
    def refused(*args, **kwargs):
        pytest.fail('a unit test %s: servers belong in tests/functional (docs/architecture.md)' % what)
    return refused


@pytest.fixture(autouse=True)
def no_servers(monkeypatch):
    monkeypatch.setattr(socket.socket, 'bind', _refuse('binds a socket'))
    monkeypatch.setattr(socket.socket, 'listen', _refuse('listens on a socket'))
    popen_init = subprocess.Popen.__init__

    def guarded_init(self, args, *rest, **kwargs):
        argv = [args] if isinstance(args, (str, bytes)) else list(args)
        program = os.path.basename(str(argv[0])) if argv else ''
        if program in DAEMONS or any(os.path.basename(str(arg)) in DAEMONS for arg in argv[:3]):
            pytest.fail('a unit test starts %s: servers belong in tests/functional (docs/architecture.md)' % program)
        popen_init(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, '__init__', guarded_init)
