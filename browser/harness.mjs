// A small harness for headless-browser tests: starts the `app` binary on a free port with a
// temporary data directory, waits until the demo shop serves trained lists, launches Debian's
// chromium through playwright-core, and collects console errors, uncaught exceptions and
// failed requests of every page so a test can assert there were none.

import { spawn } from "node:child_process";
import { mkdtempSync, openSync, rmSync, existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "..");

/** The `app` binary: $MEANDER_APP_BIN, else the debug build in $CARGO_TARGET_DIR or ./target. */
export function appBinary() {
  if (process.env.MEANDER_APP_BIN) return process.env.MEANDER_APP_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");
  return join(target, "debug", "app");
}

async function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * Starts `app serve` (worker in process, demo shop on) and resolves once the demo shop's
 * home list comes from a trained model. `env` adds settings (MEANDER_… variables).
 * Returns { base, logFile, stop() }.
 */
export async function startApp({ env = {}, timeoutMs = 120_000 } = {}) {
  const bin = appBinary();
  if (!existsSync(bin)) throw new Error(`no app binary at ${bin}: build it with cargo build -p app`);
  const dataDir = mkdtempSync(join(tmpdir(), "meander-browser-"));
  const port = await freePort();
  const logFile = join(dataDir, "app.log");
  const log = openSync(logFile, "a");
  const child = spawn(bin, ["serve"], {
    env: {
      ...process.env,
      MEANDER_SERVER__PORT: String(port),
      MEANDER_DATABASE__DATA_DIR: dataDir,
      MEANDER_DEMO__ENABLED: "true",
      MEANDER_LOG__FORMAT: "json",
      ...env,
    },
    stdio: ["ignore", log, log],
  });
  let exited = null;
  child.on("exit", (code) => (exited = code));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited === null) {
      child.kill("SIGTERM");
      for (let i = 0; i < 100 && exited === null; i++) await sleep(100);
    }
    if (!process.env.MEANDER_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`app exited with ${exited}; log in ${logFile}`);
    if (await listsReady(base)) return { base, logFile, stop };
    await sleep(500);
  }
  await stop();
  throw new Error(`the demo shop's lists were not ready within ${timeoutMs} ms`);
}

/** Ready: /readyz answers 200 and the home list carries a model version (trained lists). */
async function listsReady(base) {
  try {
    const ready = await fetch(`${base}/readyz`);
    if (!ready.ok) return false;
    const recs = await fetch(`${base}/demo/recs?surface=home`);
    if (!recs.ok) return false;
    const body = await recs.json();
    return Boolean(body.model_version);
  } catch {
    return false;
  }
}

/** Launches headless chromium ($CHROMIUM or /usr/bin/chromium). */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
}

/**
 * Watches `page` for console errors, uncaught exceptions, failed requests and 4xx/5xx
 * answers; `problems()` lists what was seen.
 */
export function watch(page) {
  const seen = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") seen.push(`console error on ${page.url()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => seen.push(`uncaught exception on ${page.url()}: ${err.message}`));
  page.on("requestfailed", (req) => seen.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on("response", (res) => {
    if (res.status() >= 400) seen.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  return { problems: () => [...seen] };
}

/** Saves a screenshot of the viewport as docs/screenshots/<name>.png. */
export async function screenshot(page, name) {
  const dir = join(ROOT, "docs", "screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
