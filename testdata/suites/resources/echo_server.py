"""A small TCP service: answers each line with "<worker>:<line>".

    python3 echo_server.py PORT WORKER [PIDFILE]

shoal starts one per worker ([[tool.shoal.services]] in pyproject.toml);
without shoal, conftest.py starts one on a fixed port, as a suite would.
"""

import socket
import sys


def main():
    port, worker = int(sys.argv[1]), sys.argv[2]
    if len(sys.argv) > 3:
        with open(sys.argv[3], "w") as f:
            f.write("%d\n" % __import__("os").getpid())
    server = socket.socket()
    server.bind(("127.0.0.1", port))
    server.listen(16)
    print("echo for %s listening on %d" % (worker, port), flush=True)
    while True:
        conn, _ = server.accept()
        with conn, conn.makefile("rw") as f:
            f.write("%s:%s" % (worker, f.readline()))
            f.flush()


if __name__ == "__main__":
    main()
