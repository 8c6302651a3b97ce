"""Timing half of bench/registration.sh and bench/postgres.sh: imports the devices in
500-device calls from CLIENTS client threads (default 2; spread over the given servers, comma-separated, in
turn), then polls until all are registered, and prints the figures. Standard library only.

Usage: registration.py BASE[,BASE...] TOKEN DEVICES_JSON [LABEL]"""

import json
import os
import sys
import threading
import time
import urllib.request

bases, token, devices_file = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
label = sys.argv[4] if len(sys.argv) > 4 else "one server"
devices = json.load(open(devices_file))
base = bases[0]
imported = base + "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities"
registered = base + "/beta/deviceManagement/windowsAutopilotDeviceIdentities"
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

# Group tags, given to the devices in turn (TAGS=Lab,Office; default one tag, Bench).
tags = os.environ.get("TAGS", "Bench").split(",")
bodies = []
for i in range(0, len(devices), 500):
    chunk = devices[i:i + 500]
    bodies.append(json.dumps({"importedWindowsAutopilotDeviceIdentities": [
        {"serialNumber": d["serialNumber"], "groupTag": tags[(i + k) % len(tags)],
         "hardwareIdentifier": d["hardwareIdentifier"]} for k, d in enumerate(chunk)]}).encode())


def get(url):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
        return r.read().decode()


def send(share):
    for i, body in share:
        target = bases[i % len(bases)] + "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities"
        request = urllib.request.Request(target + "/import", data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request) as r:
            assert r.status == 200
            r.read()


start = time.perf_counter()
numbered = list(enumerate(bodies))
clients = int(os.environ.get("CLIENTS", "2"))
threads = [threading.Thread(target=send, args=(numbered[k::clients],)) for k in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
accepted = time.perf_counter()
while True:
    count = int(get(registered + "/$count"))
    if count >= len(devices):
        break
    if time.perf_counter() - start > 600:
        sys.exit(f"only {count} of {len(devices)} registered after 600 s")
    time.sleep(0.02)
done = time.perf_counter()
# Nothing may be left processing or failed.
unknown = errors = 0
url = imported + "?$top=1000"
while url:
    page = json.loads(get(url))
    for d in page["value"]:
        status = d["state"]["deviceImportStatus"]
        unknown += status == "unknown"
        errors += status == "error"
    url = page.get("@odata.nextLink")
assert unknown == 0 and errors == 0, (unknown, errors)

n = len(devices)
print(f"registration benchmark, {label}: {n} devices in {len(bodies)} imports of 500 from {clients} client threads, processing delay 0 s")
print(f"  imports accepted in        {accepted - start:8.2f} s  ({n / (accepted - start):8.0f} devices/s)")
print(f"  all registered after       {done - start:8.2f} s  ({n / (done - start):8.0f} devices/s)")
