"""A real redis-server for the shared fact cache tests and bench: our own instance on a free loopback port,
with a password (requirepass), no persistence, in a temporary directory; never the system service.

    with RedisServer() as redis:
        redis.connection   # '127.0.0.1:PORT:0:PASSWORD', the community.general.redis cache connection string

It also listens on a Unix socket in its directory (socket_path): a relay there lets a podman container
with no network of its own reach this same server (molecule scenario pull).
"""
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time

LOOPBACK = '127.0.0.1'


def missing_tools():
    return None if shutil.which('redis-server') else 'redis-server is not installed (apt-get install redis-server: tests/apt-packages.txt)'


def free_tcp_port(address=LOOPBACK):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


class RedisServer:
    """redis-server -- on LOOPBACK:port with requirepass; stopped by its pid."""

    def __init__(self, workdir=None, port=None, password=None):
        self._own_dir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix='gotime-redis-')
        self.port = port
        self.password = password or secrets.token_hex(16)
        self.socket_path = os.path.join(self.workdir, 'redis.sock')
        self.proc = None

    @property
    def connection(self):
        return '%s:%d:0:%s' % (LOOPBACK, self.port, self.password)

    def connection_with(self, password):
        return '%s:%d:0:%s' % (LOOPBACK, self.port, password)

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        self.port = self.port or free_tcp_port()
        argv = ['redis-server', '--bind', LOOPBACK, '--port', str(self.port), '--requirepass', self.password,
                '--protected-mode', 'yes', '--save', '', '--appendonly', 'no', '--daemonize', 'no',
                '--dir', self.workdir, '--unixsocket', self.socket_path, '--unixsocketperm', '700',
                '--logfile', os.path.join(self.workdir, 'redis.log')]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('redis-server exited with %s: %s' % (self.proc.returncode, self.log()[-2000:]))
            if self.ping():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError('redis-server did not answer on %s:%d within 10 s' % (LOOPBACK, self.port))

    def log(self):
        try:
            with open(os.path.join(self.workdir, 'redis.log')) as handle:
                return handle.read()
        except OSError:
            return ''

    def client(self):
        """A redis-py client of this server (the library the community.general.redis cache uses)."""
        import redis
        return redis.Redis(host=LOOPBACK, port=self.port, password=self.password, socket_timeout=5)

    def ping(self):
        import redis
        try:
            return self.client().ping()
        except redis.exceptions.ConnectionError:
            return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    """redis_lab.py start|stop --dir DIR: a daemonized server whose state (port, password, pid, socket) is DIR/redis.json
    (molecule scenario pull starts it in prepare and stops it in cleanup; stop is a no-op when nothing runs)."""
    import argparse
    import json
    import signal
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument('action', choices=('start', 'stop'))
    parser.add_argument('--dir', required=True)
    args = parser.parse_args(argv)
    state_path = os.path.join(args.dir, 'redis.json')
    if os.path.exists(state_path):
        with open(state_path) as handle:
            state = json.load(handle)
        try:
            with open(state['pidfile']) as handle:
                os.kill(int(handle.read().strip()), signal.SIGTERM)  # our own server, by its pid
        except (OSError, ValueError):
            pass
        os.remove(state_path)
    if args.action == 'stop':
        return
    server = RedisServer(workdir=args.dir)
    server.port = free_tcp_port()
    missing = missing_tools()
    if missing:
        raise SystemExit(missing)
    pidfile = os.path.join(args.dir, 'redis.pid')
    os.makedirs(args.dir, exist_ok=True)
    subprocess.run(['redis-server', '--bind', LOOPBACK, '--port', str(server.port), '--requirepass', server.password,
                    '--protected-mode', 'yes', '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--pidfile', pidfile,
                    '--dir', args.dir, '--unixsocket', server.socket_path, '--unixsocketperm', '700',
                    '--logfile', os.path.join(args.dir, 'redis.log')], check=True)
    deadline = time.monotonic() + 10
    while not server.ping():
        if time.monotonic() > deadline:
            raise SystemExit('redis-server did not answer on %s:%d: %s' % (LOOPBACK, server.port, server.log()[-2000:]))
        time.sleep(0.05)
    state = {'port': server.port, 'password': server.password, 'pidfile': pidfile, 'socket': server.socket_path,
             'connection': server.connection}
    fd = os.open(state_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        json.dump(state, handle)


if __name__ == '__main__':
    main()
