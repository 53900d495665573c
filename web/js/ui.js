/*
 * ui.js - the page shell shared by every page: header and navigation (the
 * links keep the range), the theme toggle, the range/bucket toolbar, card
 * states (loading, empty, error), and the load loop that ties state.js to a
 * page module.
 *
 * A page module calls startPage({...}) with:
 *   path, title      its URL path and name
 *   keys             the query keys it owns besides the range and bucket
 *   toolbar          {range: bool, bucket: bool}; every page also gets the
 *                    as_of (time travel) date and the calendar/business toggle
 *   normalize(s, m)  optional: a patch that completes a state (defaults)
 *   controls(ctx)    optional: extra toolbar fields (nodes)
 *   sync(s, ctx)     optional: show state s in the page's own controls
 *   load(s, ctx)     fetch and draw; ctx.isCurrent() is false once stale
 *   redraw(ctx)      optional: draw again from cached data (theme switch)
 *   linkState(s,ctx) optional: keys the navigation links should carry along
 */
import { loadMarkers, setMarkerView } from './annotations.js';
import { getMeta, setView } from './api.js';
import { applyChartTheme, chartsAvailable, setDepartments } from './charts.js';
import { setMinClosed } from './defs.js';
import { $, fill, h, icon } from './dom.js';
import * as fmt from './format.js';
import {
	BUCKETS, DAY_UNITS, PRESETS, daysBetween, getState, hrefFor, initState, navigate, onStateChange, resolveRange, validDate,
} from './state.js';
import { watchData } from './live.js';

