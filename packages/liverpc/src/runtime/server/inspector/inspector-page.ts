/**
 * The inspector's page: one self-contained document, no external script, style or font (the
 * dev server may have no network, and nothing of the app's is sent anywhere). Its script
 * follows `…/inspector/feed` with an `EventSource` and renders with `textContent` only:
 * locals, presence entries and call names are the app's data, never markup.
 *
 * @param nonce the Content-Security-Policy nonce that lets this inline script, and no other, run
 */
export function inspectorPage(nonce: string): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LiveRPC inspector</title>
<style nonce="${nonce}">
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
header { display: flex; gap: 1rem; align-items: baseline; padding: .6rem 1rem; background: #1d2430; color: #fff; }
header h1 { font-size: 15px; margin: 0; }
#status { font-size: 12px; padding: 1px 8px; border-radius: 8px; background: #8a6d00; }
#status.live { background: #1f7a3f; }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; padding: 1rem; }
section { background: #fff; border: 1px solid #d9dde3; border-radius: 6px; padding: .5rem .8rem; min-width: 0; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 13px; margin: .2rem 0 .5rem; text-transform: uppercase; letter-spacing: .04em; color: #56606e; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eceef1; vertical-align: top; }
th { font-weight: 600; color: #56606e; }
pre { margin: 0; font: 12px/1.35 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
.muted { color: #8a93a0; }
.ok { color: #1f7a3f; font-weight: 600; }
.bad { color: #b3261e; font-weight: 600; }
.card { border: 1px solid #eceef1; border-radius: 4px; padding: .3rem .5rem; margin-bottom: .5rem; }
code { font: 12px ui-monospace, monospace; }
</style>
</head>
<body>
<header><h1>LiveRPC inspector</h1><span id="status">connecting…</span><span id="totals" class="muted"></span></header>
<main>
<section><h2>Connections</h2><p id="locals-note" class="muted"></p><div id="connections"></div></section>
<section><h2>Rooms, members and presence</h2><div id="rooms"></div></section>
<section class="wide"><h2>Last calls, joins and events</h2>
<table><thead><tr><th>time</th><th>kind</th><th>route</th><th>name</th><th>connection</th><th>status</th><th>duration</th></tr></thead><tbody id="activity"></tbody></table>
</section>
</main>
<script nonce="${nonce}">
${PAGE_SCRIPT}
</script>
</body>
</html>
`;
}

/** The page's script, as plain browser JavaScript (it is not compiled). */
const PAGE_SCRIPT = String.raw`
'use strict';
const MAX_ROWS = 200;
const $ = (id) => document.getElementById(id);
/** An element with text (never HTML) and attributes. */
function el(tag, text, attributes) {
	const node = document.createElement(tag);
	if (text !== undefined && text !== null) node.textContent = String(text);
	for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
	return node;
}
function json(value) {
	return value === undefined ? 'undefined' : JSON.stringify(value, null, 2);
}
function time(at) {
	return new Date(at).toLocaleTimeString(undefined, { hour12: false }) + '.' + String(at % 1000).padStart(3, '0');
}

function renderSnapshot(snapshot) {
	$('totals').textContent = snapshot.totals.connections + ' connection(s), ' + snapshot.totals.rooms + ' room(s)';
	$('locals-note').textContent = snapshot.localsShown
		? 'locals shown with their values (LIVERPC_INSPECTOR_SHOW_LOCALS=1)'
		: 'locals redacted: their keys and value types; start vite dev with LIVERPC_INSPECTOR_SHOW_LOCALS=1 to see values';
	const connections = $('connections');
	connections.replaceChildren();
	if (snapshot.connections.length === 0) connections.append(el('p', 'No connection.', { class: 'muted' }));
	for (const connection of snapshot.connections) {
		const card = el('div', undefined, { class: 'card', 'data-testid': 'connection', 'data-id': connection.id });
		const title = el('div');
		title.append(el('code', connection.id), el('span', ' · ' + connection.transport + ' · since ' + time(connection.since), { class: 'muted' }));
		card.append(title);
		card.append(el('div', 'rooms: ' + (connection.rooms.length ? connection.rooms.join(', ') : '(none)'), { class: 'muted' }));
		card.append(el('pre', 'locals ' + json(connection.locals), { 'data-testid': 'locals' }));
		connections.append(card);
	}
	const rooms = $('rooms');
	rooms.replaceChildren();
	if (snapshot.rooms.length === 0) rooms.append(el('p', 'No room has a member.', { class: 'muted' }));
	for (const room of snapshot.rooms) {
		const card = el('div', undefined, { class: 'card', 'data-testid': 'room', 'data-room': room.room });
		const title = el('div');
		title.append(el('strong', room.room), el('span', '  ' + room.route, { class: 'muted' }));
		card.append(title);
		card.append(el('div', 'members (' + room.members.length + ')', { class: 'muted' }));
		for (const member of room.members) {
			const line = el('div', undefined, { 'data-testid': 'member', 'data-connection': member.connectionId });
			line.append(el('code', member.connectionId), el('span', member.member === 'undefined' ? '' : '  as ' + JSON.stringify(member.member)));
			card.append(line);
		}
		if (room.presence.length > 0) {
			card.append(el('div', 'presence (' + room.presence.length + ')', { class: 'muted' }));
			for (const row of room.presence) {
				card.append(el('pre', row.id + ' ×' + row.connections + '  ' + JSON.stringify(row.entry), { 'data-testid': 'presence' }));
			}
		}
		rooms.append(card);
	}
}

function addActivity(list) {
	const body = $('activity');
	for (const activity of list) {
		const row = el('tr', undefined, { 'data-testid': 'activity', 'data-kind': activity.kind, 'data-name': activity.name || '', 'data-status': activity.status === undefined ? '' : String(activity.status) });
		const status = activity.status === undefined ? (activity.delivered === undefined ? '' : 'to ' + activity.delivered) : String(activity.status);
		const statusCell = el('td', status, { class: activity.status === undefined ? 'muted' : activity.status < 400 ? 'ok' : 'bad' });
		row.append(
			el('td', time(activity.at), { class: 'muted' }),
			el('td', activity.kind),
			el('td', activity.route || ''),
			el('td', activity.name || ''),
			el('td', activity.connectionId || '', { class: 'muted' }),
			statusCell,
			el('td', activity.ms === undefined ? '' : activity.ms.toFixed(1) + ' ms', { 'data-testid': 'duration' })
		);
		body.prepend(row);
	}
	while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
}

const source = new EventSource(location.pathname.replace(/\/+$/, '') + '/feed');
source.addEventListener('open', () => {
	$('status').textContent = 'live';
	$('status').className = 'live';
	// A reconnected stream starts with the whole ring again.
	$('activity').replaceChildren();
});
source.addEventListener('error', () => {
	$('status').textContent = 'reconnecting…';
	$('status').className = '';
});
source.addEventListener('snapshot', (message) => renderSnapshot(JSON.parse(message.data)));
source.addEventListener('activity', (message) => addActivity(JSON.parse(message.data)));
`;
