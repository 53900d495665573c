/*
 * charts.js - Chart.js defaults, the palette and the themes.
 *
 * Chart.js 4 and its plugins are classic UMD scripts loaded before the page
 * modules: `Chart` (with the boxplot controllers registered by
 * chartjs-chart-boxplot and the annotation plugin registered by its own
 * bundle) and the date-fns adapter for time axes.
 *
 * Colours: twelve department colours per theme (the --dept-0 … --dept-11
 * custom properties of app.css, read here), each at least 3:1 against the
 * page and card backgrounds of its theme and clearly apart from the others
 * (docs/DASHBOARD.md "Colours"; test/browser/many.test.mjs measures both).
 * The first five are Okabe–Ito's hues.  Each department keeps one colour on
 * every chart, chosen by its position in the pipeline.  Theme colours (text,
 * grid) come from the CSS custom properties too, so a chart drawn after a
 * theme switch matches the page.
 *
 * Many departments, long names (issue 13 point 10): makeChart() labels every
 * category of a horizontal bar chart (no skipped ticks; the chart grows by a
 * row per category), cuts long category labels with an ellipsis (the tooltip
 * names them in full), and fades the other lines of a chart of four or more
 * lines while one is hovered (on the chart or on its legend).
 */

import { addMarkers, markerSentence, showMarkerList } from './annotations.js';
import { tableToggle } from './charttable.js';

const Chart = window.Chart;

/* app.css's light palette, used until the page's styles are read */
const LIGHT_PALETTE = ['#0072b2', '#b36b00', '#008f6b', '#d55e00', '#b4529c', '#5e5bd6',
	'#857700', '#8b4513', '#007f8c', '#c2185b', '#4b7f1f', '#7a4fa0'];
export const PALETTE_SIZE = LIGHT_PALETTE.length;
export const NEUTRAL = '#7F7F7F';

let palette = LIGHT_PALETTE;
let deptNames = [];

/** The department colours of the current theme (from app.css). */
export function readPalette() {
	const cs = getComputedStyle(document.documentElement);
	palette = LIGHT_PALETTE.map((c, i) => cs.getPropertyValue(`--dept-${i}`).trim() || c);
	return palette;
}

/** Fix the department order (meta.departments, by position). */
export function setDepartments(depts) {
	deptNames = [...depts].sort((a, b) => a.position - b.position).map((d) => d.name);
	readPalette();
}

/** The palette slot of a department (its `.dept-N` class): past twelve, colours repeat. */
export function deptIndex(name) {
	const i = deptNames.indexOf(name);
	return i < 0 ? PALETTE_SIZE - 1 : i % PALETTE_SIZE;
}

/** The department's fixed colour, optionally with alpha in [0, 1]. */
export function deptColor(name, a = 1) {
	return alpha(palette[deptIndex(name)], a);
}

/** Colour i of the categorical palette (for series that are not departments). */
export function seriesColor(i, a = 1) {
	return alpha(palette[i % PALETTE_SIZE], a);
}

