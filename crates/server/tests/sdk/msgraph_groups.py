"""Dynamic groups and profile assignment with Microsoft's Python Graph SDKs, unmodified:
msgraph-sdk (v1.0) for the import and the group, msgraph-beta-sdk for deployment profiles.

Usage: python msgraph_groups.py BASE_URL TOKEN LAB_HASH_1 LAB_HASH_2 OFFICE_HASH

Imports two devices tagged Lab and one tagged Office, creates a dynamic device group on
`[OrderID]:Lab`, waits for the two Lab devices to join it, creates a deployment profile and
assigns it to the group, then watches the devices' deploymentProfileAssignmentStatus move
from pending to assignedInSync while the Office device stays notAssigned. Prints one line of
JSON with what it saw; exits non-zero on any mismatch or when something never happens.
"""

import asyncio
import base64
import json
import sys
import time

from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.device_management.imported_windows_autopilot_device_identities.import_.import_post_request_body import (
    ImportPostRequestBody,
)
from msgraph.generated.models.group import Group
from msgraph.generated.models.imported_windows_autopilot_device_identity import (
    ImportedWindowsAutopilotDeviceIdentity,
)
from msgraph_beta import GraphRequestAdapter as BetaRequestAdapter
from msgraph_beta import GraphServiceClient as BetaServiceClient
from msgraph_beta.generated.models.azure_a_d_windows_autopilot_deployment_profile import (
    AzureADWindowsAutopilotDeploymentProfile,
)
from msgraph_beta.generated.models.group_assignment_target import GroupAssignmentTarget
from msgraph_beta.generated.models.windows_autopilot_deployment_profile_assignment import (
    WindowsAutopilotDeploymentProfileAssignment,
)

from msgraph_import import StaticToken, check

LAB_RULE = '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Lab"))'


async def until(what: str, probe, seconds: float = 60.0):
    """Polls `probe` (an async function) every 100 ms until it returns a truthy value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.1)
    check(False, f"{what} within {seconds} s")


async def main(base: str, token: str, hashes: list) -> dict:
    auth = BaseBearerTokenAuthenticationProvider(StaticToken(token))
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = base.rstrip("/") + "/v1.0"
    client = GraphServiceClient(request_adapter=adapter)
    beta_adapter = BetaRequestAdapter(auth)
    beta_adapter.base_url = base.rstrip("/") + "/beta"
    beta = BetaServiceClient(request_adapter=beta_adapter)

    serials = ["PYG-LAB-1", "PYG-LAB-2", "PYG-OFFICE-1"]
    tags = ["Lab", "Lab", "Office"]
    devices = [
        ImportedWindowsAutopilotDeviceIdentity(
            serial_number=serial, group_tag=tag, hardware_identifier=base64.b64decode(h)
        )
        for serial, tag, h in zip(serials, tags, hashes)
    ]
    imported = beta.device_management.imported_windows_autopilot_device_identities
    await client.device_management.imported_windows_autopilot_device_identities.import_.post(
        ImportPostRequestBody(imported_windows_autopilot_device_identities=devices)
    )

    async def all_complete():
        listed = await imported.get()
        states = [d.state.device_import_status.value for d in listed.value]
        return len(states) == 3 and all(s == "complete" for s in states)

    await until("the imports complete", all_complete)

    group = await client.groups.post(
        Group(
            display_name="Lab devices",
            mail_enabled=False,
            mail_nickname="lab-devices",
            security_enabled=True,
            group_types=["DynamicMembership"],
            membership_rule=LAB_RULE,
            membership_rule_processing_state="On",
        )
    )
    check(group.id is not None and group.group_types == ["DynamicMembership"], "group created")
    members = client.groups.by_group_id(group.id).members

    async def joined():
        page = await members.get()
        return sorted(m.display_name for m in page.value) if len(page.value) == 2 else None

    names = await until("the Lab devices join the dynamic group", joined)
    check(names == ["PYG-LAB-1", "PYG-LAB-2"], f"the group holds the Lab devices: {names}")

    profiles = beta.device_management.windows_autopilot_deployment_profiles
    profile = await profiles.post(
        AzureADWindowsAutopilotDeploymentProfile(display_name="Lab profile", device_name_template="LAB-%RAND:4%")
    )
    check(profile.id is not None, "profile created")
    await profiles.by_windows_autopilot_deployment_profile_id(profile.id).assignments.post(
        WindowsAutopilotDeploymentProfileAssignment(target=GroupAssignmentTarget(group_id=group.id))
    )

    registered = beta.device_management.windows_autopilot_device_identities

    async def statuses():
        listed = await registered.get()
        return {d.serial_number: d.deployment_profile_assignment_status.value for d in listed.value}

    first = await statuses()
    check(first["PYG-LAB-1"] == "pending", f"pending first: {first}")

    async def assigned():
        now = await statuses()
        return now if now["PYG-LAB-1"] == "assignedInSync" and now["PYG-LAB-2"] == "assignedInSync" else None

    final = await until("the Lab devices' profiles are assigned", assigned)
    check(final["PYG-OFFICE-1"] == "notAssigned", f"the Office device has none: {final}")
    return {"members": names, "first": first["PYG-LAB-1"], "final": final}


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:6]))
    print(json.dumps(result))
