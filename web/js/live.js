/*
 * live.js - a page notices new data and redraws its figures: no page keeps
 * showing what it fetched when it was opened.
 *
 * Every POLL_SECONDS, while the page is visible (and at once when it
 * becomes visible again), it asks /api/v1/meta again.  The request is
 * revalidated (`cache: 'no-cache'`: If-None-Match with the ETag, which
 * names the data version), so an unchanged store costs a 304.  When
 * `data_version` or `as_of` differ from what the page drew, onNew(meta)
 * runs: ui.js takes the new meta, fetches the notes again and loads the
 * page's view again (every API answer is revalidated the same way, so the
 * figures are the new ones, not the browser's cached copies).  A failed
 * check (the server restarting) is tried again at the next tick.
 */
import { refreshMeta } from './api.js';

export const POLL_SECONDS = 15;

export function watchData(meta, onNew) {
	let known = { version: meta.data_version, asOf: meta.as_of };
	let busy = false;
	const check = async () => {
		if (busy || document.hidden) return;
		busy = true;
		try {
			const fresh = await refreshMeta();
			if (fresh.data_version !== known.version || fresh.as_of !== known.asOf) {
				known = { version: fresh.data_version, asOf: fresh.as_of };
				await onNew(fresh);
			}
		} catch (e) {
			/* not now: the next tick asks again */
		} finally {
			busy = false;
		}
	};
	const timer = setInterval(check, POLL_SECONDS * 1000);
	document.addEventListener('visibilitychange', () => {
		if (!document.hidden) check();
	});
	return { check, stop: () => clearInterval(timer) };
}