export const NAV = [
	{ path: '/', label: 'Overview' },
	{ path: '/department', label: 'Departments' },
	{ path: '/employee', label: 'Employees' },
	{ path: '/stages', label: 'Stages' },
	{ path: '/flow', label: 'Flow' },
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

/*
 * The header is in each page's HTML (nothing jumps while the scripts load,
 * docs/DASHBOARD.md "Skeletons"): here it gets its theme toggle and the
 * current page's link; a page without it gets one built.
 */
function buildHeader(path) {
	let header = document.querySelector('.app-header');
	if (!header) {
		const nav = h('nav', { class: 'nav', 'aria-label': 'Pages' },
			NAV.map((n) => h('a', { href: n.path, 'data-path': n.path }, n.label)));
		header = h('header', { class: 'app-header' },
			h('div', { class: 'bar' },
				h('a', { class: 'brand', href: '/', 'data-path': '/' }, logo(), 'Leadtime'),
				nav,
				h('div', { class: 'header-meta' }, h('span', { class: 'asof', id: 'asof' }), h('button', { type: 'button', id: 'theme-toggle' }))));
		document.body.prepend(h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'), header);
	}
	const nav = header.querySelector('.nav');
	for (const a of nav.querySelectorAll('a[data-path]')) {
		if (a.dataset.path === path) a.setAttribute('aria-current', 'page');
		else a.removeAttribute('aria-current');
	}
	header.querySelector('#theme-toggle').replaceWith(themeButton());
	/* the nav scrolls sideways on a phone; a link focused from the keyboard is brought wholly into view (the
	 * browser leaves a half-visible one where it is, its focus ring cut by the nav's edge) */
	nav.addEventListener('focusin', (e) => {
		const a = e.target.closest('a');
		if (!a) return;
		const r = a.getBoundingClientRect(), n = nav.getBoundingClientRect();
		if (r.left < n.left) nav.scrollLeft -= n.left - r.left;
		else if (r.right > n.left + nav.clientWidth) nav.scrollLeft += r.right - (n.left + nav.clientWidth);
	});
	const current = nav.querySelector('[aria-current="page"]');
	if (current && current.scrollIntoView && window.innerWidth < 720) current.scrollIntoView({ block: 'nearest', inline: 'center' });
}

function updateNavLinks(state) {
	for (const a of document.querySelectorAll('a[data-path]')) a.href = hrefFor(a.dataset.path, state);
}

/*
 * How many days the view's as_of may run past the data's last day before
 * the page says the data is stale: a weekend and a holiday or two without
 * an import are normal, a week is not (docs/DASHBOARD.md "Freshness").
 */
export const STALE_DAYS = 7;

/* the data's last day as the view sees it: none after the view's as_of */
function lastDataDay(meta, asOf) {
	const last = meta.last_data_day || (meta.data_bounds && meta.data_bounds.last) || null;
	return last && last > asOf ? asOf : last;
}

/*
 * The header's freshness line: the data's last day and when it was last
 * imported (or the day being looked at, while time travelling).
 */
function showAsOf(state, meta, asOf) {
	const el = $('#asof');
	if (!el) return;
	el.classList.toggle('travel', !!state.as_of);
	const last = lastDataDay(meta, asOf);
	const to = last ? `data to ${fmt.date(last)}` : 'no data yet';
	const data = h('span', { class: 'asof-data', id: 'asof-data' },
		state.as_of ? `Viewing ${fmt.date(state.as_of)} · ${to}` : to[0].toUpperCase() + to.slice(1));
	let imported = null;
	if (meta.last_import) {
		const iso = new Date(meta.last_import * 1000).toISOString();
		const when = fmt.instant(iso);
		const t = new Date(iso);
		const pad = (n) => String(n).padStart(2, '0');
		/* short, in the reader's zone: "2 Dec 2026, 10:04" */
		const local = `${fmt.date(`${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`)}, ${pad(t.getHours())}:${pad(t.getMinutes())}`;
		imported = h('span', { class: 'asof-import' }, 'imported ',
			h('time', { id: 'asof-import', datetime: iso, title: `Last import: ${when.local}${when.same ? '' : ` (${when.utc})`}` }, local));
	}
	el.replaceChildren(...[data, imported].filter(Boolean));
}

/*
 * The stale-data banner: the view's as_of is more than STALE_DAYS past the
 * data's last day, so recent ranges are empty or thin; it offers the two
 * ways out (look at the data's last day; import newer tickets).
 */
function showStale(state, meta, asOf, path) {
	let el = $('#stale');
	const last = lastDataDay(meta, asOf);
	const gap = last ? daysBetween(last, asOf) : 0;
	const empty = !last && meta.tickets === 0;
	if (!empty && (!last || gap <= STALE_DAYS)) {
		if (el) el.hidden = true;
		return;
	}
	if (!el) {
		el = h('div', { id: 'stale', class: 'banner warn stale', role: 'status' });
		const anchor = $('#banner') || $('#toolbar');
		if (anchor) anchor.before(el);
		else if ($('#main')) $('#main').prepend(el);
	}
	el.hidden = false;
	if (empty) {
		/* a new store: every page is empty until tickets come in; say how they do */
		fill(el,
			h('strong', {}, 'The store holds no tickets yet.'),
			' Import them (',
			h('code', {}, 'leadtimed import FILE.csv'),
			' or ',
			h('code', {}, 'POST /api/v1/import'),
			'), or fill it with demo data (',
			h('code', {}, 'leadtimed generate'),
			').');
		return;
	}
	fill(el,
		h('strong', {}, `The data ends on ${fmt.date(last)}, ${fmt.plural(gap, 'day')} before ${fmt.date(asOf)}, the day these figures are for.`),
		' Recent ranges have no or few tickets because nothing newer was imported, not because work stopped. ',
		h('a', { id: 'stale-goto', href: hrefFor(path, { ...state, as_of: last < meta.as_of ? last : null }) }, `View as of ${fmt.date(last)}`),
		' · or import newer tickets (',
		h('code', {}, 'leadtimed import FILE.csv'),
		' or ',
		h('code', {}, 'POST /api/v1/import'),
		').');
}

/* ---- notices: what a bookmark names that is not there ---- */

/*
 * A bookmark (or a pasted link) can name a department, an employee or a
 * creator that does not exist (renamed, removed, a typo), or a range after
 * the data's last day.  The page then shows what it can (the first
 * department, the range cut at as_of) and says so in an alert above the
 * toolbar, naming what was asked for: never another view without a word.
 * The notices of a state are collected while it is completed (normalize)
 * and shown with it; the next change of state clears them.
 */
function showNotices(list) {
	let el = $('#notice');
	if (!list.length) {
		if (el) el.hidden = true;
		return;
	}
	if (!el) {
		el = h('div', { id: 'notice', class: 'banner error notice', role: 'alert' });
		const anchor = $('#banner') || $('#toolbar');
		if (anchor) anchor.before(el);
		else if ($('#main')) $('#main').prepend(el);
	}
	el.hidden = false;
	fill(el, list.map((t) => h('p', {}, t)));
}

let notices = [];

/** Add a notice to the current view's (page code: e.g. a creator the API does not know). */
export function notice(text) {
	notices.push(text);
	showNotices(notices);
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
	/* time travel: a day before the configured as_of, or nothing (the latest data) */
	parts.asof = h('input', { type: 'date', id: 'as_of', required: true, 'aria-describedby': 'as_of-hint' });
	parts.asof.addEventListener('change', () => {
		const v = validDate(parts.asof.value);
		if (!v) return;
		navigate({ as_of: v < ctx.meta.as_of ? v : null });
	});
	parts.latest = h('button', {
		type: 'button', class: 'btn', id: 'as_of-latest', onclick: () => navigate({ as_of: null }),
	}, 'Latest');
	parts.days = h('div', { class: 'segmented', role: 'group', 'aria-labelledby': 'days-label', id: 'days' },
		DAY_UNITS.map((u) => h('button', {
			type: 'button', dataset: { days: u.id }, 'aria-pressed': 'false',
			onclick: () => navigate({ days: u.id === 'business' ? 'business' : null }),
		}, u.label)));
	parts.note = h('p', { class: 'range-note', id: 'range-note', 'aria-live': 'polite' });
	const fields = [...extra];
	if (parts.preset) fields.push(field('Date range', parts.preset), field('From', parts.from), field('To', parts.to));
	if (parts.bucket) fields.push(field('Group by', parts.bucket));
	fields.push(h('div', { class: 'field as-of' }, h('label', { for: 'as_of' }, 'As of'),
		h('div', { class: 'field-row' }, parts.asof, parts.latest),
		h('span', { class: 'visually-hidden', id: 'as_of-hint' }, `The figures as they were known on this day; at most ${fmt.date(ctx.meta.as_of)}, the data's last day.`)));
	fields.push(h('div', { class: 'field' }, h('span', { id: 'days-label', title: 'Count days to close, ages, SLA and stage times in calendar days or in business days (weekends and holidays off)' }, 'Days'), parts.days));
	fill(bar, fields, parts.note);
	/* the HTML's placeholder fields are gone: the real ones are in their place */
	bar.classList.remove('skel');
	bar.removeAttribute('aria-busy');
	return parts;
}

function syncToolbar(parts, state, ctx) {
	const r = ctx.range;
	const first = ctx.meta.data_bounds && ctx.meta.data_bounds.first ? ctx.meta.data_bounds.first : '';
	if (parts.preset) {
		parts.preset.value = state.range;
		parts.from.value = r.from;
		parts.to.value = r.to;
		parts.from.min = parts.to.min = first;
		parts.from.max = parts.to.max = ctx.asOf;
	}
	if (parts.bucket) parts.bucket.value = state.bucket;
	if (parts.asof) {
		parts.asof.value = ctx.asOf;
		parts.asof.min = first;
		parts.asof.max = ctx.meta.as_of;
		parts.latest.hidden = !state.as_of;
		for (const b of parts.days.querySelectorAll('button'))
			b.setAttribute('aria-pressed', String(b.dataset.days === (state.days === 'business' ? 'business' : 'calendar')));
	}
	if (parts.note) {
		const bits = [];
		if (parts.preset || parts.bucket) bits.push(fmt.range(r.from, r.to), fmt.plural(daysBetween(r.from, r.to) + 1, 'day'));
		if (state.as_of) bits.push(`as known on ${fmt.date(state.as_of)}`);
		if (state.days === 'business') bits.push('days to close, ages and SLA in business days');
		const n = daysBetween(r.from, r.to) + 1;
		if (parts.bucket && state.bucket === 'day' && n > 120) bits.push('day by day is noisy over a long range: try Week or Month');
		parts.note.textContent = bits.join(' · ');
	}
}

/* ---- cards: loading, empty, error ---- */

/*
 * A card's body starts as the HTML's skeleton (a .state.skel, as tall as
 * the card's usual content, app.css "Skeletons"); the first loading()
 * keeps it, and an empty or error state that replaces it keeps its height,
 * so the cards below do not move when the answer is "nothing" either.
 */
function keepHeight(body) {
	const skel = body.querySelector(':scope > .skel');
	return skel ? skel.getBoundingClientRect().height : 0;
}

function reserve(state, px) {
	if (px > 0) state.style.minHeight = `${Math.round(px)}px`;
	return state;
}

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
			if (body.querySelector(':scope > .skel')) return;
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
			const px = keepHeight(body);
			fill(body, reserve(h('div', { class: 'state empty' }, h('strong', {}, message), hint ? h('span', {}, hint) : null), px));
		},
		error(err, retry) {
			this.done();
			const px = keepHeight(body);
			fill(body, reserve(h('div', { class: 'state error', role: 'alert' },
				h('strong', {}, 'Could not load this part of the page'),
				h('span', {}, err && err.message ? err.message : String(err)),
				retry ? h('button', { type: 'button', class: 'btn', onclick: retry }, 'Try again') : null), px));
		},
		show(...children) {
			this.done();
			fill(body, ...children);
		},
	};
}

