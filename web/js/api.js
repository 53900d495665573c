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

/** GET path?params (null, undefined and '' params are left out). */
export async function getJSON(path, params = {}) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params))
		if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
	const url = q.toString() ? `${path}?${q}` : path;
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
