/*
 * ui.js - the page shell shared by every page: header and navigation (the
 * links keep the range), the theme toggle, the range/bucket toolbar, card
 * states (loading, empty, error), and the load loop that ties state.js to a
 * page module.
 *
 * A page module calls startPage({...}) with:
 *   path, title      its URL path and name
 *   keys             the query keys it owns besides the range and bucket
 *   toolbar          {range: bool, bucket: bool}
 *   normalize(s, m)  optional: a patch that completes a state (defaults)
 *   controls(ctx)    optional: extra toolbar fields (nodes)
 *   sync(s, ctx)     optional: show state s in the page's own controls
 *   load(s, ctx)     fetch and draw; ctx.isCurrent() is false once stale
 *   redraw(ctx)      optional: draw again from cached data (theme switch)
 *   linkState(s,ctx) optional: keys the navigation links should carry along
 */
import { getMeta } from './api.js';
import { applyChartTheme, chartsAvailable, setDepartments } from './charts.js';
import { $, fill, h, icon } from './dom.js';
import * as fmt from './format.js';
import {
	BUCKETS, PRESETS, daysBetween, getState, hrefFor, initState, navigate, onStateChange, resolveRange,
} from './state.js';

export const NAV = [
	{ path: '/', label: 'Overview' },
	{ path: '/department', label: 'Departments' },
	{ path: '/employee', label: 'Employees' },
	{ path: '/stages', label: 'Stages' },
	{ path: '/creator', label: 'Creators' },
	{ path: '/compare', label: 'Compare' },
	{ path: '/leaderboard', label: 'Leaderboard' },
];

const ICON_MOON = 'M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z';
const ICON_SUN = ['M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10z', 'M12 1v2M12 21v2M4.2 4.2l1.4 1.4M18.4 18.4l1.4 1.4M1 12h2M21 12h2M4.2 19.8l1.4-1.4M18.4 5.6l1.4-1.4'];

/* ---- theme ---- */

function currentTheme() {
	const set = document.documentElement.getAttribute('data-theme');
	if (set === 'light' || set === 'dark') return set;
	return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/*
 * The toggle stores a choice only while it differs from the system's: back
 * on the system's theme, the page follows the system again.
 */
function setTheme(t) {
	const system = window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
	try {
		if (t === system) localStorage.removeItem('leadtime.theme');
		else localStorage.setItem('leadtime.theme', t);
	} catch (e) { /* not stored: still applies to this page */ }
	if (t === system) document.documentElement.removeAttribute('data-theme');
	else document.documentElement.setAttribute('data-theme', t);
	window.dispatchEvent(new CustomEvent('leadtime:theme'));
}

function themeButton() {
	const btn = h('button', { type: 'button', class: 'icon-btn', id: 'theme-toggle' });
	const paint = () => {
		const dark = currentTheme() === 'dark';
		btn.setAttribute('aria-label', dark ? 'Switch to light theme' : 'Switch to dark theme');
		btn.title = btn.getAttribute('aria-label');
		btn.replaceChildren(icon(dark ? ICON_SUN : ICON_MOON));
	};
	btn.addEventListener('click', () => {
		setTheme(currentTheme() === 'dark' ? 'light' : 'dark');
		paint();
	});
	window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
		if (!document.documentElement.hasAttribute('data-theme')) window.dispatchEvent(new CustomEvent('leadtime:theme'));
		paint();
	});
	paint();
	return btn;
}

/* ---- header ---- */

function logo() {
	const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
	svg.setAttribute('viewBox', '0 0 32 32');
	svg.setAttribute('aria-hidden', 'true');
	const parts = [
		['rect', { width: 32, height: 32, rx: 7, fill: '#0072b2' }],
		['rect', { x: 6, y: 8, width: 9, height: 4, rx: 2, fill: '#ffffff' }],
		['rect', { x: 10, y: 14, width: 11, height: 4, rx: 2, fill: '#e69f00' }],
		['rect', { x: 15, y: 20, width: 11, height: 4, rx: 2, fill: '#56d4a8' }],
	];
	for (const [tag, attrs] of parts) {
		const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
		for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
		svg.appendChild(el);
	}
	return svg;
}

