"""One file asked for by many requests at once is one transfer and one job; a file already
verified answers "verified" and makes no job (issue 11.8)."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.s3

PATIENT = {"request_timeout": 600, "connect_timeout": 600}  # 1,000 requests queue in the client


async def test_a_thousand_concurrent_posts_of_one_file_are_one_job_and_one_transfer(
    api, kernel_cache, proxy
):
    data = kernel_cache.manifest.data_files
    file_id = min(i for i, e in data.items() if e.key.endswith(".nwb"))
    key = data[file_id].key
    plan = {
        "cache": str(kernel_cache.cache_dir),
        "manifest": kernel_cache.current_manifest(),
        "files": [file_id],
    }
    proxy.close_gate()
    answered = 0

    async def post():
        nonlocal answered
        code, answer = await api.call("POST", "downloads", body=plan, **PATIENT)
        answered += 1
        if answered == 500:
            proxy.open_gate()  # the transfer ends while the other half are still asking
        return code, answer

    answers = await asyncio.gather(*(post() for _ in range(1000)))
    assert {code for code, _ in answers} == {202}
    first = answers[0][1]["jobs"][0]["id"]
    said = [a["jobs"][0]["id"] if a["jobs"] else "verified" for _, a in answers]
    assert set(said) <= {first, "verified"}, f"{len(set(said))} different answers"
    assert said.count(first) >= 500  # every answer before the gate opened, and maybe more
    assert all(a["verified"] == [] for _, a in answers if a["jobs"])
    assert len({a["batch"]["id"] for _, a in answers}) == 1000  # each request is its own batch
    await api.job_in(first, {"done"})
    assert sum(key in target for target in proxy.matched) == 1, proxy.matched
    code, again = await api.call("POST", "downloads", body=plan)
    assert code == 202
    assert again["jobs"] == []
    assert again["verified"] == [
        {"ref": file_id, "key": key, "path": str(kernel_cache.local_path(file_id))}
    ]
    assert (again["batch"]["files"], again["batch"]["verified"]) == (1, 1)
    code, listed = await api.call("GET", "downloads", params={"cache": str(kernel_cache.cache_dir)})
    assert [j["id"] for j in listed["jobs"]] == [first]
