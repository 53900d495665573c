// The browser tests' harness (shared by every *.test.mjs here): a real
// leadtimed on generated data, Debian's chromium driven by playwright-core,
// and the helpers that open, settle and inspect a page.
//
// Environment: LEADTIME_BIN (default build/leadtimed), CHROMIUM (default
// /usr/bin/chromium); LEADTIME_URL=http://host:port tests a daemon that is
// already running instead (its as_of must be 2026-11-22).  start()
// generates a temporary store, starts `leadtimed serve --port 0` with a
// config whose thresholds are strict (so the department page has flagged
// cells), reads the bound port from its log line; stop() stops it (its own
// PID) and removes the store.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.resolve(ROOT, process.env.LEADTIME_BIN || 'build/leadtimed');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test/artifacts');
export const AS_OF = '2026-11-22';
export const SIZES = [
	{ width: 1280, height: 800 },
	{ width: 390, height: 844 },
];
export const THEMES = ['light', 'dark'];

let tmp;
let daemon;
let daemonLog = '';
/* what the tests share once start() ran: the daemon's URL, its /api/v1/meta, the browser */
export const env = { base: null, meta: null, browser: null };

/* ---- the daemon ---- */

function writeConfig(dir) {
	let ini = fs.readFileSync(path.join(ROOT, 'config.ini'), 'utf8');
	const set = (key, value) => {
		const re = new RegExp(`^(${key}\\s*=).*$`, 'm');
		assert.match(ini, re, `config.ini has no key ${key}`);
		ini = ini.replace(re, `$1 ${value}`);
	};
	set('p50_ratio', '1.1');
	set('min_sla_hit_rate', '0.9');
	set('max_avg_open', '3');
	set('seed_demo', 'false');
	set('db', 'lt.db');
	set('as_of', AS_OF);
	const file = path.join(dir, 'config.ini');
	fs.writeFileSync(file, ini);
	return file;
}

async function startDaemon(cfg, db) {
	daemon = spawn(BIN, ['serve', '--config', cfg, '--db', db, '--port', '0', '--as-of', AS_OF], {
		stdio: ['ignore', 'ignore', 'pipe'],
	});
	const url = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`leadtimed did not start:\n${daemonLog}`)), 15000);
		daemon.stderr.setEncoding('utf8');
		daemon.stderr.on('data', (chunk) => {
			daemonLog += chunk;
			const m = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(daemonLog);
			if (m) {
				clearTimeout(timer);
				resolve(m[1]);
			}
		});
		daemon.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`leadtimed exited (${code}):\n${daemonLog}`));
		});
	});
	for (let i = 0; i < 100; i++) {
		try {
			const r = await fetch(`${url}/healthz`);
			if (r.ok) return url;
		} catch (e) { /* not yet */ }
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`/healthz never answered:\n${daemonLog}`);
}

async function stopDaemon() {
	if (!daemon || daemon.exitCode !== null) return;
	const done = new Promise((r) => daemon.once('exit', r));
	daemon.kill('SIGTERM');
	const t = setTimeout(() => daemon.kill('SIGKILL'), 5000);
	await done;
	clearTimeout(t);
}

/* ---- pages ---- */

/**
 * A page in a fresh context that records every console error, page error,
 * failed request and request to another origin.
 */
