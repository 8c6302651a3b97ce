// Assigned group membership with Microsoft's JavaScript Graph client
// (@microsoft/microsoft-graph-client, pinned in package.json), unmodified but for its base URL
// and custom hosts, over https.
//
// Usage: node graph_groups.cjs HTTPS_BASE TOKEN HASH_BASE64
//
// Imports one device, waits for its registration, finds its Entra device object by deviceId
// (Entra's $search with ConsistencyLevel: eventual), creates an assigned security group, adds
// the device with members/$ref, reads it back through members and memberOf, and removes it.
// Prints one line of JSON with what it saw; exits 1 on a mismatch.
"use strict";

const { Client } = require("@microsoft/microsoft-graph-client");

const [base, token, hash] = process.argv.slice(2);

function check(condition, what) {
  if (!condition) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const graph = Client.initWithMiddleware({
    authProvider: { getAccessToken: async () => token },
    baseUrl: `${base}/`,
    defaultVersion: "v1.0",
    customHosts: new Set(["localhost"]),
  });
  const imported = await graph
    .api("/deviceManagement/importedWindowsAutopilotDeviceIdentities")
    .version("beta")
    .post({ serialNumber: "JSG-0001", hardwareIdentifier: hash });
  let record = imported;
  for (let i = 0; i < 300 && record.state.deviceImportStatus === "unknown"; i++) {
    await sleep(100);
    record = await graph
      .api(`/deviceManagement/importedWindowsAutopilotDeviceIdentities/${imported.id}`)
      .version("beta")
      .get();
  }
  check(record.state.deviceImportStatus === "complete", "the device registers");
  const autopilot = await graph
    .api(`/deviceManagement/windowsAutopilotDeviceIdentities/${record.state.deviceRegistrationId}`)
    .get();
  const found = await graph
    .api("/devices")
    .header("ConsistencyLevel", "eventual")
    .search(`"deviceId:${autopilot.azureActiveDirectoryDeviceId}"`)
    .get();
  check(found.value.length === 1, "the Entra device is found by deviceId");
  const device = found.value[0];

  const group = await graph.api("/groups").post({
    displayName: "JavaScript lab",
    mailEnabled: false,
    mailNickname: "javascript-lab",
    securityEnabled: true,
  });
  await graph.api(`/groups/${group.id}/members/$ref`).post({
    "@odata.id": `https://graph.microsoft.com/v1.0/directoryObjects/${device.id}`,
  });
  const members = await graph.api(`/groups/${group.id}/members`).get();
  check(members.value.length === 1 && members.value[0].id === device.id, "members lists the device");
  const memberOf = await graph.api(`/devices/${device.id}/memberOf`).get();
  check(memberOf.value.some((g) => g.id === group.id), "memberOf lists the group");

  let again = null;
  try {
    await graph.api(`/groups/${group.id}/members/$ref`).post({
      "@odata.id": `https://graph.microsoft.com/v1.0/directoryObjects/${device.id}`,
    });
  } catch (error) {
    again = [error.statusCode, error.code];
  }
  await graph.api(`/groups/${group.id}/members/${device.id}/$ref`).delete();
  const after = await graph.api(`/groups/${group.id}/members`).get();
  return {
    memberType: members.value[0]["@odata.type"],
    memberOf: memberOf.value.length,
    again,
    afterRemove: after.value.length,
  };
}

main().then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