export function alpha(hex, a) {
	if (a >= 1 || !/^#[0-9a-f]{6}$/i.test(hex)) return hex;
	const n = parseInt(hex.slice(1), 16);
	return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

/** The current theme's colours, read from the CSS custom properties. */
export function theme() {
	const cs = getComputedStyle(document.documentElement);
	const v = (k) => cs.getPropertyValue(k).trim();
	return {
		dark: cs.getPropertyValue('color-scheme').trim() === 'dark',
		text: v('--text'),
		muted: v('--muted'),
		faint: v('--faint'),
		grid: v('--grid'),
		border: v('--border'),
		surface: v('--surface'),
		accent: v('--accent'),
		good: v('--good'),
		bad: v('--bad'),
		/* aging zones: below the 50th percentile, past the 50th, 70th, 85th, 95th */
		zones: ['--z0', '--z1', '--z2', '--z3', '--z4'].map(v),
	};
}

/** Apply the theme to Chart.js's global defaults; call before drawing. */
export function applyChartTheme() {
	if (!Chart) return;
	readPalette();
	const t = theme();
	const d = Chart.defaults;
	d.font.family = getComputedStyle(document.body).fontFamily;
	d.font.size = 12;
	d.color = t.muted;
	d.borderColor = t.grid;
	d.animation = false;
	d.responsive = true;
	d.maintainAspectRatio = false;
	d.normalized = false; /* fastLine() turns it on where data is sorted and unique */
	d.plugins.legend.position = 'bottom';
	d.plugins.legend.labels.boxWidth = 10;
	d.plugins.legend.labels.boxHeight = 10;
	d.plugins.legend.labels.useBorderRadius = true;
	d.plugins.legend.labels.borderRadius = 2;
	d.plugins.legend.labels.padding = 14;
	d.plugins.legend.labels.color = t.text;
	d.plugins.tooltip.backgroundColor = t.dark ? '#f0f3f6' : '#1b2129';
	d.plugins.tooltip.titleColor = t.dark ? '#111' : '#fff';
	d.plugins.tooltip.bodyColor = t.dark ? '#222' : '#eef1f4';
	d.plugins.tooltip.padding = 10;
	d.plugins.tooltip.cornerRadius = 6;
	d.plugins.tooltip.boxPadding = 4;
	d.plugins.tooltip.usePointStyle = true;
	d.elements.line.borderWidth = 2;
	/* straight segments, and a gap where a period has no value: a curve
	 * or a bridge would draw values nobody measured */
	d.elements.line.tension = 0;
	d.spanGaps = false;
	d.elements.point.radius = 0;
	d.elements.point.hoverRadius = 4;
	d.elements.point.hitRadius = 6;
	d.elements.bar.borderRadius = 2;
	d.scale.grid.color = t.grid;
	d.scale.border.color = t.border;
	d.scale.ticks.color = t.muted;
	d.layout.padding = 2;
}

/* ---- registry: a page's charts, destroyed before it redraws ---- */

const live = new Set();

/**
 * A chart in `container` (its previous content is replaced).  `label` is the
 * canvas's accessible name: a sentence saying what the chart shows.
 */
export function makeChart(container, config, label) {
	const canvas = document.createElement('canvas');
	canvas.setAttribute('role', 'img');
	/* the notes of annotations.js on a time chart (a chart of periods
	 * passes config.markerBuckets) */
	const shown = addMarkers(config, theme());
	canvas.setAttribute('aria-label', (label || 'chart') + markerSentence(shown));
	container.replaceChildren(canvas);
	fitCategories(config, container);
	fitTicks(config, container.clientWidth, container.clientHeight);
	highlightLines(config);
	const legend = htmlLegend(config, container);
	const chart = new Chart(canvas, config);
	live.add(chart);
	showMarkerList(container, shown);
	if (legend) legend.bind(chart);
	tableToggle(chart);
	return chart;
}

/*
 * Past six series the legend Chart.js draws inside the canvas takes the
 * chart's room (on a phone, twelve departments left a strip of plot).  It
 * is drawn as an HTML list after the chart instead: it wraps, takes the
 * height it needs, and hovering or focusing an entry highlights its line.
 */
const LEGEND_MAX = 6;

function htmlLegend(config, container) {
	const old = container.nextElementSibling;
	if (old && old.classList.contains('html-legend')) old.remove();
	const sets = (config.data && config.data.datasets) || [];
	const plugins = (config.options && config.options.plugins) || {};
	const lg = plugins.legend || {};
	if (lg.display === false || (lg.labels && lg.labels.generateLabels) || sets.filter((d) => d.label).length <= LEGEND_MAX) return null;
	config.options.plugins = { ...plugins, legend: { ...lg, display: false } };
	const colour = (d) => {
		if (d.type === 'line' || config.type === 'line') return d.borderColor || d.backgroundColor;
		return barColour(d.backgroundColor) || d.borderColor;
	};
	const items = sets.map((d, i) => (d.label ? { d, i } : null)).filter(Boolean).map(({ d, i }) => {
		const sw = document.createElement('span');
		sw.className = 'swatch';
		sw.setAttribute('aria-hidden', 'true');
		sw.style.background = typeof colour(d) === 'string' ? colour(d) : NEUTRAL;
		const item = document.createElement('li');
		item.tabIndex = config.type === 'line' ? 0 : -1;
		item.dataset.index = String(i);
		item.append(sw, document.createTextNode(d.label));
		return item;
	});
	const ul = document.createElement('ul');
	ul.className = 'html-legend';
	ul.setAttribute('aria-label', 'Legend');
	ul.append(...items);
	container.after(ul);
	return {
		bind(chart) {
			if (config.type !== 'line') return;
			for (const it of items) {
				const on = () => focusLine(chart, Number(it.dataset.index));
				const off = () => focusLine(chart, null);
				it.addEventListener('mouseenter', on);
				it.addEventListener('focus', on);
				it.addEventListener('mouseleave', off);
				it.addEventListener('blur', off);
			}
		},
	};
}

/*
 * The colour a bar dataset stands for: its background, or, when the bars
 * are coloured one by one (cut buckets hatched, small samples faded), the
 * colour most of them carry (a hatch is its pattern's colour).  Before,
 * such a legend entry took the bars' border: grey in the dark theme.
 */
function barColour(bg) {
	if (typeof bg === 'string') return bg;
	if (!Array.isArray(bg)) return bg && bg.cutOf ? bg.cutOf : null;
	const count = new Map();
	for (const c of bg) {
		const k = typeof c === 'string' ? c : c && c.cutOf;
		if (k) count.set(k, (count.get(k) || 0) + 1);
	}
	let best = null;
	for (const [k, n] of count) if (!best || n > count.get(best)) best = k;
	return best;
}

/* ---- many categories, long names ---- */

const ROW_PX = 22;          /* a horizontal bar's row: its label fits */

/** `s` cut to `max` characters with an ellipsis. */
export function truncate(s, max) {
	const t = String(s);
	return [...t].length > max ? `${[...t].slice(0, Math.max(1, max - 1)).join('').trimEnd()}…` : t;
}

/*
 * Category axes: every category of a horizontal bar chart is labelled (no
 * autoskip; the box grows to a row per category), and long labels are cut
 * with an ellipsis to a length the chart's width allows.  The tooltip's
 * title is the category's full label (Chart.js takes it from data.labels,
 * not from the tick callback).
 */
function fitCategories(config, container) {
	const labels = config.data && config.data.labels;
	if (!labels || !labels.length || !labels.some((l) => typeof l === 'string')) return;
	config.options = config.options || {};
	const scales = config.options.scales = config.options.scales || {};
	const horizontal = config.options.indexAxis === 'y';
	const id = horizontal ? 'y' : 'x';
	const sc = scales[id] = scales[id] || {};
	if (sc.type && sc.type !== 'category') return;
	sc.ticks = sc.ticks || {};
	const width = container.clientWidth || 600;
	if (horizontal) {
		sc.ticks.autoSkip = false;
		const want = labels.length * ROW_PX + 64;
		if (config.type === 'bar' && container.clientHeight && container.clientHeight < want) container.style.height = `${want}px`;
	}
	if (sc.ticks.callback) return;
	const max = horizontal ? Math.max(12, Math.floor((width * 0.38) / 6.5)) : Math.max(8, Math.floor(width / Math.max(1, labels.length) / 6.5));
	sc.ticks.callback = function tick(value) {
		const l = this.getLabelForValue(value);
		return typeof l === 'string' ? truncate(l, max) : l;
	};
}

/* The other lines fade while one is hovered (on the chart or its legend). */
const HILITE_MIN = 4;

function focusLine(chart, idx) {
	if (chart.$ltFocus === idx) return;
	chart.$ltFocus = idx;
	chart.data.datasets.forEach((d, i) => {
		if (!d.$ltBase) d.$ltBase = { border: d.borderColor, bg: d.backgroundColor, width: d.borderWidth };
		const faded = idx !== null && i !== idx;
		d.borderColor = faded ? alpha(d.$ltBase.border, 0.14) : d.$ltBase.border;
		d.backgroundColor = faded ? alpha(d.$ltBase.bg, 0.14) : d.$ltBase.bg;
		d.borderWidth = idx === i ? (d.$ltBase.width || 2) + 1.5 : d.$ltBase.width;
	});
	requestAnimationFrame(() => { if (chart.ctx) chart.update('none'); });
}

const highlightPlugin = {
	id: 'ltHighlight',
	afterEvent(chart, args) {
		if (!chart.$ltHighlight) return;
		const e = args.event;
		if (e.type === 'mouseout') return focusLine(chart, null);
		if (e.type !== 'mousemove' || !args.inChartArea) return;
		const els = chart.getElementsAtEventForMode(e, 'nearest', { intersect: false, axis: 'xy' }, false);
		focusLine(chart, els.length ? els[0].datasetIndex : null);
	},
};
if (Chart) Chart.register(highlightPlugin);

function highlightLines(config) {
	if (config.type !== 'line') return;
	const sets = (config.data && config.data.datasets) || [];
	if (sets.filter((d) => d.label).length < HILITE_MIN) return;
	config.options = config.options || {};
	const plugins = config.options.plugins = config.options.plugins || {};
	const legend = plugins.legend = plugins.legend || {};
	if (!legend.onHover) legend.onHover = (e, item, l) => focusLine(l.chart, item.datasetIndex);
	if (!legend.onLeave) legend.onLeave = (e, item, l) => focusLine(l.chart, null);
	const prev = config.plugins || [];
	config.plugins = [...prev, { id: 'ltHighlightOn', beforeInit(chart) { chart.$ltHighlight = true; } }];
}

/* Fewer tick labels on narrow charts, so they never run into each other. */
function fitTicks(config, width, height) {
	const scales = (config.options && config.options.scales) || {};
	const horizontal = config.options && config.options.indexAxis === 'y';
	for (const [id, sc] of Object.entries(scales)) {
		const isX = id.startsWith('x');
		if (!width || sc.type === 'category' && (isX !== horizontal)) continue;
		sc.ticks = sc.ticks || {};
		if (isX && !horizontal && sc.type === 'time' && sc.ticks.maxTicksLimit === undefined)
			sc.ticks.maxTicksLimit = Math.max(3, Math.floor(width / 78));
		if (!isX && !horizontal && height && height < 200 && sc.ticks.maxTicksLimit === undefined)
			sc.ticks.maxTicksLimit = 4;
	}
}

/** Destroy the charts inside root (default: all). */
export function destroyCharts(root = null) {
	for (const c of [...live]) {
		if (!root || root.contains(c.canvas)) {
			c.destroy();
			live.delete(c);
		}
	}
}

/* ---- axes ---- */

/** A time x axis from `from` to `to` (epoch ms), with a unit suited to the span. */
export function timeAxis(minMs, maxMs, { unit = null, stacked = false, offset = false } = {}) {
	const span = (maxMs - minMs) / 86400000;
	const u = unit || (span > 400 ? 'month' : span > 120 ? 'month' : span > 45 ? 'week' : 'day');
	return {
		type: 'time',
		min: minMs,
		max: maxMs,
		offset,
		stacked,
		time: {
			unit: u,
			isoWeekday: true,
			tooltipFormat: 'd MMM yyyy',
			displayFormats: { day: 'd MMM', week: 'd MMM', month: span > 400 ? 'MMM yy' : 'MMM', quarter: 'QQQ yyyy', year: 'yyyy' },
		},
		/* major ticks (a new month, a new year) carry the larger unit: "2026" between "Dec" and "Feb" */
		ticks: {
			maxRotation: 0, autoSkip: true, autoSkipPadding: 14, source: 'auto',
			major: { enabled: true },
			font: (c) => (c.tick && c.tick.major ? { weight: '600' } : undefined),
		},
		grid: { display: false },
	};
}

export function valueAxis(title, { min = 0, suggestedMax, stacked = false, position = 'left', grid = true, ticks = {} } = {}) {
	return {
		type: 'linear',
		position,
		min,
		suggestedMax,
		stacked,
		beginAtZero: true,
		title: title ? { display: true, text: title, color: theme().muted, font: { size: 11.5 } } : { display: false },
		grid: { display: grid, drawTicks: false },
		border: { display: false },
		ticks: { padding: 6, maxTicksLimit: 6, precision: 0, ...ticks },
	};
}

export function categoryAxis(opts = {}) {
	return { type: 'category', grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 8 }, ...opts };
}

/* ---- buckets cut by the range ---- */

/*
 * The first and last bucket of a range are cut to it (the API's `days` of
 * `bucket_days`): their counts cover fewer days, so a one-day last week is
 * not a collapse.  Charts draw them hatched (bars) or dashed (lines, hollow
 * points) and say "1 of 7 days" on hover.
 */
export function isCut(b) {
	return !!b && Number.isFinite(b.days) && Number.isFinite(b.bucket_days) && b.days < b.bucket_days;
}

/** "1 of 7 days, cut by the range" for a cut bucket, else ''. */
export function cutText(b) {
	return isCut(b) ? `${b.days} of ${b.bucket_days} days, cut by the range` : '';
}

const hatches = new Map();

/** A hatched fill of `color` (diagonal stripes on a pale ground): a cut bucket's bar. */
export function hatch(color) {
	if (hatches.has(color)) return hatches.get(color);
	const c = document.createElement('canvas');
	c.width = c.height = 8;
	const g = c.getContext('2d');
	g.fillStyle = color;
	g.globalAlpha = 0.25;
	g.fillRect(0, 0, 8, 8);
	g.globalAlpha = 1;
	g.strokeStyle = color;
	g.lineWidth = 2;
	g.beginPath();
	g.moveTo(-2, 10); g.lineTo(10, -2);
	g.moveTo(-2, 2); g.lineTo(2, -2);
	g.moveTo(6, 10); g.lineTo(10, 6);
	g.stroke();
	const p = g.createPattern(c, 'repeat');
	p.cutOf = color; /* what it hatches (tests, exports) */
	hatches.set(color, p);
	return p;
}

/** Bar colours per bucket: hatched where the bucket is cut. */
export function cutColors(series, color) {
	return series.map((b) => (isCut(b) ? hatch(color) : color));
}

/** A line's `segment` option: dashed into and out of a cut bucket. */
export function cutSegments(series) {
	return { borderDash: (ctx) => (isCut(series[ctx.p0DataIndex]) || isCut(series[ctx.p1DataIndex]) ? [4, 4] : undefined) };
}

/** Options for long line series: no parsing, decimation, no points. */
export function fastLine() {
	return {
		parsing: false,
		normalized: true,
		spanGaps: false,
		plugins: { decimation: { enabled: true, algorithm: 'lttb', samples: 400, threshold: 600 } },
	};
}

/** An annotation line (chartjs-plugin-annotation) with a label. */
export function refLine(axis, value, text, color, { dash = [5, 4], position = 'end' } = {}) {
	const t = theme();
	return {
		type: 'line',
		scaleID: axis,
		value,
		borderColor: color || t.muted,
		borderWidth: 1.5,
		borderDash: dash,
		label: text
			? {
				display: true,
				content: text,
				position,
				backgroundColor: t.surface,
				color: color || t.muted,
				font: { size: 11, weight: '600' },
				padding: { x: 5, y: 2 },
				borderRadius: 4,
			}
			: { display: false },
	};
}

/** Is Chart.js loaded (the vendor scripts answered)? */
export function chartsAvailable() {
	return typeof Chart === 'function';
}
