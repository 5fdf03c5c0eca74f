"""TCP on a loopback port -> a Unix socket, for a podman container without network: the socket of the
host's redis-server is bind-mounted in, and this relay, run inside the container, makes it the
container's 127.0.0.1:PORT (molecule scenario pull). Test plumbing only: it forwards bytes, nothing else.

    python3 unix_relay.py PORT SOCKET_PATH
"""
import socket
import sys
import threading


def pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(port, path):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', port))
    listener.listen(16)
    while True:
        client, dummy = listener.accept()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(path)
        except OSError:
            client.close()
            upstream.close()
            continue
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=pump, args=(source, sink), daemon=True).start()


if __name__ == '__main__':
    serve(int(sys.argv[1]), sys.argv[2])
