#!/usr/bin/env node
// shots.mjs - full-page screenshots of every page on the data shapes issue 13
// asks a reviewer to look at: the demo, twelve departments with long names,
// an empty store and a stale one (data ending years before today), at
// 1280x800 and 390x844, light and dark.  Not a test: it asserts nothing but
// that the pages load; it is for looking.
//
//     make && node scripts/shots.mjs [OUT_DIR] [SHAPE...]
//
// OUT_DIR defaults to test/artifacts/shots (git-ignored); SHAPEs are demo,
// many, empty, stale (default all).  Each daemon is started on port 0 in a
// temporary folder and stopped (SIGTERM to its own PID) at the end.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const { chromium } = require('playwright-core');
const { buildMany } = await import(path.join(ROOT, 'test/browser/many-data.mjs'));

const BIN = path.resolve(ROOT, process.env.LEADTIME_BIN || 'build/leadtimed');
const OUT = path.resolve(process.argv[2] || path.join(ROOT, 'test/artifacts/shots'));
const ONLY = process.argv.slice(3);
const AS_OF = '2026-11-22';
const SIZES = [[1280, 800], [390, 844]];
const THEMES = ['light', 'dark'];
const PAGES = ['index', 'department', 'employee', 'leaderboard', 'stages', 'compare', 'flow', 'creator'];

/* a store of each shape in dir: returns the as_of to serve it with ('' = today) */
const SHAPES = {
	demo(cfg, db) {
		execFileSync(BIN, ['generate', '--config', cfg, '--db', db, '--creators', '1500', '--seed', '7', '--as-of', AS_OF], { stdio: 'pipe' });
		return AS_OF;
	},
	many(cfg, db, dir) {
		buildMany({ bin: BIN, cfg, db, dir });
		return AS_OF;
	},
	empty() {
		return AS_OF;
	},
	stale(cfg, db) {
		execFileSync(BIN, ['generate', '--config', cfg, '--db', db, '--creators', '3000', '--seed', '3', '--as-of', '2021-06-30'], { stdio: 'pipe' });
		return '';
	},
};

/* dir/config.ini: the repository's (the first time) or the one there (a shape may have changed it), with as_of set */
function config(dir, asOf) {
	const file = path.join(dir, 'config.ini');
	let ini = fs.readFileSync(fs.existsSync(file) ? file : path.join(ROOT, 'config.ini'), 'utf8');
	for (const [k, v] of [['seed_demo', 'false'], ['db', 'lt.db'], ['as_of', asOf]])
		ini = ini.replace(new RegExp(`^(${k}\\s*=).*$`, 'm'), `$1 ${v}`);
	fs.writeFileSync(file, ini);
}

async function serve(dir) {
	const child = spawn(BIN, ['serve', '--config', path.join(dir, 'config.ini'), '--port', '0'],
		{ cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
	let log = '';
	const base = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`leadtimed did not start:\n${log}`)), 30000);
		child.stderr.setEncoding('utf8');
		child.stderr.on('data', (c) => {
			log += c;
			const m = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
			if (m) { clearTimeout(timer); resolve(m[1]); }
		});
		child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`leadtimed exited (${code}):\n${log}`)); });
	});
	return { base, child };
}

async function idle(page) {
	await page.waitForFunction(() => {
		const m = document.getElementById('main');
		return !!m && m.getAttribute('aria-busy') === 'false' && !document.querySelector('[aria-busy="true"]');
	}, null, { timeout: 60000 });
	await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
fs.mkdirSync(OUT, { recursive: true });
let problems = 0;
for (const shape of Object.keys(SHAPES).filter((s) => !ONLY.length || ONLY.includes(s))) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), `leadtime-shots-${shape}-`));
	config(dir, '');
	const asOf = SHAPES[shape](path.join(dir, 'config.ini'), path.join(dir, 'lt.db'), dir);
	config(dir, asOf);
	const { base, child } = await serve(dir);
	try {
		for (const [width, height] of SIZES) {
			for (const theme of THEMES) {
				const context = await browser.newContext({ viewport: { width, height }, colorScheme: theme, deviceScaleFactor: 1 });
				const page = await context.newPage();
				const errors = [];
				page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
				page.on('pageerror', (e) => errors.push(e.message));
				for (const name of PAGES) {
					await page.goto(`${base}/${name === 'index' ? '' : `${name}.html`}`);
					await idle(page);
					const file = path.join(OUT, `${shape}-${name}-${width}-${theme}.png`);
					await page.screenshot({ path: file, fullPage: true });
					for (const e of errors.splice(0)) { problems++; console.error(`${shape} ${name} ${width} ${theme}: ${e}`); }
				}
				await context.close();
			}
		}
	} finally {
		child.kill('SIGTERM');
		await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r()));
		fs.rmSync(dir, { recursive: true, force: true });
	}
	console.log(`${shape}: ${PAGES.length * SIZES.length * THEMES.length} screenshots in ${OUT}`);
}
await browser.close();
process.exit(problems ? 1 : 0);
