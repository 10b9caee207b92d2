# SPDX-License-Identifier: Apache-2.0
"""Faults under load (issue 12 §2): the serving certificate rotated by Kubernetes' `..data` symlink
swap (what kubelet's AtomicWriter does to a mounted Secret), several times while clients send
admission reviews on keep-alive connections and on new ones (each a new TLS handshake).

Zero failed requests: every request gets a 2xx answer, and new handshakes see the new certificate.
Everything is real: `tokengate serve`, `tokengate certs --rotate` (same CA, so clients keep trusting),
Python's TLS clients.
"""
import os
import shutil
import socket
import ssl
import time

from cryptography import x509

from conftest import run_tokengate
from fault_support import Load, mutate_request

ROTATIONS = 4


def served_serial(port, cafile) -> str:
    context = ssl.create_default_context(cafile=str(cafile))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            der = tls.getpeercert(binary_form=True)
    return format(x509.load_der_x509_certificate(der).serial_number, "X")


def file_serial(path) -> str:
    return format(x509.load_pem_x509_certificate(path.read_bytes()).serial_number, "X")


def swap_in(mount, generation, certs_dir):
    """kubelet's AtomicWriter: a new timestamped directory, a new `..data_tmp` link renamed over
    `..data`, then the old directory removed."""
    old = os.readlink(mount / "..data")
    new_dir = mount / f"..2026_12_05_00_{generation:02d}_00.{generation}"
    new_dir.mkdir()
    shutil.copyfile(certs_dir / "tls.crt", new_dir / "tls.crt")
    shutil.copyfile(certs_dir / "tls.key", new_dir / "tls.key")
    os.symlink(new_dir.name, mount / "..data_tmp")
    os.replace(mount / "..data_tmp", mount / "..data")
    shutil.rmtree(mount / old)


def test_data_symlink_swaps_under_load_fail_no_request(tmp_path, certs, tokengate_server):
    mount = tmp_path / "mount"
    first = mount / "..2026_12_05_00_00_00.0"
    first.mkdir(parents=True)
    shutil.copyfile(certs.cert, first / "tls.crt")
    shutil.copyfile(certs.key, first / "tls.key")
    os.symlink(first.name, mount / "..data")
    os.symlink("..data/tls.crt", mount / "tls.crt")
    os.symlink("..data/tls.key", mount / "tls.key")
    server = tokengate_server("--cert-reload-seconds", "0.2", "--drain-seconds", "0", certs=certs,
                              cert_path=mount / "tls.crt", key_path=mount / "tls.key")

    keep_alive = Load(server.port, certs.ca, mutate_request, threads=2, max_requests=100000, max_seconds=45)
    handshakes = Load(server.port, certs.ca, mutate_request, threads=2, max_requests=100000, max_seconds=45,
                      reconnect_every=1)
    serials = [file_serial(certs.cert)]
    with keep_alive, handshakes:
        keep_alive.wait_for(50)
        for generation in range(1, ROTATIONS + 1):
            run_tokengate("certs", "--rotate", "--out", certs.dir)  # a new pair signed by the same CA
            serials.append(file_serial(certs.cert))
            before = len(keep_alive.results) + len(handshakes.results)
            swap_in(mount, generation, certs.dir)
            deadline = time.monotonic() + 10
            while served_serial(server.port, certs.ca) != serials[-1] and time.monotonic() < deadline:
                time.sleep(0.05)
            assert served_serial(server.port, certs.ca) == serials[-1], f"rotation {generation} not picked up"
            # Some requests finish on the new certificate before the next swap.
            deadline = time.monotonic() + 10
            while len(keep_alive.results) + len(handshakes.results) < before + 40 and time.monotonic() < deadline:
                time.sleep(0.02)
    results = keep_alive.results + handshakes.results
    assert len(set(serials)) == ROTATIONS + 1
    assert len(handshakes.results) >= 4 * ROTATIONS, "new connections were made across the rotations"
    failed = keep_alive.failed() + handshakes.failed()
    assert failed == [], Load.describe(failed)
    retried = [r for r in results if r.attempts > 1]
    assert retried == [], "no request needed a retry: " + Load.describe(retried)
    assert server.metric('tokengate_tls_certificate_reloads_total{result="success"}') == ROTATIONS
    assert server.metric("tokengate_tls_handshake_failures_total") == 0
