// Drives autopilot-graph with Microsoft's JavaScript Graph client
// (@microsoft/microsoft-graph-client, pinned in package.json), unmodified but for its base URL
// and custom hosts.
//
// Usage: node graph_client.cjs HTTPS_BASE HTTP_BASE TOKEN HASH_BASE64
//
// Over https: imports one device through the `import` action, lists it (with $filter and
// $count), gets it, deletes it, and checks that a second get fails with GraphError 404
// ResourceNotFound. Over plain http: checks that the client does not send its token at all
// (the server answers 401). Prints one line of JSON with what it saw; exits 1 on a mismatch.
"use strict";

const { Client } = require("@microsoft/microsoft-graph-client");

const [httpsBase, httpBase, token, hash] = process.argv.slice(2);
const collection = "/deviceManagement/importedWindowsAutopilotDeviceIdentities";

function check(condition, what) {
  if (!condition) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
}

function client(base) {
  return Client.initWithMiddleware({
    authProvider: { getAccessToken: async () => token },
    baseUrl: `${base}/`,
    defaultVersion: "beta",
    customHosts: new Set(["localhost"]),
  });
}

async function main() {
  const graph = client(httpsBase);
  const imported = await graph.api(`${collection}/import`).post({
    importedWindowsAutopilotDeviceIdentities: [
      {
        "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
        serialNumber: "JS-0001",
        groupTag: "JavaScript",
        hardwareIdentifier: hash,
      },
    ],
  });
  check(imported.value.length === 1, "import returns one record");
  const record = imported.value[0];
  check(record.serialNumber === "JS-0001", "serial echoed");
  check(record.state.deviceImportStatus === "unknown", "state unknown while processing");

  const listed = await graph
    .api(collection)
    .filter("startswith(serialNumber,'JS-')")
    .count(true)
    .get();
  check(listed["@odata.count"] === 1, "$count with $filter");
  check(listed.value.some((d) => d.id === record.id), "listed");

  const got = await graph.api(`${collection}/${record.id}`).get();
  check(got.id === record.id && got.groupTag === "JavaScript", "get by id");

  await graph.api(`${collection}/${record.id}`).delete();
  let afterDelete = null;
  try {
    await graph.api(`${collection}/${record.id}`).get();
  } catch (error) {
    afterDelete = [error.statusCode, error.code];
  }
  check(
    afterDelete && afterDelete[0] === 404 && afterDelete[1] === "ResourceNotFound",
    `404 ResourceNotFound after delete, got ${JSON.stringify(afterDelete)}`,
  );

  // Plain http: the client keeps the token to itself.
  let overHttp = null;
  try {
    await client(httpBase).api(collection).get();
  } catch (error) {
    overHttp = [error.statusCode, error.code];
  }
  return { imported: record.id, listed: listed.value.length, afterDelete, overHttp };
}

main().then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
