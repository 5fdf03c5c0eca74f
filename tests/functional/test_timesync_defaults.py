"""timesync's default sources make a chrony.conf that chronyd accepts, with several sources.

The molecule scenarios give their own lab servers, so the defaults never reach a chronyd there: this
renders the role's template with the role's defaults, as the role does, and checks the file with
`chronyd -p` (parse only: nothing is started, nothing resolved, no clock touched).
"""
import subprocess
import sys

from support.ansible_env import ansible_env, ROOT

PLAY = '''
- name: Render timesync's chrony.conf with the role's defaults
  hosts: localhost
  gather_facts: false
  vars_files:
    - {root}/roles/timesync/defaults/main.yml
  vars:
    __timesync_chrony_driftfile: /var/lib/chrony/chrony.drift
  tasks:
    - name: Render
      ansible.builtin.template:
        src: {root}/roles/timesync/templates/chrony.conf.j2
        dest: {out}
        mode: "0644"
'''


def test_default_sources_render_a_config_chronyd_accepts(tmp_path):
    out = tmp_path / 'chrony.conf'
    playbook = tmp_path / 'render.yml'
    playbook.write_text(PLAY.format(root=ROOT, out=out))
    run = subprocess.run(['ansible-playbook', '-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=' + sys.executable,
                          str(playbook)],
                         env=ansible_env(str(tmp_path)), capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = [line for line in out.read_text().splitlines() if line and not line.startswith('#')]
    sources = [line for line in lines if line.split()[0] in ('server', 'pool')]
    # One pool line: chrony takes up to four of its addresses (maxsources), several of Apple's servers.
    assert sources == ['pool time.apple.com iburst']
    assert 'minsources 1' in lines
    parsed = subprocess.run(['chronyd', '-p', '-f', str(out)], capture_output=True, text=True, check=False)
    assert parsed.returncode == 0, parsed.stderr
    assert 'pool time.apple.com iburst' in parsed.stdout
