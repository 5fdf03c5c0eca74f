"""The fact cache's I/O timeout (plugins/plugin_utils/_fact_cache.py io_timeout, bound_io): validated, and set on the
real community.general.redis plugin's redis-py pool before its first connection. No socket is opened here: the
plugin and redis-py connect lazily; tests/functional/test_cache_io_timeout.py runs it against peers that never answer."""
import glob
import os
import sys

import pytest

from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fact_cache as fc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
REDIS = 'community.general.redis'


@pytest.fixture(scope='module', autouse=True)
def collection_loader():
    """Ansible's collection loader, as ansible-playbook installs it: the cache loader resolves FQCNs through it.

    community.general is the one in .venv (the `ansible` bundle of requirements-dev.txt). The older ansible-core
    series of scripts/test-matrix run in venvs holding ansible-core alone: for this module .venv's site-packages
    is appended to sys.path (their own packages stay first), so they load the same redis plugin."""
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    bundle = [path for path in glob.glob(os.path.join(ROOT, '.venv', 'lib', 'python3.*', 'site-packages'))
              if path not in sys.path]
    sys.path.extend(bundle)
    _AnsibleCollectionFinder(paths=[os.path.join(ROOT, '.cache', 'collections')])._install()
    yield
    for path in bundle:
        sys.path.remove(path)


@pytest.mark.parametrize('given, seconds', [(None, 10.0), (10, 10.0), (2.5, 2.5), ('3', 3.0), (' 0.5 ', 0.5), (0.01, 0.01)])
def test_io_timeout_takes_positive_seconds(given, seconds):
    assert fc.io_timeout(given, 'cache_io_timeout') == seconds


@pytest.mark.parametrize('given', [0, -1, '0', 'soon', '', True, False, float('nan'), float('inf'), '-inf', [], {}])
def test_bad_io_timeout_names_the_option_and_the_fix(given):
    with pytest.raises(ValueError) as caught:
        fc.io_timeout(given, 'cache_io_timeout')
    message = str(caught.value)
    assert message.startswith('cache_io_timeout must be a number of seconds above 0')
    assert message.endswith('got %r; for example cache_io_timeout: 10' % (given,))


def redis_cache(connection='127.0.0.1:6379:0:s3cret', **kwargs):
    return fc.FactCache(REDIS, {'connection': connection, 'prefix': 'gotime_'}, **kwargs)


def pool_of(cache):
    return cache._raw._db.connection_pool


def test_redis_plugin_alone_sets_no_socket_timeout():
    """What the bound is for: io_timeout None leaves the plugin's pool as community.general.redis makes it."""
    kwargs = pool_of(redis_cache(io_timeout=None)).connection_kwargs
    assert kwargs['socket_timeout'] is None and kwargs['socket_connect_timeout'] is None


@pytest.mark.parametrize('connection, ssl', [('127.0.0.1:6379:0:s3cret', False), ('tls://redis.corp.example:6380:2:s3cret', True)])
def test_redis_pool_is_bounded_before_its_first_connection(connection, ssl):
    cache = redis_cache(connection, io_timeout=2.5)
    pool = pool_of(cache)
    assert cache.io_timeout == 2.5
    assert pool._created_connections == 0  # nothing connected yet: every connection gets the bound
    assert pool.connection_kwargs['socket_timeout'] == 2.5 and pool.connection_kwargs['socket_connect_timeout'] == 2.5
    assert (pool.connection_class.__name__ == 'SSLConnection') is ssl
    # What redis-py makes of it (a connection object; it connects on first use, not here).
    conn = pool.make_connection()
    assert (conn.socket_timeout, conn.socket_connect_timeout) == (2.5, 2.5)
    assert conn.retry.get_retries() == 0  # one try: redis-py 6's default is 3 retries with backoff
    assert conn._sock is None


def test_redis_sentinel_keeps_its_shorter_timeout_and_bounds_the_sentinels(monkeypatch):
    """Sentinel mode: the plugin asks the master for 0.2 s replies (kept); the sentinels it asks first had no timeout."""
    monkeypatch.setenv('ANSIBLE_CACHE_REDIS_SENTINEL', 'gotime-master')
    cache = redis_cache('10.0.0.1:26379;10.0.0.2:26379;0:s3cret', io_timeout=3)
    master = pool_of(cache)
    assert master.connection_kwargs['socket_timeout'] == 0.2
    sentinels = master.sentinel_manager.sentinels
    assert len(sentinels) == 2
    for sentinel in sentinels:
        kwargs = sentinel.connection_pool.connection_kwargs
        assert (kwargs['socket_timeout'], kwargs['socket_connect_timeout'], kwargs['retry'].get_retries()) == (3, 3, 0)


def test_file_cache_has_no_sockets_to_bound(tmp_path):
    cache = fc.FactCache('ansible.builtin.jsonfile', {'connection': str(tmp_path / 'facts'), 'prefix': '', 'timeout': 0},
                         io_timeout=0.5)
    assert cache.io_timeout is None
    cache.set('agent-a', {'gotime_report': {'status': 'ok'}})
    assert fc.read_records(cache) == {'agent-a': {'status': 'ok'}}


def test_timeout_message_says_which_bound_and_hides_the_password():
    cache = redis_cache(io_timeout=2)
    message = cache._message('cannot be read', TimeoutError('Timeout connecting to server'))
    assert message == ('the fact cache community.general.redis 127.0.0.1:6379:0:**** prefix gotime_ cannot be read '
                       '(TimeoutError: Timeout connecting to server; no answer within the I/O timeout of 2 s)')
    assert 'I/O timeout' not in cache._message('cannot be read', ConnectionError('refused'))


def test_report_cache_option_is_checked_before_the_cache_is_opened():
    with pytest.raises(ValueError, match=r"^cache\.io_timeout must be a number of seconds above 0 .* got -2; for example"):
        fc.read_cache({'plugin': 'no.such.cache', 'io_timeout': -2})  # opening it first would raise CacheError