export async function openPage({ width = 1366, height = 768, theme = 'light' } = {}) {
	const context = await env.browser.newContext({ viewport: { width, height }, colorScheme: theme, deviceScaleFactor: 1 });
	const page = await context.newPage();
	const problems = [];
	page.on('console', (m) => {
		if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	page.on('requestfailed', (r) => {
		const why = r.failure() && r.failure().errorText;
		/* a reload or a navigation while the browser still fetches the icon aborts that fetch: not the page's fault */
		if (why === 'net::ERR_ABORTED' && new URL(r.url()).pathname === '/favicon.svg') return;
		problems.push(`request failed: ${r.url()} ${why}`);
	});
	page.on('response', (r) => {
		if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
	});
	page.on('request', (r) => {
		const u = r.url();
		if (!u.startsWith(`${env.base}/`) && !u.startsWith('data:') && !u.startsWith('blob:')) problems.push(`request to another origin: ${u}`);
	});
	return { context, page, problems };
}

/*
 * Measuring a page that is about to change is the suite's classic flake:
 * after a theme switch (page.emulateMedia) the page redraws every chart in
 * the next rendering update (its media-query listener replaces the
 * canvases, Chart.js resets the old ones to a blank 300x150 and they are
 * detached), and a helper that finds elements in one round trip and
 * measures them in another reads whatever the page did in between.  So:
 * settle() lets rendering updates pass, emulateMedia() waits for the
 * page's change event and its redraw, and every measuring helper finds and
 * measures in one page.evaluate.
 */

/* the page is not loading: nothing busy, no spinner */
function idle() {
	const m = document.getElementById('main');
	return !!m && m.getAttribute('aria-busy') === 'false' && !document.querySelector('[aria-busy="true"]') && !document.querySelector('.spinner');
}

/* in the page: resolves after n more rendering updates (each runs the media-query listeners, resize observers and animation frames) */
function frames(n) {
	return new Promise((resolve) => {
		const step = () => (n-- > 0 ? requestAnimationFrame(step) : resolve());
		step();
	});
}

/**
 * Wait until the page finished loading its data: nothing busy, no spinner,
 * and still so after two rendering updates (a theme or size change pending
 * when settle() was called is handled in the next one, and a reload it
 * starts marks the page busy again: it is waited for too).
 */
export async function settle(page, { timeout = 20000 } = {}) {
	const deadline = Date.now() + timeout;
	for (;;) {
		await page.waitForFunction(idle, null, { timeout: Math.max(1, deadline - Date.now()) });
		const still = await page.evaluate(`(${frames})(2).then(() => (${idle})())`).catch((e) => {
			/* a navigation replaced the document meanwhile: wait for the new one */
			if (/Execution context was destroyed|navigat/i.test(e.message)) return false;
			throw e;
		});
		if (still) return;
		assert.ok(Date.now() < deadline, `the page did not settle within ${timeout} ms`);
	}
}

/**
 * page.emulateMedia(options), then wait until the page has handled it:
 * when options.colorScheme changes what `(prefers-color-scheme: dark)`
 * matches, a listener installed in the page before the switch waits for
 * the media query's change event (the page's own listeners, older, have
 * run by then: they redraw the charts), then two rendering updates, then
 * settle().  Other options (media, reducedMotion, …): settle() only.
 */
export async function emulateMedia(page, options = {}, { timeout = 20000 } = {}) {
	let armed = false;
	if (options.colorScheme === 'dark' || options.colorScheme === 'light') {
		armed = await page.evaluate((dark) => {
			const mq = window.matchMedia('(prefers-color-scheme: dark)');
			if (mq.matches === dark) return false;
			/* kept on window: a media query list without a reference may be collected with its listener */
			window.__leadtimeMediaQuery = mq;
			window.__leadtimeMediaChange = new Promise((resolve) => mq.addEventListener('change', () => resolve(), { once: true }));
			return true;
		}, options.colorScheme === 'dark');
	}
	await page.emulateMedia(options);
	if (armed) {
		const seen = await page.evaluate(`Promise.race([
			window.__leadtimeMediaChange.then(() => (${frames})(2)).then(() => true),
			new Promise((resolve) => setTimeout(() => resolve(false), ${Number(timeout)})),
		])`);
		assert.ok(seen, `no change event of (prefers-color-scheme: dark) within ${timeout} ms after emulateMedia(${JSON.stringify(options)})`);
	}
	await settle(page, { timeout });
}

export async function visit(page, url) {
	await page.goto(`${env.base}${url}`, { waitUntil: 'load' });
	await settle(page);
}

/**
 * Every canvas of the page: how many of its pixels were drawn, and how many
 * finite data values its Chart.js chart holds (axes and grid alone do not
 * make a chart: an API shape the page misreads gives all-null data).
 * Found and measured in one page.evaluate, connected canvases only (two
 * round trips, as page.$$eval makes, can measure canvases a redraw has
 * just replaced and blanked).
 */
export function canvasInk(page) {
	return page.evaluate(() => [...document.querySelectorAll('canvas')].filter((c) => c.isConnected).map((c) => {
		const label = c.getAttribute('aria-label') || '(no label)';
		const chart = window.Chart && window.Chart.getChart(c);
		let values = 0;
		for (const ds of (chart && chart.data.datasets) || []) {
			for (const v of ds.data || []) {
				const y = v !== null && typeof v === 'object' ? (Array.isArray(v.x) ? v.x[1] : v.median ?? v.y ?? v.x) : v;
				if (typeof y === 'number' && Number.isFinite(y)) values++;
			}
		}
		if (!c.width || !c.height) return { label, inked: 0, values, width: c.width, height: c.height };
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let inked = 0;
		for (let i = 3; i < d.length; i += 4) if (d[i] > 0) inked++;
		return { label, inked, values, width: c.width, height: c.height };
	}));
}

/**
 * fn(elements, arg) over the connected elements matching the CSS selector,
 * found and run in one page.evaluate (so no redraw falls between finding
 * and reading them, as it can with page.$$eval); fn must be self-contained.
 */
export function evalAll(page, selector, fn, arg) {
	return page.evaluate(`(${fn})([...document.querySelectorAll(${JSON.stringify(selector)})].filter((e) => e.isConnected), ${JSON.stringify(arg ?? null)})`);
}

export function assertDrawn(inks) {
	for (const c of inks) {
		assert.ok(c.inked > 100, `chart "${c.label}" is blank (${c.inked} pixels drawn on ${c.width}×${c.height})`);
		assert.ok(c.values > 0, `chart "${c.label}" has no data values`);
	}
}

export function pageErrors(page) {
	return evalAll(page, '.state.error, .banner.error:not([hidden])', (els) => els.map((e) => e.textContent.trim()));
}

/** Click a link that loads another page, and wait for that page's data. */
export async function follow(page, sel) {
	await Promise.all([page.waitForEvent('load'), page.click(sel)]);
	await settle(page);
}

export async function controlValue(page, sel) {
	return page.$eval(sel, (e) => e.value);
}

export function query(page) {
	return new URL(page.url()).searchParams;
}

/* ---- setup ---- */

/**
 * Generate the store, start the daemon and the browser; fills env.
 * `build({bin, cfg, db, dir})`, when given, makes the store instead of the
 * generated ticket set (events.test.mjs: an event log).
 */
export async function start({ build = null } = {}) {
	assert.ok(fs.existsSync(CHROMIUM), `no chromium at ${CHROMIUM}`);
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	if (process.env.LEADTIME_URL && !build) {
		/* development: a daemon that is already running (as_of must be AS_OF); a store of its own is always built */
		env.base = process.env.LEADTIME_URL.replace(/\/$/, '');
	} else {
		assert.ok(fs.existsSync(BIN), `no daemon at ${BIN}: run make first`);
		tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leadtime-browser-'));
		const db = path.join(tmp, 'lt.db');
		const cfg = writeConfig(tmp);
		if (build) build({ bin: BIN, cfg, db, dir: tmp });
		else execFileSync(BIN, ['generate', '--config', cfg, '--db', db, '--creators', '1500', '--seed', '7', '--as-of', AS_OF], { stdio: 'pipe' });
		env.base = await startDaemon(cfg, db);
	}
	env.meta = await (await fetch(`${env.base}/api/v1/meta`)).json();
	env.browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
			'--disable-sync', '--no-first-run', '--disable-default-apps', '--disable-extensions'],
	});
	return env;
}

