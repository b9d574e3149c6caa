// Turns medians into the ratio table: LiveRPC against raw Socket.IO, raw ws for context.

/** Targets from issue #4, as ratios LiveRPC / raw Socket.IO of medians from the same run. */
const TARGETS = [
	[/server CPU µs\/call$/, '<=', 1.1],
	[/calls\/s$/, '>=', 0.9],
	[/deliveries\/s$/, '>=', 0.95],
	[/^handshakes\/s$/, '>=', 0.8],
	[/KB\/conn$/, '<=', 1.0]
];

const fmt = (x) => (x === undefined || !Number.isFinite(x) ? '–' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 10 ? 1 : 2));
const spread = (s) => (s ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : '–');

export function ratioRows(summary) {
	const base = summary['raw-socketio'] ?? {};
	return Object.keys(base).map((figure) => {
		const raw = base[figure];
		const live = summary.liverpc?.[figure];
		const ws = summary['raw-ws']?.[figure];
		const engine = summary['liverpc+bufferutil']?.[figure];
		const ratio = live ? live.median / raw.median : NaN;
		const target = TARGETS.find(([pattern]) => pattern.test(figure));
		const met = target ? (target[1] === '<=' ? ratio <= target[2] : ratio >= target[2]) : undefined;
		return {
			figure,
			ws,
			raw,
			live,
			ratio,
			target: target ? `${target[1]} ${target[2].toFixed(2)}` : '',
			met,
			...(engine ? { engine, engineRatio: engine.median / live.median } : {})
		};
	});
}

export function printReport(rows) {
	const engines = rows.some((row) => row.engine);
	const header = ['figure', 'raw ws', 'raw Socket.IO', 'LiveRPC', 'LiveRPC / Socket.IO', 'target', '', ...(engines ? ['LiveRPC + bufferutil', '/ LiveRPC'] : [])];
	const lines = rows.map((row) => [
		row.figure,
		spread(row.ws),
		spread(row.raw),
		spread(row.live),
		Number.isFinite(row.ratio) ? row.ratio.toFixed(2) : '–',
		row.target,
		row.met === undefined ? '' : row.met ? 'met' : 'MISSED',
		...(engines ? [spread(row.engine), row.engineRatio?.toFixed(2) ?? '–'] : [])
	]);
	console.log(`\nmedian (min–max) of the repeats; ratios are of medians\n`);
	console.log(`| ${header.join(' | ')} |`);
	console.log(`|${header.map(() => ' --- ').join('|')}|`);
	for (const line of lines) console.log(`| ${line.join(' | ')} |`);
}
