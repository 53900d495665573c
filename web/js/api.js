/*
 * api.js - JSON from the daemon's own origin.  Every call resolves to the
 * parsed body or throws an ApiError whose message is fit to show in the page
 * (the server's own error message when it sent one).
 */

export class ApiError extends Error {
	constructor(status, code, message, param) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.param = param || null;
	}
}

/*
 * The view every request carries: as_of (time travel) and days=business,
 * set by ui.js from the URL before each load.  /api/v1/meta is the one call
 * without them: it is fetched once, plain, for the configured as_of (the
 * limit of the time-travel control) and the store's departments and
 * employees, which as_of does not change.
 */
let view = { as_of: null, days: null };

export function setView(v) {
	view = { as_of: v.as_of || null, days: v.days === 'business' ? 'business' : null };
}

/** The URL of path?params with the view's as_of and days added (null, undefined and '' left out). */
export function apiURL(path, params = {}) {
	const q = new URLSearchParams();
	/* meta and the annotations (notes, not figures: no as_of, no day unit)
	 * go plain; the pit rows are SPEC §2's, in calendar days: no `days`
	 * (docs/API.md) */
	const plain = path === '/api/v1/meta' || path === '/api/v1/annotations';
	const all = plain ? params : { ...params, as_of: view.as_of, days: path === '/api/v1/pit' ? null : view.days };
	for (const [k, v] of Object.entries(all))
		if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
	return q.toString() ? `${path}?${q}` : path;
}

/** The CSV of `table` of the same request (format=csv on the analytics routes). */
export function csvURL(path, params, table) {
	return apiURL(path, { ...params, format: 'csv', table });
}

/** GET path?params plus the view (null, undefined and '' params are left out). */
export async function getJSON(path, params = {}) {
	const url = apiURL(path, params);
	let res;
	try {
		res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
	} catch (e) {
		throw new ApiError(0, 'network', 'Cannot reach the Leadtime server. Check that it is running, then reload the page.');
	}
	let body = null;
	try {
		body = await res.json();
	} catch (e) {
		body = null;
	}
	if (!res.ok) {
		const err = body && body.error;
		if (err) throw new ApiError(res.status, err.code, err.message || `request failed (${res.status})`, err.param);
		throw new ApiError(res.status, 'http', `The server answered ${res.status} ${res.statusText || ''} for ${path}`.trim());
	}
	if (body === null) throw new ApiError(res.status, 'bad_json', `The server sent an unreadable answer for ${path}`);
	return body;
}

let metaPromise = null;

/** /api/v1/meta, fetched once per page load. */
export function getMeta() {
	if (!metaPromise) metaPromise = getJSON('/api/v1/meta');
	return metaPromise;
}

/**
 * /api/v1/meta fetched again, revalidated with the server (its ETag names
 * the data version): live.js's check for new data.  The page's meta then
 * is this answer.
 */
export async function refreshMeta() {
	const url = apiURL('/api/v1/meta');
	let res;
	try {
		res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-cache' });
	} catch (e) {
		throw new ApiError(0, 'network', 'Cannot reach the Leadtime server.');
	}
	if (!res.ok) throw new ApiError(res.status, 'http', `The server answered ${res.status} for /api/v1/meta`);
	const body = await res.json();
	metaPromise = Promise.resolve(body);
	return body;
}
