"""Tests of the test harness itself: SeaweedFS S3 server, release publisher, cut proxy."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from hashlib import blake2b, md5
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    IncompleteReadError,
    ResponseStreamingError,
)
from vbn_testing.cut_proxy import CutProxy, parse_request_head
from vbn_testing.publish import manifest_paths, publish_release
from vbn_testing.seaweed import GRPC_OFFSET, SeaweedS3, SeaweedStartError

PROJECT = "visual-behavior-neuropixels"
URL = "https://visual-behavior-neuropixels-data.s3.us-west-2.amazonaws.com/"
MIB = 1 << 20


def _hash(data: bytes) -> str:
    return blake2b(data).hexdigest()


def _cutproxy_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("cutproxy")]


@pytest.fixture(scope="session")
def seaweed() -> Iterator[SeaweedS3]:
    with SeaweedS3() as server:
        yield server


@pytest.fixture
def bucket(seaweed: SeaweedS3) -> str:
    name = f"vbn-test-{uuid.uuid4().hex[:12]}"
    seaweed.create_versioned_bucket(name)
    return name


@pytest.fixture(scope="session")
def megabyte_object(seaweed: SeaweedS3) -> tuple[str, str, bytes]:
    """(bucket, key, bytes) of a 1 MiB object, for the cut-proxy tests."""
    name = f"vbn-cut-{uuid.uuid4().hex[:12]}"
    seaweed.create_versioned_bucket(name)
    data = os.urandom(MIB)
    seaweed.admin_client().put_object(Bucket=name, Key="big/one-mebibyte.bin", Body=data)
    return name, "big/one-mebibyte.bin", data


# -- SeaweedS3 ----------------------------------------------------------------------------------


@pytest.mark.s3
def test_anonymous_reads_and_lists_but_cannot_write(seaweed: SeaweedS3, bucket: str) -> None:
    seaweed.admin_client().put_object(Bucket=bucket, Key="dir/a.txt", Body=b"public bytes")
    anon = seaweed.anonymous_client()

    listing = anon.list_objects_v2(Bucket=bucket, Prefix="dir/")
    assert [o["Key"] for o in listing["Contents"]] == ["dir/a.txt"]
    assert anon.get_object(Bucket=bucket, Key="dir/a.txt")["Body"].read() == b"public bytes"
    assert anon.head_object(Bucket=bucket, Key="dir/a.txt")["ContentLength"] == 12

    version = anon.head_object(Bucket=bucket, Key="dir/a.txt")["VersionId"]
    attempts = {
        "put": lambda: anon.put_object(Bucket=bucket, Key="dir/b.txt", Body=b"x"),
        "delete": lambda: anon.delete_object(Bucket=bucket, Key="dir/a.txt"),
        "delete version": lambda: anon.delete_object(
            Bucket=bucket, Key="dir/a.txt", VersionId=version
        ),
    }
    for what, attempt in attempts.items():
        with pytest.raises(ClientError) as err:
            attempt()
        assert err.value.response["Error"]["Code"] == "AccessDenied", what
    assert anon.get_object(Bucket=bucket, Key="dir/a.txt")["Body"].read() == b"public bytes"
    forged = boto3.session.Session().client(
        "s3",
        region_name="us-west-2",
        endpoint_url=seaweed.endpoint_url,
        aws_access_key_id=seaweed.access_key,
        aws_secret_access_key=seaweed.secret_key + "-wrong",
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as err:
        forged.put_object(Bucket=bucket, Key="dir/c.txt", Body=b"x")
    assert err.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


@pytest.mark.s3
def test_get_by_version_id_returns_old_bytes_after_overwrite(
    seaweed: SeaweedS3, bucket: str
) -> None:
    admin, anon = seaweed.admin_client(), seaweed.anonymous_client()
    first = admin.put_object(Bucket=bucket, Key="k.bin", Body=b"old contents")["VersionId"]
    second = admin.put_object(Bucket=bucket, Key="k.bin", Body=b"new, longer contents")["VersionId"]
    assert first != second

    old = anon.get_object(Bucket=bucket, Key="k.bin", VersionId=first)
    assert old["Body"].read() == b"old contents"
    assert old["VersionId"] == first
    assert anon.get_object(Bucket=bucket, Key="k.bin")["Body"].read() == b"new, longer contents"

    head = anon.head_object(Bucket=bucket, Key="k.bin", VersionId=first)
    assert head["ContentLength"] == len(b"old contents")
    assert head["VersionId"] == first
    assert (
        head["ETag"]
        == old["ETag"]
        == f'"{md5(b"old contents", usedforsecurity=False).hexdigest()}"'
    )

    versions = anon.list_object_versions(Bucket=bucket, Prefix="k.bin")["Versions"]
    assert {v["VersionId"]: v["IsLatest"] for v in versions} == {first: False, second: True}


@pytest.mark.s3
def test_ranged_get_with_and_without_version_id(seaweed: SeaweedS3, bucket: str) -> None:
    admin, anon = seaweed.admin_client(), seaweed.anonymous_client()
    data = bytes(range(256)) * 40
    first = admin.put_object(Bucket=bucket, Key="r.bin", Body=data)["VersionId"]
    admin.put_object(Bucket=bucket, Key="r.bin", Body=b"replaced")

    tail = anon.get_object(Bucket=bucket, Key="r.bin", VersionId=first, Range="bytes=1000-")
    assert tail["Body"].read() == data[1000:]
    assert tail["ContentLength"] == len(data) - 1000
    assert tail["ContentRange"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
    assert tail["ResponseMetadata"]["HTTPStatusCode"] == 206

    middle = anon.get_object(Bucket=bucket, Key="r.bin", VersionId=first, Range="bytes=10-19")
    assert middle["Body"].read() == data[10:20]
    current = anon.get_object(Bucket=bucket, Key="r.bin", Range="bytes=2-")
    assert current["Body"].read() == b"placed"
    with pytest.raises(ClientError) as err:  # resuming a complete file: as on AWS, 416
        anon.get_object(Bucket=bucket, Key="r.bin", VersionId=first, Range=f"bytes={len(data)}-")
    assert err.value.response["Error"]["Code"] == "InvalidRange"


@pytest.mark.s3
def test_server_strips_environment_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA-SHOULD-NOT-LEAK")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    monkeypatch.setenv("S3_BUCKET", "bucket-from-env")
    server = SeaweedS3(base_dir=tmp_path).start()
    try:
        pid, data_dir, ports = server.pid, server.dir, dict(server.ports)
        assert pid is not None
        assert data_dir is not None
        assert data_dir.is_relative_to(tmp_path)
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert not [v for v in environ if v.startswith((b"AWS_", b"S3_BUCKET"))]
        assert server.admin_client().list_buckets()["Buckets"] == []  # S3_BUCKET was ignored
        assert server.startup_seconds is not None
        assert server.endpoint_url == f"http://127.0.0.1:{ports['s3']}"
        assert all(p >= 20000 and p + GRPC_OFFSET < 45000 for p in ports.values())
    finally:
        server.stop()
    assert not server.running
    assert not Path(f"/proc/{pid}").exists()  # exited and reaped
    assert not data_dir.exists()
    for service, port in ports.items():
        assert not Path(f"/tmp/seaweedfs-{service}-grpc-{port + GRPC_OFFSET}.sock").exists()


def test_start_failure_reports_the_log(tmp_path: Path) -> None:
    fake = tmp_path / "weed"
    fake.write_text("#!/bin/sh\necho 'fake weed: something is badly wrong' >&2\nexit 3\n")
    fake.chmod(0o755)
    server = SeaweedS3(weed=str(fake), base_dir=tmp_path / "run")
    with pytest.raises(SeaweedStartError, match="exited with status 3") as err:
        server.start()
    assert "something is badly wrong" in str(err.value)
    assert not server.running
    assert not list((tmp_path / "run").iterdir())


def test_start_timeout_reports_the_log_and_stops_the_process(tmp_path: Path) -> None:
    fake = tmp_path / "weed"
    fake.write_text("#!/bin/sh\necho 'fake weed: never ready'\nexec sleep 60\n")
    fake.chmod(0o755)
    server = SeaweedS3(weed=str(fake), base_dir=tmp_path / "run", startup_timeout=0.5)
    with pytest.raises(SeaweedStartError, match="did not answer S3") as err:
        server.start()
    assert "never ready" in str(err.value)
    assert not server.running


# -- publish_release ----------------------------------------------------------------------------


def _entry(key: str, version_id: str, data: bytes) -> dict[str, str]:
    return {"url": URL + key, "version_id": version_id, "file_hash": _hash(data)}


UNITS = f"{PROJECT}/project_metadata/units.csv"
PROBES = f"{PROJECT}/project_metadata/probes.csv"
NWB = f"{PROJECT}/behavior_ecephys_sessions/1001/ecephys_session_1001.nwb"


@pytest.fixture
def small_release(tmp_path: Path) -> Path:
    """Two manifest versions (v0.9.0 < v0.10.0: semver, not text order); units.csv changes
    between them (its old bytes live under .versions), probes.csv and one NWB do not."""
    root = tmp_path / "release"
    files = {
        ".versions/demo-units-1/" + UNITS: b"unit_id,snr\n1,2.5\n",
        UNITS: b"unit_id,snr\n1,2.5\n2,3.75\n",
        PROBES: b"probe_id,name\n7,probeA\n",
        NWB: os.urandom(50_000),
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    common = {
        "project_name": PROJECT,
        "data_pipeline": [{"name": "AllenSDK", "version": "2.16.2", "comment": "demo"}],
        "metadata_file_id_column_name": "file_id",
    }
    old = {
        **common,
        "manifest_version": "0.9.0",
        "metadata_files": {
            "units": _entry(UNITS, "demo-units-1", files[".versions/demo-units-1/" + UNITS]),
            "probes": _entry(PROBES, "demo-probes-1", files[PROBES]),
        },
        "data_files": {"1001": _entry(NWB, "demo-nwb-1", files[NWB])},
    }
    new = {
        **common,
        "manifest_version": "0.10.0",
        "metadata_files": {
            "units": _entry(UNITS, "demo-units-2", files[UNITS]),
            "probes": _entry(PROBES, "demo-probes-1", files[PROBES]),
        },
        "data_files": {"2001": _entry(NWB, "demo-nwb-1", files[NWB])},  # ids change, file not
    }
    folder = root / PROJECT / "manifests"
    folder.mkdir(parents=True)
    for manifest in (new, old):
        name = f"{PROJECT}_project_manifest_v{manifest['manifest_version']}.json"
        (folder / name).write_text(json.dumps(manifest, indent=4))
    return root


def _check_published(seaweed: SeaweedS3, bucket: str, result: dict) -> None:
    """Every published manifest, read anonymously, names versions whose bytes match file_hash."""
    anon = seaweed.anonymous_client()
    for name, key in result["manifest_keys"].items():
        text = anon.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        assert text == json.dumps(result["manifests"][name], indent=4)
        manifest = json.loads(text)
        for section in ("metadata_files", "data_files"):
            for entry in manifest[section].values():
                data_key = entry["url"].removeprefix(URL)
                body = anon.get_object(Bucket=bucket, Key=data_key, VersionId=entry["version_id"])
                assert _hash(body["Body"].read()) == entry["file_hash"], (name, data_key)


@pytest.mark.s3
def test_publish_small_release(seaweed: SeaweedS3, bucket: str, small_release: Path) -> None:
    assert [p.name for p in manifest_paths(small_release)] == [
        f"{PROJECT}_project_manifest_v0.9.0.json",
        f"{PROJECT}_project_manifest_v0.10.0.json",
    ]
    result = publish_release(small_release, seaweed.admin_client(), bucket)

    real = result["version_ids"]
    assert set(real) == {
        (UNITS, "demo-units-1"),
        (UNITS, "demo-units-2"),
        (PROBES, "demo-probes-1"),
        (NWB, "demo-nwb-1"),
    }
    assert result["objects"] == 4
    assert len(set(real.values())) == 4
    _check_published(seaweed, bucket, result)

    anon = seaweed.anonymous_client()
    versions = anon.list_object_versions(Bucket=bucket, Prefix=UNITS)["Versions"]
    latest = {v["VersionId"]: v["IsLatest"] for v in versions}
    assert latest == {real[UNITS, "demo-units-1"]: False, real[UNITS, "demo-units-2"]: True}
    current = anon.get_object(Bucket=bucket, Key=UNITS)["Body"].read()
    assert current == (small_release / UNITS).read_bytes()
    assert len(anon.list_object_versions(Bucket=bucket, Prefix=PROBES)["Versions"]) == 1

    new = result["manifests"][f"{PROJECT}_project_manifest_v0.10.0.json"]
    old = result["manifests"][f"{PROJECT}_project_manifest_v0.9.0.json"]
    assert new["metadata_files"]["probes"] == old["metadata_files"]["probes"]
    assert new["data_files"]["2001"]["version_id"] == old["data_files"]["1001"]["version_id"]
    assert new["metadata_files"]["units"]["version_id"] == real[UNITS, "demo-units-2"]
    source = json.loads(
        (
            small_release / PROJECT / "manifests" / f"{PROJECT}_project_manifest_v0.10.0.json"
        ).read_text()
    )
    for field in ("project_name", "manifest_version", "data_pipeline"):
        assert new[field] == source[field]


@pytest.mark.s3
def test_publish_refuses_unversioned_bucket_and_bad_hashes(
    seaweed: SeaweedS3, small_release: Path
) -> None:
    admin = seaweed.admin_client()
    plain = f"vbn-plain-{uuid.uuid4().hex[:12]}"
    admin.create_bucket(Bucket=plain, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    with pytest.raises(ValueError, match="versioning"):
        publish_release(small_release, admin, plain)

    versioned = f"vbn-bad-{uuid.uuid4().hex[:12]}"
    seaweed.create_versioned_bucket(versioned)
    (small_release / PROBES).write_bytes(b"corrupted")
    with pytest.raises(ValueError, match="does not hash to file_hash"):
        publish_release(small_release, admin, versioned)
    assert "Contents" not in admin.list_objects_v2(Bucket=versioned)  # nothing half-published


@pytest.mark.s3
def test_publish_demo_release(seaweed: SeaweedS3, bucket: str, demo_release: Path) -> None:
    """The demo generator's scale=0.02 release (conftest's ``demo_release``) publishes cleanly."""
    result = publish_release(demo_release, seaweed.admin_client(), bucket)
    assert len(result["manifests"]) >= 2
    _check_published(seaweed, bucket, result)
    anon = seaweed.anonymous_client()
    superseded = 0
    for key in {key for key, _ in result["version_ids"]}:
        current = anon.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert current == (demo_release / key).read_bytes(), key  # the latest is current
        versions = anon.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
        superseded += len([v for v in versions if v["Key"] == key]) - 1
    assert superseded == len(result["version_ids"]) - len({k for k, _ in result["version_ids"]})
    assert superseded > 0  # the demo has files that change between versions


# -- CutProxy -----------------------------------------------------------------------------------


@pytest.fixture
def byte_server() -> Iterator[tuple[int, bytes]]:
    """A plain TCP server that sends 10,000 bytes to each connection, then closes it."""
    payload = os.urandom(10_000)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn, contextlib.suppress(OSError):  # the proxy may cut us off
                conn.recv(1024)
                conn.sendall(payload)

    thread = threading.Thread(target=serve, name="byte-server", daemon=True)
    thread.start()
    yield listener.getsockname()[1], payload
    stop.set()
    thread.join(5)
    listener.close()


def _fetch(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_cut_proxy_delivers_exactly_n_bytes_then_passes(byte_server: tuple[int, bytes]) -> None:
    port, payload = byte_server
    request = b"GET /x HTTP/1.1\r\nHost: here\r\nRange: bytes=5-\r\n\r\n"
    with CutProxy("127.0.0.1", port, cut_after_bytes=1234, cuts=2) as proxy:
        assert _fetch(proxy.port, request) == payload[:1234]
        assert _fetch(proxy.port, request) == payload[:1234]
        assert _fetch(proxy.port, request) == payload  # cuts used up
        proxy.arm(0)
        assert _fetch(proxy.port, request) == b""
        proxy.arm(None)
        assert _fetch(proxy.port, request) == payload
        records = proxy.connections
    assert [r.cut for r in records] == [True, True, False, True, False]
    assert [r.bytes_to_client for r in records] == [1234, 1234, 10_000, 0, 10_000]
    assert records[0].request is not None
    assert records[0].request.method == "GET"
    assert records[0].request.header("range") == "bytes=5-"
    assert _cutproxy_threads() == []


def test_parse_request_head() -> None:
    head = parse_request_head(
        b"GET /b/k?versionId=v1 HTTP/1.1\r\nHost: h\r\nRange: bytes=10-\r\n\r\n"
    )
    assert (head.method, head.path, head.version) == ("GET", "/b/k?versionId=v1", "HTTP/1.1")
    assert head.headers == {"Host": "h", "Range": "bytes=10-"}
    assert head.header("RANGE") == "bytes=10-"


def _drain(body: Any, into: bytearray) -> None:
    for chunk in body.iter_chunks(64 * 1024):
        into += chunk


def _anon_through(seaweed: SeaweedS3, proxy: CutProxy) -> object:
    return seaweed.anonymous_client(
        endpoint_url=proxy.endpoint_url, config=Config(retries={"total_max_attempts": 1})
    )


@pytest.mark.s3
def test_cut_mid_body_read_raises_and_next_request_passes(
    seaweed: SeaweedS3, megabyte_object: tuple[str, str, bytes]
) -> None:
    bucket, key, data = megabyte_object
    with CutProxy("127.0.0.1", seaweed.port, cut_after_bytes=300_000) as proxy:
        client = _anon_through(seaweed, proxy)
        response = client.get_object(Bucket=bucket, Key=key)
        assert response["ContentLength"] == MIB
        with pytest.raises(ResponseStreamingError, match="IncompleteRead"):
            response["Body"].read()
        cut = proxy.connections[-1]
        assert cut.cut
        assert cut.bytes_to_client == cut.cut_at == 300_000
        assert cut.response_statuses == [200]

        again = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert again == data
        assert proxy.cuts_left == 0
        assert not proxy.connections[-1].cut
    assert _cutproxy_threads() == []


@pytest.mark.s3
def test_cut_mid_body_iter_chunks_then_resume_with_range(
    seaweed: SeaweedS3, megabyte_object: tuple[str, str, bytes]
) -> None:
    bucket, key, data = megabyte_object
    with CutProxy("127.0.0.1", seaweed.port) as proxy:  # unarmed: list calls pass untouched
        client = _anon_through(seaweed, proxy)
        listed = client.list_objects_v2(Bucket=bucket)["Contents"]
        assert [o["Key"] for o in listed] == [key]
        version = client.head_object(Bucket=bucket, Key=key)["VersionId"]

        proxy.arm(400_000)  # counts restart now, also on the pooled connection reused below
        response = client.get_object(Bucket=bucket, Key=key, VersionId=version)
        received = bytearray()
        with pytest.raises(IncompleteReadError):
            _drain(response["Body"], received)
        cut = next(r for r in proxy.connections if r.cut)
        assert cut.cut_at == 400_000
        assert cut.response_head is not None
        assert len(received) == 400_000 - len(cut.response_head)
        assert bytes(received) == data[: len(received)]

        resumed = client.get_object(
            Bucket=bucket, Key=key, VersionId=version, Range=f"bytes={len(received)}-"
        )
        assert bytes(received) + resumed["Body"].read() == data
        last = proxy.connections[-1]
        assert not last.cut
        assert last.request is not None  # the cut closed the old connection: a fresh one
        assert last.request.method == "GET"
        assert last.request.header("Range") == f"bytes={len(received)}-"
        assert f"versionId={version}" in last.request.path
        assert last.response_statuses == [206]
    assert _cutproxy_threads() == []


@pytest.mark.s3
def test_cut_before_the_status_line_is_retried_by_boto(
    seaweed: SeaweedS3, megabyte_object: tuple[str, str, bytes]
) -> None:
    bucket, key, data = megabyte_object
    with CutProxy("127.0.0.1", seaweed.port, cut_after_bytes=0) as proxy:
        with pytest.raises(ConnectionClosedError):
            _anon_through(seaweed, proxy).get_object(Bucket=bucket, Key=key)
        proxy.arm(0)
        retrying = seaweed.anonymous_client(endpoint_url=proxy.endpoint_url)  # default retries
        assert retrying.get_object(Bucket=bucket, Key=key)["Body"].read() == data
        first, second = proxy.connections[-2:]
        assert (first.cut, second.cut) == (True, False)
        assert first.request is not None
        assert second.request is not None
        assert first.request.header("amz-sdk-request", "").startswith("attempt=1;")
        assert second.request.header("amz-sdk-request", "").startswith("attempt=2;")


def test_cut_proxy_close_with_idle_connection_leaks_no_threads(
    byte_server: tuple[int, bytes],
) -> None:
    port, _ = byte_server
    proxy = CutProxy("127.0.0.1", port).start()
    idle = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    try:
        for _ in range(100):  # wait until the proxy has accepted and connected upstream
            if proxy.connections:
                break
            threading.Event().wait(0.01)
        proxy.close()
        assert idle.recv(1) == b""  # the proxy shut the idle client out
    finally:
        idle.close()
    assert _cutproxy_threads() == []
