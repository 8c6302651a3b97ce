// Drives the admin console as a person would, in Debian's Chromium (headless), with
// Playwright: sign in, the tenants, search the devices, open one, change it, delete one, sign
// out; CSRF refused without the token; another tenant's device unreachable by URL; hostile
// serial numbers and group tags shown as text. Screenshots of each page go to SHOTS.
//
// Usage: node console.cjs BASE PASSWORD TENANT OTHER_TENANT OTHER_DEVICE TENANT_TOKEN SHOTS HASH NEW_HASH CSV
// (CSV: a UTF-16 file whose line 2 is a new device, line 3 a broken hash, line 4 a registered one)
// Prints one line of JSON with what it saw; exits non-zero on any mismatch.

const { chromium } = require("playwright-core");

const [base, password, tenant, otherTenant, otherDevice, tenantToken, shots, hash, newHash, csv] =
  process.argv.slice(2);

function check(condition, what) {
  if (!condition) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const seen = {};
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const dialogs = [];
    page.on("dialog", async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.accept();
    });
    const violations = [];
    page.on("console", (msg) => {
      // Pages answered with an error status are logged as failed loads; those are expected here.
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) {
      violations.push(msg.text());
    }
    });

    // Signed out: the console sends you to sign in.
    await page.goto(`${base}/`);
    check(page.url().endsWith("/console/sign-in"), `redirected to sign-in, at ${page.url()}`);
    await page.screenshot({ path: `${shots}/01-sign-in.png`, fullPage: true });
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).first().click();
    check((await page.getByRole("alert").textContent()).includes("does not open"), "wrong password refused");

    // The admin: every tenant.
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).first().click();
    await page.getByRole("heading", { name: "Tenants" }).waitFor();
    const rows = await page.locator("tbody tr").count();
    check(rows >= 2, `two tenants listed, ${rows}`);
    await page.screenshot({ path: `${shots}/02-tenants.png`, fullPage: true });
    seen.tenants = rows;

    // One tenant's devices: a table, the hostile values as text, search, sort.
    await page.goto(`${base}/console/t/${tenant}/devices`);
    await page.getByRole("heading", { name: "Registered devices" }).waitFor();
    const listed = await page.locator("tbody tr").count();
    seen.listed = listed;
    check(listed === 3, `three devices, ${listed}`);
    check((await page.content()).includes("&lt;script&gt;"), "script-shaped values escaped");
    check(dialogs.length === 0, "no script ran from the data");
    await page.screenshot({ path: `${shots}/03-devices.png`, fullPage: true });
    await page.getByLabel("Serial number contains").fill("CON-2");
    await page.getByRole("button", { name: "Search" }).click();
    check((await page.locator("tbody tr").count()) === 1, "search finds one");
    await page.getByLabel("Serial number contains").fill("'; drop");
    await page.getByRole("button", { name: "Search" }).click();
    check((await page.locator(".empty").textContent()).includes("No device matches"), "an empty search says so");

    // A device: every property, a change, then the saved notice.
    await page.goto(`${base}/console/t/${tenant}/devices?q=CON-2`);
    await page.getByRole("link", { name: "CON-2" }).click();
    await page.getByRole("heading", { name: "CON-2" }).waitFor();
    check((await page.locator("dl.props dt").count()) > 15, "every property shown");
    check((await page.locator("#hardware ~ dl dd", { hasText: "CON-2" }).count()) >= 1, "the decoded hash names its serial");
    await page.screenshot({ path: `${shots}/04-device.png`, fullPage: true });
    await page.getByLabel("Group tag").fill("Kiosk");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").waitFor();
    check((await page.getByRole("status").textContent()).includes("Saved"), "saved");
    check((await page.locator("dd", { hasText: "Kiosk" }).count()) >= 1, "the new group tag shown");
    // A user the tenant's directory does not have: Intune refuses, and the page says why.
    await page.getByLabel("Assigned user (user@domain)").fill("nobody@contoso.com");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("alert").waitFor();
    seen.refused = (await page.getByRole("alert").textContent()).trim();
    await page.screenshot({ path: `${shots}/05-device-refused.png`, fullPage: true });

    // Delete one, confirming the question.
    await page.goto(`${base}/console/t/${tenant}/devices?q=CON-3`);
    await page.getByRole("link", { name: "CON-3" }).click();
    await page.getByRole("button", { name: "Delete device" }).click();
    await page.getByRole("heading", { name: "Registered devices" }).waitFor();
    check(dialogs.some((d) => d.includes("Delete CON-3")), "asked before deleting");
    check((await page.locator("tbody tr").count()) === 2, "two devices left");

    // A write without the session's token is refused.
    const forged = await page.request.post(`${base}/console/t/${tenant}/devices/${otherDevice}`, {
      form: { action: "delete" },
      headers: { Origin: base },
    });
    check(forged.status() === 403, `CSRF refused, ${forged.status()}`);
    seen.csrf = forged.status();

    // Imports followed live: a new device turns complete, a registered one's hash turns 806,
    // without reloading the page.
    const imported = await page.request.post(
      `${base}/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/import`,
      {
        headers: { Authorization: `Bearer ${tenantToken}`, "Content-Type": "application/json" },
        data: {
          importedWindowsAutopilotDeviceIdentities: [
            { serialNumber: "CON-4", hardwareIdentifier: newHash },
            { serialNumber: "CON-2", hardwareIdentifier: hash },
          ],
        },
      },
    );
    check(imported.status() === 200, `imported, ${imported.status()}`);
    await page.goto(`${base}/console/t/${tenant}/imports`);
    const live = page.locator("tr", { hasText: "CON-4" }).last();
    check((await live.locator(".status").textContent()) === "unknown", "processing at first");
    await page.screenshot({ path: `${shots}/09-imports-processing.png`, fullPage: true });
    await live.locator(".status", { hasText: "complete" }).waitFor({ timeout: 20000 });
    const again = page.locator("tr", { hasText: "CON-2" }).last();
    await again.locator(".status", { hasText: "error" }).waitFor({ timeout: 20000 });
    const why = await again.locator(".error").textContent();
    check(why.includes("806") && why.includes("already registered"), `806 explained: ${why}`);
    seen.liveError = why;
    await page.screenshot({ path: `${shots}/10-imports-decided.png`, fullPage: true });

    // A CSV imported from the browser: checked line by line first (the broken line named, nothing
    // sent), then imported and followed until each line is decided, the failures downloaded.
    await page.getByRole("link", { name: "Import a CSV" }).click();
    await page.getByLabel("Autopilot CSV file").setInputFiles(csv);
    await page.getByRole("heading", { name: /checked, nothing sent yet/ }).waitFor();
    const broken = page.locator("#csv-lines tr[data-line='3']");
    check((await broken.locator(".status").textContent()) === "not sent", "the broken line is not sent");
    check((await broken.locator(".error").textContent()).startsWith("802 InvalidZtdHardwareHash"), "the broken line named with 802");
    check((await page.locator("#csv-summary").textContent()).includes("UTF-16LE"), "the encoding read");
    seen.csvBroken = (await broken.locator(".error").textContent()).trim();
    await page.screenshot({ path: `${shots}/13-csv-checked.png`, fullPage: true });
    await page.getByRole("button", { name: "Import 2 devices" }).click();
    await page.getByRole("heading", { name: /2 of 3 devices sent/ }).waitFor();
    const fresh = page.locator("#csv-lines tr[data-line='2']");
    check((await fresh.locator(".status").textContent()) === "unknown", "the new device is processing at first");
    await page.screenshot({ path: `${shots}/14-csv-importing.png`, fullPage: true });
    await fresh.locator(".status", { hasText: "complete" }).waitFor({ timeout: 20000 });
    const taken = page.locator("#csv-lines tr[data-line='4']");
    await taken.locator(".status", { hasText: "error" }).waitFor({ timeout: 20000 });
    check((await taken.locator(".error").textContent()).includes("806"), "the registered device refused with 806");
    await page.locator("#csv-progress", { hasText: "Done" }).waitFor({ timeout: 10000 });
    seen.csvProgress = (await page.locator("#csv-progress").textContent()).trim();
    await page.screenshot({ path: `${shots}/15-csv-imported.png`, fullPage: true });
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download the failed lines (CSV)" }).click(),
    ]);
    const failedPath = await download.path();
    seen.csvFailures = require("fs").readFileSync(failedPath, "utf8");
    seen.csvFailuresName = download.suggestedFilename();

    // Profiles: one made through Graph, with its assignment, as the page lists it.
    const made = await page.request.post(`${base}/beta/deviceManagement/windowsAutopilotDeploymentProfiles`, {
      headers: { Authorization: `Bearer ${tenantToken}`, "Content-Type": "application/json" },
      data: {
        "@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile",
        displayName: "Lab <b>profile</b>",
        deviceNameTemplate: "LAB-%RAND:5%",
      },
    });
    check(made.status() === 201, `profile made, ${made.status()}`);
    const profile = await made.json();
    const assigned = await page.request.post(
      `${base}/beta/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}/assignments`,
      {
        headers: { Authorization: `Bearer ${tenantToken}`, "Content-Type": "application/json" },
        data: { target: { "@odata.type": "#microsoft.graph.allDevicesAssignmentTarget" } },
      },
    );
    check(assigned.status() === 201, `assigned, ${assigned.status()}`);
    await page.getByRole("link", { name: "Profiles" }).click();
    await page.getByRole("heading", { name: "Lab <b>profile</b>" }).waitFor();
    check((await page.locator("dd", { hasText: "all devices" }).count()) === 1, "the assignment shown");
    // ... and one made in the console, assigned to all devices there.
    await page.getByLabel("Name", { exact: true }).last().fill("Kiosks");
    await page.getByLabel("Deployment mode").selectOption("shared");
    await page.getByLabel("Device name template").last().fill("KIOSK-%RAND:4%");
    await page.getByRole("button", { name: "Create profile" }).click();
    await page.getByRole("status").filter({ hasText: "Profile created." }).waitFor();
    const kiosks = page.locator("section", { has: page.getByRole("heading", { name: "Kiosks" }) });
    check((await kiosks.locator("dd", { hasText: "shared" }).count()) === 1, "self-deploying kept");
    await kiosks.getByRole("button", { name: "Assign" }).click();
    await page.getByRole("status").filter({ hasText: "Profile assigned." }).waitFor();
    const kioskTargets = await page
      .locator("section", { has: page.getByRole("heading", { name: "Kiosks" }) })
      .locator("dd", { hasText: "all devices" })
      .count();
    check(kioskTargets === 1, "the console's assignment shown");
    await page.screenshot({ path: `${shots}/12-profiles.png`, fullPage: true });

    // Scenarios: the admin applies a shipped example to the tenant, sees it, removes it.
    await page.getByRole("link", { name: "Scenarios" }).click();
    await page.getByLabel("An example shipped with the server").selectOption("stuck-import");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("status").filter({ hasText: "Scenario applied" }).waitFor();
    check((await page.getByRole("heading", { name: "stuck-import" }).count()) === 1, "the scenario listed");
    await page.screenshot({ path: `${shots}/17-scenarios.png`, fullPage: true });
    await page.getByRole("button", { name: "Remove them all" }).click();
    await page.getByRole("status").filter({ hasText: "Every scenario" }).waitFor();
    check(dialogs.some((d) => d.includes("Remove every scenario")), "asked before removing");

    // Settings: a sync starts, a second within ten minutes is refused with Intune's words.
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Sync now" }).click();
    await page.getByRole("status").waitFor();
    check((await page.getByRole("status").textContent()).includes("Sync started"), "sync started");
    await page.getByRole("button", { name: "Sync now" }).click();
    await page.getByRole("alert").waitFor();
    seen.syncRefused = (await page.getByRole("alert").textContent()).trim();
    await page.screenshot({ path: `${shots}/11-settings-sync-refused.png`, fullPage: true });

    // The hash inspector: a valid hash summarized, a broken one explained.
    await page.getByRole("link", { name: "Hash inspector" }).click();
    await page.getByLabel("Hardware hashes (base64), one per line").fill(`${hash}\nnot-a-hash`);
    await page.getByRole("button", { name: "Inspect" }).click();
    await page.getByRole("heading", { name: /Hash 2/ }).waitFor();
    check((await page.getByRole("heading", { name: /Hash 1: Contoso Laptop 7/ }).count()) === 1, "a hash summarized");
    check((await page.locator("section .problem").count()) === 1, "a broken hash explained");
    await page.screenshot({ path: `${shots}/08-hash-inspector.png`, fullPage: true });
    // ... and a CSV's every row.
    await page.getByLabel("Or an Autopilot CSV (every row's hash)").setInputFiles(csv);
    await page.getByRole("heading", { name: /line 4, serial CON-2: Contoso Laptop 7/ }).waitFor();
    check((await page.locator("section .problem").count()) === 1, "the CSV's broken hash explained");
    seen.hashCsv = (await page.getByRole("status").textContent()).trim();
    await page.screenshot({ path: `${shots}/16-hash-inspector-csv.png`, fullPage: true });

    // A narrow window.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/console/t/${tenant}/devices`);
    await page.screenshot({ path: `${shots}/06-devices-narrow.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });

    // Sign out.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.goto(`${base}/console/`);
    check(page.url().endsWith("/console/sign-in"), "signed out");

    // A tenant's token: its own tenant only.
    await page.getByLabel("Bearer token").fill(tenantToken);
    await page.getByRole("button", { name: "Sign in" }).nth(1).click();
    await page.getByRole("heading", { name: "Registered devices" }).waitFor();
    check(page.url().includes(`/console/t/${tenant}/devices`), `the tenant's devices, at ${page.url()}`);
    const other = await page.goto(`${base}/console/t/${otherTenant}/devices/${otherDevice}`);
    check(other.status() === 404, `another tenant's device is not found, ${other.status()}`);
    await page.screenshot({ path: `${shots}/07-other-tenant.png`, fullPage: true });
    seen.otherTenant = other.status();
    check(violations.length === 0, `no console errors (CSP and scripts): ${violations.join("; ")}`);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(seen));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
