"""clock_facts rejects bad options with a message naming the option, no traceback, before any query."""
import os
import subprocess
import sys

import pytest

from support.modrun import COLLECTIONS, run_module

BAD_OPTIONS = [
    ({'ntp_servers': []}, 'ntp_servers'),
    ({'ntp_servers': ['']}, 'ntp_servers'),
    ({'ntp_servers': ['127.0.0.1:0']}, 'ntp_servers'),
    ({'ntp_servers': ['127.0.0.1:70000']}, 'ntp_servers'),
    ({'ntp_servers': ['127.0.0.1:port']}, 'ntp_servers'),
    ({'ntp_servers': ['[::1']}, 'ntp_servers'),
    ({'ntp_servers': ['time.example.com'] * 1000}, 'ntp_servers'),
    ({'ntp_servers': [{'host': 'x'}]}, 'ntp_servers'),
    ({'ntp_port': 0}, 'ntp_port'),
    ({'ntp_port': 70000}, 'ntp_port'),
    ({'ntp_port': 'ntp'}, 'ntp_port'),
    ({'ntp_timeout': 0}, 'ntp_timeout'),
    ({'ntp_timeout': -1}, 'ntp_timeout'),
    ({'ntp_timeout': 1e12}, 'ntp_timeout'),
    ({'ntp_timeout': 'soon'}, 'ntp_timeout'),
    ({'samples': 0}, 'samples'),
    ({'samples': -3}, 'samples'),
    ({'samples': 10 ** 9}, 'samples'),
    ({'samples': 'three'}, 'samples'),
    ({'cert_endpoints': ['proxy.golang.org:notaport']}, 'cert_endpoints'),
    ({'cert_endpoints': ['proxy.golang.org:0']}, 'cert_endpoints'),
    ({'cert_endpoints': ['']}, 'cert_endpoints'),
    ({'tls_timeout': 0}, 'tls_timeout'),
    ({'max_offset': -1}, 'max_offset'),
    ({'max_offset': 0}, 'max_offset'),
    ({'max_offset': 'big'}, 'max_offset'),
    ({'https_date_urls': ['http://time.example.com/']}, 'https_date_urls'),
    ({'https_date_urls': ['https://']}, 'https_date_urls'),
    ({'host_sync': 'maybe'}, 'host_sync'),
    ({'ntp_server': ['time.apple.com']}, 'ntp_server'),
]


@pytest.mark.parametrize('args,option', BAD_OPTIONS, ids=['%s=%.30r' % next(iter(case[0].items())) for case in BAD_OPTIONS])
def test_bad_option_names_option(args, option):
    result, proc = run_module('clock_facts', args)
    assert result.get('failed') is True, result
    assert option in result['msg'], result['msg']
    assert 'Traceback' not in proc.stdout + proc.stderr
    assert 'ansible_facts' not in result


def test_ansible_doc_renders():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    bindir = os.path.dirname(sys.executable)
    proc = subprocess.run([os.path.join(bindir, 'ansible-doc'), 'cifleet.gotime.clock_facts'],
                          capture_output=True, text=True, env=env, check=True)
    text = proc.stdout
    for needle in ('OPTIONS', 'ntp_servers', 'cert_endpoints', 'max_offset', 'ATTRIBUTES', 'check_mode',
                   'EXAMPLES', 'RETURN VALUES', 'gotime_clock', 'falseticker'):
        assert needle in text, needle
    assert 'WARNING' not in proc.stderr, proc.stderr
