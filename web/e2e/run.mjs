// End-to-end run of the dashboard against the real stack (docs/DASHBOARD.md):
// `spotctl up` on free ports with a private nats-server and database, a
// tenant, a small simulated v4 fleet (`spotctl simulate`), and Debian's
// Chromium driven headless by playwright-core (no browser download).
// Screenshots of every view go to docs/screenshots/.
//
// Env: SPOTCTL (default $CARGO_TARGET_DIR/debug/spotctl), CHROMIUM
// (default /usr/bin/chromium), E2E_AGENTS (default 4).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startFleet, startStack } from "./stack.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const outDir = join(here, "out");
const shots = join(repo, "docs/screenshots");
mkdirSync(outDir, { recursive: true });
mkdirSync(shots, { recursive: true });
const spotctl = process.env.SPOTCTL ?? join(process.env.CARGO_TARGET_DIR ?? "/var/tmp/spot-target", "debug/spotctl");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const agents = Number(process.env.E2E_AGENTS ?? 4);
const ADMIN = `e2e-admin-${process.pid}`;

const started = Date.now();
const step = (msg) => console.log(`e2e [${((Date.now() - started) / 1000).toFixed(1)} s] ${msg}`);
function check(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
}

async function api(base, token, method, path, body, extra = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...extra },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

/** An agent's v4 pricing report, as the field agent sends it (tests/fixtures/agent-v4). */
function pricingReport(agent, collectedAt, price, onDemand) {
  const pools = ["a", "b", "c"].map((z) => ({
    az: `${agent.az.slice(0, -1)}${z}`,
    instance_type: agent.instance_type,
    pool_id: `${agent.instance_type}.${agent.az.slice(0, -1)}${z}`,
    price: `${agent.az.slice(0, -1)}${z}` === agent.az ? price : price * 1.1,
  }));
  return {
    instance: { az: agent.az, instance_id: agent.instance_id, instance_type: agent.instance_type, mode: agent.mode, pool_id: `${agent.instance_type}.${agent.az}`, region: agent.az.slice(0, -1) },
    pricing: {
      cheapest_pool: { pool_id: `${agent.instance_type}.${agent.az}`, price },
      collected_at: collectedAt.toISOString().replace("Z", ""),
      current_spot_price: price,
      on_demand_price: onDemand,
      spot_pools: pools,
    },
  };
}