export async function stop() {
	if (env.browser) await env.browser.close();
	await stopDaemon();
	if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

/* ---- the API ---- */

export async function api(pathAndQuery) {
	const r = await fetch(`${env.base}${pathAndQuery}`);
	assert.equal(r.status, 200, pathAndQuery);
	return r.json();
}

export const text = (page, sel) => page.$eval(sel, (e) => e.textContent.replace(/\s+/g, ' ').trim());

/** The /api/v1/ requests the page makes from now on (until .stop()). */
export function recordRequests(page) {
	const seen = [];
	const on = (r) => {
		const u = new URL(r.url());
		if (u.pathname.startsWith('/api/v1/')) seen.push(u);
	};
	page.on('request', on);
	seen.stop = () => page.off('request', on);
	return seen;
}

/* ---- a second daemon on a store of its own ---- */

/**
 * Another leadtimed beside the main one (trust.test.mjs: a stale store):
 * `generate` with `genArgs` into a fresh store, served with `[data] as_of`
 * = `asOf` ('' = today) and `ini` ({key: value} over the repository's
 * config.ini; `empty`: no data at all).  Returns {base, meta, stop()}; stop() ends that daemon (its
 * own PID) and removes its folder.
 */
export async function extraDaemon({ genArgs = [], asOf = '', ini = {}, csv = null, empty = false } = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadtime-extra-'));
	let text = fs.readFileSync(path.join(ROOT, 'config.ini'), 'utf8');
	const set = (key, value) => {
		const re = new RegExp(`^(${key}\\s*=).*$`, 'm');
		if (re.test(text)) text = text.replace(re, `$1 ${value}`);
		else throw new Error(`config.ini has no key ${key}`);
	};
	set('seed_demo', 'false');
	set('db', 'lt.db');
	set('as_of', asOf);
	for (const [k, v] of Object.entries(ini)) set(k, v);
	const cfg = path.join(dir, 'config.ini');
	fs.writeFileSync(cfg, text);
	const db = path.join(dir, 'lt.db');
	/* csv: an import CSV of its own instead of generated data */
	if (empty) { /* a new store: the daemon creates it on start */ }
	else if (csv === null) execFileSync(BIN, ['generate', '--config', cfg, '--db', db, ...genArgs], { stdio: 'pipe' });
	else {
		fs.writeFileSync(path.join(dir, 'data.csv'), csv);
		execFileSync(BIN, ['import', '--config', cfg, path.join(dir, 'data.csv')], { stdio: 'pipe', cwd: dir });
	}
	const child = spawn(BIN, ['serve', '--config', cfg, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
	let log = '';
	const base = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`leadtimed did not start:\n${log}`)), 15000);
		child.stderr.setEncoding('utf8');
		child.stderr.on('data', (chunk) => {
			log += chunk;
			const m = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
			if (m) {
				clearTimeout(timer);
				resolve(m[1]);
			}
		});
		child.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`leadtimed exited (${code}):\n${log}`));
		});
	});
	const meta = await (await fetch(`${base}/api/v1/meta`)).json();
	return {
		base,
		meta,
		async stop() {
			if (child.exitCode === null) {
				const done = new Promise((r) => child.once('exit', r));
				child.kill('SIGTERM');
				const t = setTimeout(() => child.kill('SIGKILL'), 5000);
				await done;
				clearTimeout(t);
			}
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}