/* ---- key figures first ---- */

/* resolves once the browser had a chance to paint what is in the DOM now (or after 100 ms: a hidden tab runs no frames) */
export function nextPaint() {
	return new Promise((resolve) => {
		const t = setTimeout(resolve, 100);
		requestAnimationFrame(() => setTimeout(() => {
			clearTimeout(t);
			resolve();
		}, 0));
	});
}

let keyMarked = false;

/**
 * Put the key figure tiles (nodes) in `el` (#kpis, #bottleneck), in place of
 * the HTML's placeholders, and resolve once they are painted: a page calls
 * it before it draws its charts, so the figures show first.  The first
 * time, it sets the performance mark `leadtime:key-figures`
 * (test/browser/speed.test.mjs reports its time after navigation).
 */
export async function showKeyFigures(el, nodes) {
	el.replaceChildren(...nodes);
	el.removeAttribute('aria-busy');
	await nextPaint();
	if (!keyMarked && performance.mark) {
		keyMarked = true;
		performance.mark('leadtime:key-figures');
	}
}

/**
 * The key figures could not be loaded: the tiles stay (the page does not
 * jump) and say so, without a figure; the cards show the error.
 */
export function keyFiguresFailed(el, note = 'not loaded') {
	el.removeAttribute('aria-busy');
	for (const tile of el.querySelectorAll('.kpi')) {
		tile.classList.add('failed');
		const v = tile.querySelector('.value');
		const d = tile.querySelector('.delta');
		if (v) v.replaceChildren(h('span', { 'aria-hidden': 'true' }, fmt.DASH), h('span', { class: 'visually-hidden' }, note));
		if (d) d.textContent = note;
	}
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

/* ---- floating explanations ---- */

/**
 * A floating explanation with element id `id`: position: fixed, placed from
 * the box of the element it explains (under it, or above it near the
 * window's bottom), so no scrolling box ever clips it.
 */
export function floatTip(id) {
	let el = null;
	const tip = {
		ensure() {
			if (!el) {
				el = h('div', { class: 'flag-float', id, role: 'tooltip', hidden: true });
				document.body.append(el);
			}
			return el;
		},
		show(anchor, text) {
			const f = tip.ensure();
			/* inside a modal dialog (the drill-down panel) the float must sit in
			 * the dialog's top layer, or the backdrop hides it */
			const host = anchor.closest('dialog[open]') || document.body;
			if (f.parentElement !== host) host.append(f);
			f.textContent = text;
			f.hidden = false;
			const r = anchor.getBoundingClientRect();
			const w = f.offsetWidth, ht = f.offsetHeight;
			const left = Math.max(8, Math.min(window.innerWidth - w - 8, r.right - w));
			const below = r.bottom + 6;
			const top = below + ht <= window.innerHeight - 8 ? below : Math.max(8, r.top - ht - 6);
			f.style.left = `${Math.round(left)}px`;
			f.style.top = `${Math.round(top)}px`;
		},
		hide() {
			if (el) el.hidden = true;
		},
	};
	return tip;
}

const infoFloat = floatTip('info-float');
let infoN = 0;
let infoAt = null; /* the element whose explanation shows */

/* the explanation of `el` on hover and keyboard focus (Escape hides it); its accessible description */
function explains(el, text, id) {
	const show = () => {
		infoAt = el;
		infoFloat.show(el, text);
	};
	const hide = () => {
		if (infoAt === el) infoAt = null;
		infoFloat.hide();
	};
	el.addEventListener('mouseenter', show);
	el.addEventListener('focus', show);
	el.addEventListener('click', show);
	el.addEventListener('mouseleave', () => { if (document.activeElement !== el) hide(); });
	el.addEventListener('blur', hide);
	return h('span', { class: 'visually-hidden', id }, text);
}

/* Escape hides the explanation shown by hover as well as by focus */
document.addEventListener('keydown', (e) => {
	if (e.key === 'Escape' && infoAt) {
		/* inside a dialog (the drill-down panel) the first Escape hides the explanation only; the next closes the panel */
		if (infoAt.closest('dialog[open]')) e.preventDefault();
		infoAt = null;
		infoFloat.hide();
	}
});

/**
 * An "i" marker that explains what a figure counts: the text shows on hover
 * and on keyboard focus (Escape hides it) and is the marker's accessible
 * description.
 */
export function infoTip(text) {
	const id = `info-${++infoN}`;
	const btn = h('button', { type: 'button', class: 'info-tip', 'aria-label': 'What this counts', 'aria-describedby': id }, 'i');
	return [btn, explains(btn, text, id)];
}

/**
 * A column head (th scope=col) whose label explains itself (defs.js): the
 * label is a button, dotted underlined, that shows the definition on hover
 * and keyboard focus as infoTip does (Escape hides it), and has it as its
 * accessible description.  No marker beside it, so a head is no wider.
 */
export function defHead(label, text, attrs = {}) {
	return h('th', { scope: 'col', ...attrs }, defTerm(label, text));
}

/** A label that explains itself (as defHead's), for a row head or any cell. */
export function defTerm(label, text) {
	const id = `info-${++infoN}`;
	const btn = h('button', { type: 'button', class: 'def-term', 'aria-describedby': id }, label);
	return [btn, explains(btn, text, id)];
}

/* ---- long names ---- */

/*
 * Names (a table's row headers, the leaderboard's people, anything marked
 * .trunc) keep to one line and end in "…" when they do not fit (app.css);
 * each carries its whole text as its title, shown on hover.  Set here, for
 * every such element any page adds, so no table can forget it.
 */
const NAME_SEL = 'table.data th[scope="row"], .rank .who, .trunc';

function titleName(el) {
	if (el.hasAttribute('title')) return;
	const t = el.textContent.replace(/\s+/g, ' ').trim();
	if (t) el.setAttribute('title', t);
}

function watchNames() {
	const scan = (n) => {
		if (n.nodeType !== 1) return;
		if (n.matches(NAME_SEL)) titleName(n);
		for (const el of n.querySelectorAll(NAME_SEL)) titleName(el);
	};
	scan(document.body);
	new MutationObserver((muts) => {
		for (const m of muts) for (const n of m.addedNodes) scan(n);
	}).observe(document.body, { childList: true, subtree: true });
}

/* ---- the load loop ---- */

/* the page could not start (the banner says why): its placeholders say "not loaded" and are no longer busy */
function notStarted() {
	for (const el of document.querySelectorAll('.kpis[aria-busy="true"]')) keyFiguresFailed(el);
	for (const el of document.querySelectorAll('.card')) {
		if (el.querySelector('.card-body > .skel')) card(el.id).empty('Not loaded', 'See the message at the top of the page.');
	}
	for (const el of document.querySelectorAll('[aria-busy="true"]')) el.removeAttribute('aria-busy');
}

export async function startPage(page) {
	buildHeader(page.path);
	watchNames();
	document.title = `${page.title} · Leadtime`;
	const main = $('#main');
	let meta;
	try {
		if (!chartsAvailable() && page.charts !== false) throw new Error('The chart library did not load. Reload the page; if it persists, the server is missing its bundled files.');
		/* the notes (markers) come with the meta, so the first charts have them */
		[meta] = await Promise.all([getMeta(), loadMarkers()]);
	} catch (e) {
		showBanner('error', `Leadtime cannot start this page: ${e.message}`);
		if (main) main.setAttribute('aria-busy', 'false');
		notStarted();
		return;
	}
	setDepartments(meta.departments);
	setMinClosed(meta.min_closed);
	applyChartTheme();
	const showFoot = () => {
		const foot = $('#foot');
		if (foot) foot.textContent = `Leadtime ${meta.version || ''} · ${fmt.int(meta.tickets)} tickets · data ${fmt.range(meta.data_bounds.first, meta.data_bounds.last)} · as of ${fmt.date(meta.as_of)}`;
	};
	showFoot();

	let generation = 0;
	const ctx = {
		meta,
		asOf: meta.as_of, /* the view's as_of: the URL's, or the configured one */
		range: null,
		state: null,
		isCurrent: null,
		reload: () => run(getState()),
	};
	let state = initState(page.keys || []);
	const asOfOf = (s) => (s.as_of && s.as_of < meta.as_of ? s.as_of : meta.as_of);
	ctx.notice = (text) => notices.push(text);
	const complete = (s) => {
		notices = [];
		ctx.asOf = asOfOf(s);
		ctx.range = resolveRange(s, ctx.asOf);
		if (s.as_of && s.as_of > meta.as_of)
			ctx.notice(`The link asks for the figures as of ${fmt.date(s.as_of)}, which is in the future: the data ends on ${fmt.date(meta.as_of)}. Showing the latest data.`);
		if (page.toolbar && page.toolbar.range && s.range === 'custom' && s.to > ctx.asOf) {
			ctx.notice(s.from > ctx.asOf
				? `The range ${fmt.range(s.from, s.to)} is in the future: the data ends on ${fmt.date(ctx.asOf)}. Showing ${fmt.date(ctx.range.from)} only; choose an earlier range.`
				: `The range ${fmt.range(s.from, s.to)} runs past the data's last day: showing ${fmt.range(ctx.range.from, ctx.range.to)}.`);
		}
		const patch = { ...(page.normalize ? page.normalize(s, ctx) : null) };
		/* as_of on or after the configured one is the latest data: not in the URL */
		if (s.as_of && s.as_of >= meta.as_of) patch.as_of = null;
		/* canonical URL (and filled-in defaults) without a new history entry */
		return navigate(patch, { replace: true, silent: true });
	};
	state = complete(state);
	const parts = buildToolbar(page, ctx);

	function run(s) {
		const my = ++generation;
		ctx.state = s;
		ctx.asOf = asOfOf(s);
		ctx.range = resolveRange(s, ctx.asOf);
		ctx.isCurrent = () => my === generation;
		setView({ as_of: s.as_of, days: s.days });
		fmt.setDayUnit(s.days);
		showAsOf(s, meta, ctx.asOf);
		showStale(s, meta, ctx.asOf, page.path);
		showNotices(notices);
		updateNavLinks(page.linkState ? { ...s, ...page.linkState(s, ctx) } : s);
		syncToolbar(parts, s, ctx);
		if (page.sync) page.sync(s, ctx);
		hideBanner();
		const bounds = meta.data_bounds || {};
		if (page.toolbar && page.toolbar.range && bounds.first && ctx.range.to < bounds.first)
			showBanner('warn', `This range ends before the first ticket (${fmt.date(bounds.first)}), so there is nothing to show. Choose a later range.`);
		if (main) main.setAttribute('aria-busy', 'true');
		setMarkerView(s, ctx.asOf, ctx.range);
		Promise.resolve()
			.then(() => page.load(s, ctx))
			.catch((e) => {
				if (my === generation) showBanner('error', e.message || String(e));
			})
			.finally(() => {
				if (my === generation && main) main.setAttribute('aria-busy', 'false');
			});
	}

	/* every new state is completed (defaults, clamps) before it is drawn */
	onStateChange((s) => run(complete(s)));
	window.addEventListener('leadtime:theme', () => {
		applyChartTheme();
		if (page.redraw) page.redraw(ctx);
		else run(getState());
	});
	watchPrint(page, ctx);
	run(state);

	/* new data (live.js): the new meta, the notes again, the view again */
	const status = h('div', { id: 'live-status', class: 'visually-hidden', role: 'status' });
	document.body.append(status);
	watchData(meta, async (fresh) => {
		Object.assign(meta, fresh);
		setDepartments(meta.departments);
		showFoot();
		await loadMarkers();
		const t = new Date();
		const pad = (n) => String(n).padStart(2, '0');
		status.dataset.version = String(meta.data_version);
		status.textContent = `New data: the figures were updated at ${pad(t.getHours())}:${pad(t.getMinutes())}.`;
		run(complete(getState()));
	});
}

/*
 * Printing: the page is printed in the light theme (the print stylesheet
 * sets its colours; html.printing does the same on screen while the
 * browser prepares the print), and the charts are drawn again in it:
 * a canvas drawn for the dark theme would put light grey text on paper.
 */
function watchPrint(page, ctx) {
	let on = false;
	const mode = (printing) => {
		if (printing === on) return;
		on = printing;
		document.documentElement.classList.toggle('printing', printing);
		applyChartTheme();
		if (page.redraw) page.redraw(ctx);
	};
	window.addEventListener('beforeprint', () => mode(true));
	window.addEventListener('afterprint', () => mode(false));
	window.matchMedia('print').addEventListener('change', (e) => mode(e.matches));
}
