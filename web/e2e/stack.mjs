// Starts the real stack for the end-to-end run: a private nats-server
// (JetStream, temporary store), a fresh Postgres database, and
// `spotctl up` on free ports; and stops all of it again.
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, openSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function natsBin() {
  for (const b of ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]) if (existsSync(b)) return b;
  return "nats-server";
}

async function waitFor(what, fn, timeoutMs) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms${last ? `: ${last.message}` : ""}`);
}

function psql(sql) {
  execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-qtAc", sql], { stdio: ["ignore", "pipe", "inherit"] });
}

export async function startStack({ spotctl, outDir, adminToken }) {
  const children = [];
  const store = mkdtempSync(join(tmpdir(), "spot-e2e-nats-"));
  const natsPort = await freePort();
  const nats = spawn(natsBin(), ["-a", "127.0.0.1", "-p", String(natsPort), "-js", "-sd", store], {
    stdio: ["ignore", openSync(join(outDir, "nats.log"), "w"), openSync(join(outDir, "nats.log"), "a")],
  });
  children.push(nats);
  const db = `spot_e2e_${process.pid}_${Date.now()}`;
  psql(`CREATE DATABASE ${db}`);

  const ports = {};
  for (const k of ["gw", "lh", "lg", "eh", "eg", "ph", "pg", "dh", "dg"]) ports[k] = await freePort();
  const a = (p) => `127.0.0.1:${p}`;
  const env = {
    ...process.env,
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${db}`,
    NATS_URL: `nats://127.0.0.1:${natsPort}`,
    SPOT_ADMIN_TOKEN: adminToken,
    SPOT_LOG_FORMAT: "json",
    SPOT_LOG: "warn",
    // Groups with auto switch are evaluated every 15 s instead of 5 min, so the run sees decisions.
    SPOT_DECISIONS_EVAL_INTERVAL_SECS: "15",
    SPOT_HTTP_ADDR: a(ports.gw),
    SPOT_LIFECYCLE_HTTP_ADDR: a(ports.lh),
    SPOT_LIFECYCLE_GRPC_ADDR: a(ports.lg),
    SPOT_LIFECYCLE_GRPC_URL: `http://${a(ports.lg)}`,
    SPOT_EMERGENCY_HTTP_ADDR: a(ports.eh),
    SPOT_EMERGENCY_GRPC_ADDR: a(ports.eg),
    SPOT_EMERGENCY_GRPC_URL: `http://${a(ports.eg)}`,
    SPOT_PRICING_HTTP_ADDR: a(ports.ph),
    SPOT_PRICING_GRPC_ADDR: a(ports.pg),
    SPOT_PRICING_GRPC_URL: `http://${a(ports.pg)}`,
    SPOT_DECISIONS_HTTP_ADDR: a(ports.dh),
    SPOT_DECISIONS_GRPC_ADDR: a(ports.dg),
    SPOT_DECISIONS_GRPC_URL: `http://${a(ports.dg)}`,
  };
  delete env.SPOT_CONFIG;
  const base = `http://${a(ports.gw)}`;
  const log = openSync(join(outDir, "stack.log"), "w");
  const up = spawn(spotctl, ["up"], { env, stdio: ["ignore", log, log] });
  children.push(up);
  let exited = null;
  up.on("exit", (code) => (exited = code));
  await waitFor("gateway", async () => {
    if (exited !== null) throw new Error(`spotctl up exited with ${exited} (see ${join(outDir, "stack.log")})`);
    const r = await fetch(`${base}/health`);
    return r.ok;
  }, 90_000);

  const stop = async () => {
    for (const c of children.reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill("SIGTERM");
        await Promise.race([new Promise((r) => c.once("exit", r)), new Promise((r) => setTimeout(r, 25_000))]);
        if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      }
    }
    try {
      psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    } catch {
      // left for scripts/test.sh's clean-up of spot_test_* / a later run
    }
    rmSync(store, { recursive: true, force: true });
  };
  return { base, env, stop };
}

/** Starts `spotctl simulate` with a tenant's token against the stack. */
export function startFleet({ spotctl, base, token, agents, outDir }) {
  const log = openSync(join(outDir, "simulate.log"), "w");
  const sim = spawn(
    spotctl,
    ["simulate", "--agents", String(agents), "--tenant-token", token, "--api-url", base, "--ramp-up", "5s", "--seed", "7", "--max-in-flight", "16"],
    { stdio: ["ignore", log, log], env: withoutAdmin() },
  );
  return {
    stop: async () => {
      if (sim.exitCode !== null || sim.signalCode !== null) return;
      sim.kill("SIGINT");
      await Promise.race([new Promise((r) => sim.once("exit", r)), new Promise((r) => setTimeout(r, 20_000))]);
      if (sim.exitCode === null && sim.signalCode === null) sim.kill("SIGKILL");
    },
  };
}

function withoutAdmin() {
  const env = { ...process.env };
  delete env.SPOT_ADMIN_TOKEN;
  return env;
}
