"""_https_date on plain data: URL checks and how results combine (the queries against real HTTPS
servers are in tests/functional/test_https_date_lab.py)."""
import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _https_date as hd


@pytest.mark.parametrize('url, problem', [
    ('http://www.google.com/', 'is not https://'),
    ('www.google.com', 'is not https://'),
    ('https:///path', 'has no host'),
    ('https://user:secret@www.google.com/', 'carries credentials'),
    ('https://www.google.com:99999/', 'not a number from 1 to 65535'),
    ('https://www.google.com:x/', 'not a number from 1 to 65535'),
    ('https://www.google.com:0/', 'has port 0'),
    ('https://www..google.com/', 'has an empty label'),
    ('https://-bad-.example/', 'not a valid host name'),
    ('https://%s.example/' % ('a' * 64), 'longer than 63'),
    ('', 'is not a URL'),
    (None, 'is not a URL'),
])
def test_parse_url_rejects(url, problem):
    with pytest.raises(ValueError) as info:
        hd.parse_url(url)
    assert str(info.value).startswith('https_date_urls: entry %r ' % (url,))
    assert problem in str(info.value)


@pytest.mark.parametrize('url, expected', [
    ('https://www.google.com', ('www.google.com', 443, '/')),
    ('https://localhost:8443/health?x=1', ('localhost', 8443, '/health?x=1')),
    ('HTTPS://[::1]:8443/', ('::1', 8443, '/')),
])
def test_parse_url_accepts(url, expected):
    assert hd.parse_url(url) == expected


def test_combine_reports_disagreement_and_none_without_ok():
    results = [
        {'status': 'ok', 'offset': 300.2, 'round_trip': 0.02},
        {'status': 'ok', 'offset': 299.8, 'round_trip': 0.04},
        {'status': 'ok', 'offset': -3.0, 'round_trip': 0.01},
        {'status': 'timeout', 'offset': None, 'round_trip': None},
    ]
    assert hd.combine(results) == {'source': 'https_date', 'offset': 299.8, 'error_bound': 1.02, 'resolution': 1.0,
                                   'spread': 303.2, 'count': 3}
    assert hd.combine(results[3:]) is None
    assert hd.combine([]) is None