async function main() {
  step(`stack: ${spotctl}`);
  const stack = await startStack({ spotctl, outDir, adminToken: ADMIN });
  let fleet = null;
  let browser = null;
  let page = null;
  const consoleErrors = [];
  try {
    const { base } = stack;
    const tenant = await api(base, ADMIN, "POST", "/api/admin/clients", { name: "e2e", email: "e2e@example.com" });
    step(`tenant ${tenant.id} at ${base}`);

    browser = await chromium.launch({ executablePath: browserPath, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "Europe/Berlin", locale: "en-GB" });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (e) => consoleErrors.push(String(e.stack ?? e)));

    // 1. Log in with the tenant's token.
    await page.goto(base + "/");
    await page.getByLabel(/API token/).fill(tenant.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Fleet" }).waitFor();
    check((await page.getByTestId("fleet-row").count()) === 0, "a new tenant has no group");
    step("signed in; fleet empty");

    // 2. Agents appear live.
    fleet = startFleet({ spotctl, base, token: tenant.token, agents, outDir });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="fleet-row"] .status-online').length >= n, agents, { timeout: 90_000 });
    step(`${agents} agents online on the fleet view`);
    const listed = (await api(base, tenant.token, "GET", "/api/agents?limit=50")).items.filter((a) => a.role === "PRIMARY" && a.status === "online");
    check(listed.length >= 3, `3 online PRIMARY agents (got ${listed.length})`);
    const [toSwitch, toNotice, toPrice] = listed;

    // 3. Interpolated points: two late pricing reports 45 min apart, then a consolidation.
    const now = Date.now();
    await api(base, tenant.token, "POST", `/api/agents/${toPrice.agent_id}/pricing-report`, pricingReport(toPrice, new Date(now - 55 * 60_000), 0.0121, 0.0416));
    await api(base, tenant.token, "POST", `/api/agents/${toPrice.agent_id}/pricing-report`, pricingReport(toPrice, new Date(now - 10 * 60_000), 0.0139, 0.0416));
    await new Promise((r) => setTimeout(r, 1500)); // staged by the pricing consumer
    const job = await api(base, ADMIN, "POST", "/api/admin/pricing/consolidate", { window_start: new Date(now - 2 * 3600_000).toISOString(), window_end: new Date(now).toISOString() });
    step(`consolidation ${job.id ?? ""} ${job.status ?? ""}: ${job.gaps_interpolated ?? "?"} gaps interpolated`);


    // 4. Switch a group from its page and watch the timeline.
    const groupLink = page.getByTestId("fleet-row").filter({ hasText: toSwitch.instance_id }).getByRole("link");
    await groupLink.click();
    await page.getByRole("heading", { name: /^Group / }).waitFor();
    const picker = page.getByTestId("pool-picker");
    await picker.waitFor();
    const target = picker.locator('input[type="radio"]:not([disabled])').first();
    await target.check();
    const targetValue = await target.getAttribute("value");
    const before = await page.getByTestId("timeline").locator("li").count();
    await page.getByRole("button", { name: "Switch", exact: true }).click();
    await page.getByText(/Switch queued/).waitFor();
    await page.getByTestId("timeline").locator("li[data-kind=command]").filter({ hasText: /SWITCH/i }).first().waitFor();
    const after = await page.getByTestId("timeline").locator("li").count();
    check(after > before, `timeline grew after the switch (${before} -> ${after})`);
    step(`switch to ${targetValue} queued; timeline shows the command`);
    await page.screenshot({ path: join(shots, "group-detail.png"), fullPage: true });
    const switchQueuedAt = Date.now();
    const groupUrl = page.url();

    // Settings: auto switch and manual replica exclude each other in the form.
    const auto = page.getByLabel(/^Auto switch/);
    const manual = page.getByLabel(/^Manual replica/);
    await manual.check();
    check(!(await auto.isChecked()), "manual replica on turned auto switch off");
    await auto.check();
    check(!(await manual.isChecked()), "auto switch on turned manual replica off");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Saved.").waitFor();
    step("auto switch on for the group (settings form)");

    // 5. An emergency: a termination notice from an agent, as v4 sends it.
    const deadline = new Date(Date.now() + 120_000);
    await api(base, tenant.token, "POST", `/api/agents/${toNotice.agent_id}/termination-imminent`, {
      detected_at: new Date().toISOString().replace("Z", ""),
      instance_id: toNotice.instance_id,
      termination_time: deadline.toISOString().replace(/\.\d+Z$/, "Z"),
    });
    await page.getByRole("link", { name: "Emergencies" }).click();
    const countdown = page.getByTestId("notice-card").filter({ hasText: toNotice.instance_id }).getByTestId("countdown");
    await countdown.waitFor({ timeout: 30_000 });
    const first = await countdown.textContent();
    await page.waitForTimeout(2200);
    const second = await countdown.textContent();
    check(/^\d:\d\d$/.test(first ?? "") && first !== second, `countdown ticks (${first} -> ${second})`);
    step(`emergency countdown ${first} -> ${second}`);
    await page.screenshot({ path: join(shots, "emergencies.png"), fullPage: true });

    // 6. Interpolated points marked on the price chart.
    await page.getByRole("link", { name: "Prices" }).click();
    await page.getByLabel("Pool", { exact: true }).selectOption(`${toPrice.instance_type}.${toPrice.az}`);
    const interpolated = page.getByTestId("price-legend").locator('[data-source="interpolated"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="price-legend"] [data-source="interpolated"]')?.getAttribute("data-count") ?? 0) > 0, null, { timeout: 30_000 });
    step(`price legend: ${await interpolated.textContent()}`);
    check((await page.locator(".chart canvas").count()) > 0, "the price chart is drawn");
    await page.screenshot({ path: join(shots, "prices.png"), fullPage: true });

    // 7. The other views.
    await page.getByRole("link", { name: "Savings" }).click();
    await page.getByTestId("savings-total").waitFor();
    await page.screenshot({ path: join(shots, "savings.png"), fullPage: true });
    await page.getByRole("link", { name: "Models" }).click();
    await page.getByTestId("arm-summary").waitFor();
    // The auto-switch group gets decisions every 15 s; give the per-arm table a moment to fill.
    await page
      .getByTestId("arm-summary")
      .locator("tbody tr td", { hasText: "risk_aware" })
      .first()
      .waitFor({ timeout: 45_000 })
      .then(() => step("decisions of the built-in model listed per arm"))
      .catch(() => step("no decision listed yet (screenshot shows the empty table)"));
    await page.screenshot({ path: join(shots, "models-tenant.png"), fullPage: true });
    await page.getByRole("link", { name: /^Notifications/ }).click();
    await page.getByRole("heading", { name: "Notifications" }).waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(shots, "notifications.png"), fullPage: true });

    // 8. The switch lands: back on the group page, the timeline shows it.
    await page.goto(groupUrl);
    await page.getByTestId("timeline").locator("li[data-kind=switch], li[data-kind=live]").filter({ hasText: /Switched/ }).first().waitFor({ timeout: Math.max(10_000, 180_000 - (Date.now() - switchQueuedAt)) });
    step("the switch completed and is on the timeline");
    await page.screenshot({ path: join(shots, "group-detail-switched.png"), fullPage: true });
    await page.getByRole("link", { name: "Fleet" }).click();
    await page.getByTestId("downtime-card").getByText(/switches/).waitFor();
    await page.waitForFunction(() => !/no switch yet/.test(document.querySelector('[data-testid="downtime-card"]')?.textContent ?? ""), null, { timeout: 15_000 });
    await page.screenshot({ path: join(shots, "fleet.png"), fullPage: true });
    await page.getByTestId("downtime-card").screenshot({ path: join(shots, "downtime-card.png") });
    step("downtime card counts the switch");

    // 9. The admin: picks the tenant, sees the model registry.
    const admin = await context.newPage();
    await admin.goto(base + "/models");
    await admin.evaluate(() => sessionStorage.clear());
    await admin.reload();
    await admin.getByLabel(/API token/).fill(ADMIN);
    await admin.getByRole("button", { name: "Sign in" }).click();
    // The picker: the tenants list (a select) when the admin listing answers, else an id box.
    const picked = admin.getByLabel(/^Tenant/);
    await picked.waitFor();
    if ((await picked.evaluate((el) => el.tagName)) === "SELECT") await picked.selectOption(tenant.id);
    else {
      await picked.fill(tenant.id);
      await admin.getByRole("button", { name: "Show" }).click();
    }
    await admin.getByTestId("model-registry").waitFor();
    check((await admin.getByTestId("model-registry").getByText(/risk_aware/).count()) > 0, "the built-in model is in the registry");
    await admin.screenshot({ path: join(shots, "models-admin.png"), fullPage: true });
    step("admin picked the tenant and sees the registry");

    // 10. The API explorer: every operation of the served document, and a try-it call.
    const doc = await (await fetch(`${base}/openapi.json`)).json();
    const operations = Object.values(doc.paths).reduce((n, item) => n + ["get", "post", "put", "patch", "delete"].filter((m) => item[m]).length, 0);
    await admin.getByRole("link", { name: "API", exact: true }).click();
    await admin.getByTestId("explorer-summary").waitFor();
    const explorerOps = await admin.getByTestId("explorer-op").count();
    check(explorerOps === operations, `the explorer lists every operation (${explorerOps} of ${operations})`);
    await admin.getByRole("button", { name: /GET \/api\/unknown-instances/ }).click();
    check((await admin.getByLabel("client_id (query)").inputValue()) === tenant.id, "the admin's call starts from the picked tenant");
    await admin.getByRole("button", { name: "Send GET" }).click();
    await admin.locator('[data-testid="explorer-answer"][data-status="200"]').waitFor();
    await admin.screenshot({ path: join(shots, "api-explorer.png"), fullPage: false });
    step(`API explorer: ${explorerOps} operations; try-it GET /api/unknown-instances answered 200`);

    check(consoleErrors.length === 0, `no page errors: ${consoleErrors.join("; ")}`);
    step("passed");
  } catch (e) {
    await page?.screenshot({ path: join(outDir, "failure.png"), fullPage: true }).catch(() => {});
    if (consoleErrors.length) console.error(`page errors:\n${consoleErrors.join("\n")}`);
    throw e;
  } finally {
    await browser?.close().catch(() => {});
    await fleet?.stop();
    await stack.stop();
  }
}

main().catch((e) => {
  console.error(`e2e failed: ${e.stack ?? e}`);
  console.error(`logs: ${outDir}`);
  process.exit(1);
});