function buildHeader(path) {
	const nav = h('nav', { class: 'nav', 'aria-label': 'Pages' },
		NAV.map((n) => h('a', { href: n.path, 'data-path': n.path, 'aria-current': n.path === path ? 'page' : null }, n.label)));
	const header = h('header', { class: 'app-header' },
		h('div', { class: 'bar' },
			h('a', { class: 'brand', href: '/', 'data-path': '/' }, logo(), 'Leadtime'),
			nav,
			h('div', { class: 'header-meta' }, h('span', { class: 'asof', id: 'asof' }), themeButton())));
	document.body.prepend(h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'), header);
	const current = nav.querySelector('[aria-current="page"]');
	if (current && current.scrollIntoView && window.innerWidth < 720) current.scrollIntoView({ block: 'nearest', inline: 'center' });
}

function updateNavLinks(state) {
	for (const a of document.querySelectorAll('a[data-path]')) a.href = hrefFor(a.dataset.path, state);
}

/* ---- toolbar ---- */

export function field(label, control, { id, wide = false } = {}) {
	if (id) control.id = id;
	return h('div', { class: `field${wide ? ' wide' : ''}` }, h('label', { for: control.id }, label), control);
}

export function select(options, { id, onChange, label } = {}) {
	const el = h('select', { id, 'aria-label': label || null });
	fillSelect(el, options);
	if (onChange) el.addEventListener('change', () => onChange(el.value));
	return el;
}

/** options: [{value, label}] or [{group, options: [...]}] */
export function fillSelect(el, options) {
	const keep = el.value;
	el.replaceChildren(...options.map((o) =>
		o.group ? h('optgroup', { label: o.group }, o.options.map((x) => h('option', { value: x.value }, x.label))) : h('option', { value: o.value }, o.label)));
	if (keep) el.value = keep;
}

function buildToolbar(page, ctx) {
	const bar = $('#toolbar');
	if (!bar) return {};
	const extra = page.controls ? page.controls(ctx) : [];
	const parts = { extra };
	if (page.toolbar && page.toolbar.range) {
		parts.preset = select(PRESETS.map((p) => ({ value: p.id, label: p.label })), {
			id: 'range',
			onChange: (v) => {
				if (v === 'custom') {
					const r = ctx.range;
					navigate({ range: 'custom', from: r.from, to: r.to });
				} else navigate({ range: v });
			},
		});
		const onDate = () => {
			const from = parts.from.value, to = parts.to.value;
			if (!from || !to) return;
			navigate(from <= to ? { range: 'custom', from, to } : { range: 'custom', from: to, to: from });
		};
		parts.from = h('input', { type: 'date', id: 'from', required: true });
		parts.to = h('input', { type: 'date', id: 'to', required: true });
		parts.from.addEventListener('change', onDate);
		parts.to.addEventListener('change', onDate);
	}
	if (page.toolbar && page.toolbar.bucket)
		parts.bucket = select(BUCKETS.map((b) => ({ value: b.id, label: b.label })), { id: 'bucket', onChange: (v) => navigate({ bucket: v }) });
	parts.note = h('p', { class: 'range-note', id: 'range-note', 'aria-live': 'polite' });
	const fields = [...extra];
	if (parts.preset) fields.push(field('Date range', parts.preset), field('From', parts.from), field('To', parts.to));
	if (parts.bucket) fields.push(field('Group by', parts.bucket));
	fill(bar, fields, parts.note);
	bar.hidden = fields.length === 0;
	return parts;
}

function syncToolbar(parts, state, ctx) {
	const r = ctx.range;
	if (parts.preset) {
		parts.preset.value = state.range;
		parts.from.value = r.from;
		parts.to.value = r.to;
		parts.from.min = parts.to.min = ctx.meta.data_bounds && ctx.meta.data_bounds.first ? ctx.meta.data_bounds.first : '';
		parts.from.max = parts.to.max = ctx.meta.as_of;
	}
	if (parts.bucket) parts.bucket.value = state.bucket;
	if (parts.note && (parts.preset || parts.bucket)) {
		const n = daysBetween(r.from, r.to) + 1;
		const tip = parts.bucket && state.bucket === 'day' && n > 120 ? ' · day by day is noisy over a long range: try Week or Month' : '';
		parts.note.textContent = `${fmt.range(r.from, r.to)} · ${fmt.plural(n, 'day')}${tip}`;
	}
}

/* ---- cards: loading, empty, error ---- */

/** The card section `id` of the page, with state helpers. */
export function card(id) {
	const el = document.getElementById(id);
	if (!el) throw new Error(`no card #${id}`);
	const body = el.querySelector('.card-body');
	const sub = el.querySelector('.sub');
	return {
		el,
		body,
		sub,
		loading() {
			el.setAttribute('aria-busy', 'true');
			if (!body.firstChild || body.querySelector('.state')) {
				fill(body, h('div', { class: 'state', role: 'status' }, h('div', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, 'Loading…')));
			} else el.classList.add('is-loading');
		},
		done() {
			el.removeAttribute('aria-busy');
			el.classList.remove('is-loading');
		},
		empty(message, hint) {
			this.done();
			fill(body, h('div', { class: 'state empty' }, h('strong', {}, message), hint ? h('span', {}, hint) : null));
		},
		error(err, retry) {
			this.done();
			fill(body, h('div', { class: 'state error', role: 'alert' },
				h('strong', {}, 'Could not load this part of the page'),
				h('span', {}, err && err.message ? err.message : String(err)),
				retry ? h('button', { type: 'button', class: 'btn', onclick: retry }, 'Try again') : null));
		},
		show(...children) {
			this.done();
			fill(body, ...children);
		},
	};
}

export function showBanner(kind, message) {
	const b = $('#banner');
	if (!b) return;
	b.className = `banner ${kind}`;
	b.setAttribute('role', kind === 'error' ? 'alert' : 'status');
	b.textContent = message;
	b.hidden = false;
}

export function hideBanner() {
	const b = $('#banner');
	if (b) b.hidden = true;
}

/** A chart box: <div class="chart [size]"> to hand to makeChart. */
export function chartBox(size = '') {
	return h('div', { class: `chart ${size}`.trim() });
}

/** A legend swatch in a department's colour. */
export function deptSwatch(index) {
	return h('span', { class: `swatch dept-${index}`, 'aria-hidden': 'true' });
}

/* ---- the load loop ---- */

export async function startPage(page) {
	buildHeader(page.path);
	document.title = `${page.title} · Leadtime`;
	const main = $('#main');
	let meta;
	try {
		if (!chartsAvailable() && page.charts !== false) throw new Error('The chart library did not load. Reload the page; if it persists, the server is missing its bundled files.');
		meta = await getMeta();
	} catch (e) {
		showBanner('error', `Leadtime cannot start this page: ${e.message}`);
		if (main) main.setAttribute('aria-busy', 'false');
		return;
	}
	setDepartments(meta.departments);
	applyChartTheme();
	$('#asof').textContent = `Data as of ${fmt.date(meta.as_of)}`;
	const foot = $('#foot');
	if (foot) foot.textContent = `Leadtime ${meta.version || ''} · ${fmt.int(meta.tickets)} tickets · data ${fmt.range(meta.data_bounds.first, meta.data_bounds.last)} · as of ${fmt.date(meta.as_of)}`;

	let generation = 0;
	const ctx = {
		meta,
		range: null,
		state: null,
		isCurrent: null,
		reload: () => run(getState()),
	};
	let state = initState(page.keys || []);
	const complete = (s) => {
		ctx.range = resolveRange(s, meta.as_of);
		const patch = page.normalize ? page.normalize(s, ctx) : null;
		/* canonical URL (and filled-in defaults) without a new history entry */
		return navigate(patch || {}, { replace: true, silent: true });
	};
	state = complete(state);
	const parts = buildToolbar(page, ctx);

	function run(s) {
		const my = ++generation;
		ctx.state = s;
		ctx.range = resolveRange(s, meta.as_of);
		ctx.isCurrent = () => my === generation;
		updateNavLinks(page.linkState ? { ...s, ...page.linkState(s, ctx) } : s);
		syncToolbar(parts, s, ctx);
		if (page.sync) page.sync(s, ctx);
		hideBanner();
		const bounds = meta.data_bounds || {};
		if (page.toolbar && page.toolbar.range && bounds.first && ctx.range.to < bounds.first)
			showBanner('warn', `This range ends before the first ticket (${fmt.date(bounds.first)}), so there is nothing to show. Choose a later range.`);
		if (main) main.setAttribute('aria-busy', 'true');
		Promise.resolve()
			.then(() => page.load(s, ctx))
			.catch((e) => {
				if (my === generation) showBanner('error', e.message || String(e));
			})
			.finally(() => {
				if (my === generation && main) main.setAttribute('aria-busy', 'false');
			});
	}

	onStateChange((s, info) => {
		if (info.source === 'popstate') s = complete(s);
		run(s);
	});
	window.addEventListener('leadtime:theme', () => {
		applyChartTheme();
		if (page.redraw) page.redraw(ctx);
		else run(getState());
	});
	run(state);
}
