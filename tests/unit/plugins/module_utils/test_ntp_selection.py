"""_ntp.select() on plain data: interval intersection, majority, falsetickers, honest error bound."""
import random

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _ntp


def server(name, offset, root_distance, status='ok', port=123):
    return {'host': name, 'port': port, 'status': status, 'offset': offset, 'root_distance': root_distance}


def test_no_servers():
    assert _ntp.select([]) == {'offset': None, 'error_bound': None, 'truechimers': [], 'falsetickers': [],
                               'majority': False, 'candidates': 0,
                               'reason': 'no candidates: no server gave a usable reply'}


def test_only_failed_servers_are_no_candidates():
    results = [server('a', None, None, status='timeout'), server('b', 0.5, 0.1, status='unsynchronized'),
               server('c', None, None, status='kod')]
    selection = _ntp.select(results)
    assert selection['candidates'] == 0 and selection['majority'] is False and selection['offset'] is None


def test_one_server_is_its_own_majority():
    selection = _ntp.select([server('a', 0.25, 0.01)])
    assert selection['majority'] is True and selection['reason'] is None
    assert selection['offset'] == pytest.approx(0.25) and selection['error_bound'] == pytest.approx(0.01)
    assert selection['truechimers'] == ['a:123'] and selection['falsetickers'] == []


def test_two_overlapping_servers_give_the_intersection():
    selection = _ntp.select([server('a', 0.0, 1.0), server('b', 0.5, 1.0)])
    assert selection['offset'] == pytest.approx(0.25) and selection['error_bound'] == pytest.approx(0.75)
    assert selection['truechimers'] == ['a:123', 'b:123']


def test_two_disagreeing_servers_have_no_majority():
    selection = _ntp.select([server('a', 0.0, 0.001), server('b', 300.0, 0.001)])
    assert selection == {'offset': None, 'error_bound': None, 'truechimers': [], 'falsetickers': [],
                         'majority': False, 'candidates': 2, 'reason': 'no majority: 1 of 2 servers agree'}


def test_all_disagree():
    selection = _ntp.select([server('a', 0.0, 0.1), server('b', 1.0, 0.1), server('c', 2.0, 0.1)])
    assert selection['reason'] == 'no majority: 1 of 3 servers agree' and selection['majority'] is False


def test_half_is_not_a_majority():
    results = [server('a', 0.0, 0.1), server('b', 0.05, 0.1), server('c', 5.0, 0.1), server('d', 5.05, 0.1)]
    assert _ntp.select(results)['reason'] == 'no majority: 2 of 4 servers agree'


def test_falseticker_is_named_not_averaged():
    results = [server('a', 0.010, 0.020), server('b', -0.005, 0.020), server('c', 0.0, 0.030),
               server('d', 300.0, 0.020), server('e', None, None, status='timeout')]
    selection = _ntp.select(results)
    # Intersection of a [-0.010, 0.030], b [-0.025, 0.015], c [-0.030, 0.030] is [-0.010, 0.015].
    assert selection['offset'] == pytest.approx(0.0025) and selection['error_bound'] == pytest.approx(0.0125)
    assert selection['truechimers'] == ['a:123', 'b:123', 'c:123'] and selection['falsetickers'] == ['d:123']
    assert selection['candidates'] == 4 and selection['majority'] is True


def test_nested_intervals():
    results = [server('wide', 0.0, 10.0), server('mid', 1.0, 1.0), server('narrow', 1.5, 0.2)]
    selection = _ntp.select(results)
    assert selection['offset'] == pytest.approx(1.5) and selection['error_bound'] == pytest.approx(0.2)
    assert selection['truechimers'] == ['wide:123', 'mid:123', 'narrow:123']


def test_touching_intervals_agree_at_the_shared_point():
    selection = _ntp.select([server('a', 0.0, 1.0), server('b', 2.0, 1.0)])
    assert selection['majority'] is True
    assert selection['offset'] == pytest.approx(1.0) and selection['error_bound'] == pytest.approx(0.0)


def test_identical_intervals():
    selection = _ntp.select([server('a', 0.5, 0.1), server('b', 0.5, 0.1), server('c', 9.0, 0.1)])
    assert selection['offset'] == pytest.approx(0.5) and selection['error_bound'] == pytest.approx(0.1)
    assert selection['falsetickers'] == ['c:123']


def test_equally_deep_regions_are_spanned_not_guessed():
    # a agrees with b near 1 and with c near 9: either b or c is wrong, so true time is somewhere in [0, 10].
    results = [server('a', 5.0, 5.0), server('b', 1.0, 1.0), server('c', 9.0, 1.0)]
    selection = _ntp.select(results)
    assert selection['majority'] is True
    assert selection['offset'] == pytest.approx(5.0) and selection['error_bound'] == pytest.approx(5.0)
    assert selection['truechimers'] == ['a:123', 'b:123', 'c:123']


def test_labels_bracket_ipv6():
    selection = _ntp.select([server('::1', 0.0, 0.1, port=11123), server('127.0.0.1', 0.0, 0.1, port=123)])
    assert selection['truechimers'] == ['[::1]:11123', '127.0.0.1:123']


def test_error_bound_contains_true_time_when_the_majority_is_right():
    """Random cases: a majority of intervals contain true time, falsetickers overlap nothing."""
    rng = random.Random(20260)
    for case in range(2000):
        truth = rng.uniform(-400, 400)
        total = rng.randint(1, 9)
        good = total // 2 + 1
        results = []
        for index in range(good):
            distance = rng.uniform(1e-6, 0.5)
            results.append(server('good%d' % index, truth + rng.uniform(-distance, distance), distance))
        for index in range(total - good):
            # Far away and spread out: no falseticker interval touches another interval.
            results.append(server('false%d' % index, truth + (index + 1) * 10.0 * rng.choice((-1, 1)) * (index + 2),
                                  rng.uniform(1e-6, 0.5)))
        rng.shuffle(results)
        selection = _ntp.select(results)
        assert selection['majority'] is True, (case, results)
        assert abs(selection['offset'] - truth) <= selection['error_bound'] + 1e-9, (case, results, selection)
        assert sorted(selection['falsetickers']) == sorted('%s:123' % r['host'] for r in results
                                                           if r['host'].startswith('false'))


def test_time_differences_cross_the_ntp_era_rollover():
    # 2036-02-07: the 64-bit NTP timestamp wraps to zero; a second either side is still two seconds apart.
    assert _ntp._seconds_between(1 << 32, _ntp.MASK64 - (1 << 32) + 1) == 2.0
    assert _ntp._seconds_between(_ntp.MASK64 - (1 << 32) + 1, 1 << 32) == -2.0
