"""Timing half of bench/membership.sh: dynamic groups over the registered devices, each
change timed until the group's member count (Entra's $count with ConsistencyLevel) is what
the rule selects. Standard library only.

Usage: membership.py BASE TOKEN DEVICES"""

import json
import sys
import time
import urllib.request

base, token, devices = sys.argv[1], sys.argv[2], int(sys.argv[3])
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json",
           "ConsistencyLevel": "eventual"}
LAB = '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Lab"))'
OFFICE = '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Office"))'
EVERY = '(device.devicePhysicalIDs -any (_ -startsWith "[ZTDId]"))'


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request) as r:
        text = r.read().decode()
        return json.loads(text) if text.startswith("{") else text


def members(group):
    return int(call("GET", f"/v1.0/groups/{group}/members/$count"))


def wait(group, expected, started, what):
    while members(group) != expected:
        if time.perf_counter() - started > 600:
            sys.exit(f"{what}: not {expected} members after 600 s")
        time.sleep(0.01)
    took = time.perf_counter() - started
    print(f"  {what:<46} {took:7.2f} s  ({expected} members)")


def group(name, rule):
    return call("POST", "/v1.0/groups", {
        "displayName": name, "mailEnabled": False, "mailNickname": name.replace(" ", "-"),
        "securityEnabled": True, "groupTypes": ["DynamicMembership"],
        "membershipRule": rule, "membershipRuleProcessingState": "On"})["id"]


print(f"membership benchmark: {devices} registered devices, membership delay 0 s")
start = time.perf_counter()
labs = (devices + 2) // 3
lab = group("Lab devices", LAB)
wait(lab, labs, start, "new group, [OrderID]:Lab")
start = time.perf_counter()
every = group("Every device", EVERY)
wait(every, devices, start, "new group, startsWith [ZTDId]")
start = time.perf_counter()
call("PATCH", f"/v1.0/groups/{lab}", {"membershipRule": OFFICE})
wait(lab, devices - labs, start, "rule changed to [OrderID]:Office")
device = call("GET", "/beta/deviceManagement/windowsAutopilotDeviceIdentities?$top=1&$filter=groupTag%20eq%20'Lab'")["value"][0]
start = time.perf_counter()
call("POST", f"/beta/deviceManagement/windowsAutopilotDeviceIdentities/{device['id']}/updateDeviceProperties",
     {"groupTag": "Office"})
wait(lab, devices - labs + 1, start, "one group tag changed (both groups again)")
