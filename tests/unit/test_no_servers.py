"""tests/unit/conftest.py's guard fails a unit test that starts a server, and leaves clients alone."""
import socket
import subprocess

import pytest


def test_binding_a_socket_fails_the_test():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(pytest.fail.Exception, match='binds a socket'):
            sock.bind(('127.0.0.1', 0))


def test_listening_fails_the_test():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(pytest.fail.Exception, match='listens on a socket'):
            sock.listen()


@pytest.mark.parametrize('argv', [['chronyd', '-x', '-d'], ['/usr/sbin/chronyd', '-v'], ['faketime', '+300s', 'chronyd'],
                                  ['redis-server', '--port', '0']])
def test_starting_a_daemon_fails_the_test(argv):
    with pytest.raises(pytest.fail.Exception, match='starts'):
        subprocess.run(argv, check=False)


def test_clients_and_tools_still_run():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(('127.0.0.1', 9))  # a client's implicit bind is not a server
    assert subprocess.run(['true'], check=False).returncode == 0
