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

// Variants of an implementation, each a column beside the table with its ratio to the
// implementation it varies: AsyncLocalStorage on raw Socket.IO, other ws engines.
const VARIANTS = [
	{ impl: 'raw-socketio+als', label: 'Socket.IO + ALS', of: 'raw-socketio', ofLabel: 'Socket.IO' },
	{ impl: 'liverpc+bufferutil', label: 'LiveRPC + bufferutil', of: 'liverpc', ofLabel: 'LiveRPC' },
	{ impl: 'raw-socketio+eiows', label: 'Socket.IO + eiows', of: 'raw-socketio', ofLabel: 'Socket.IO' },
	{ impl: 'liverpc+eiows', label: 'LiveRPC + eiows', of: 'liverpc', ofLabel: 'LiveRPC' },
	{ impl: 'liverpc+otel', label: 'LiveRPC + OTel SDK', of: 'liverpc', ofLabel: 'LiveRPC' },
	{ impl: 'liverpc+otel-metrics', label: 'LiveRPC + OTel metrics', of: 'liverpc', ofLabel: 'LiveRPC' },
	{ impl: 'liverpc@before', label: 'LiveRPC before', of: 'liverpc', ofLabel: 'LiveRPC' }
];

export function ratioRows(summary) {
	// Every figure any implementation produced, in the order they were first measured.
	const figures = [...new Set(Object.values(summary).flatMap((figures) => Object.keys(figures)))];
	return figures.map((figure) => {
		const raw = summary['raw-socketio']?.[figure];
		const live = summary.liverpc?.[figure];
		const ws = summary['raw-ws']?.[figure];
		const ratio = live && raw ? live.median / raw.median : NaN;
		const target = TARGETS.find(([pattern]) => pattern.test(figure));
		const met = target && Number.isFinite(ratio) ? (target[1] === '<=' ? ratio <= target[2] : ratio >= target[2]) : undefined;
		const variants = {};
		for (const { impl, of } of VARIANTS) {
			const s = summary[impl]?.[figure];
			if (s) variants[impl] = { ...s, ratio: s.median / summary[of]?.[figure]?.median };
		}
		// On eiows, LiveRPC against raw Socket.IO on eiows too.
		const eiowsRatio = variants['liverpc+eiows'] && variants['raw-socketio+eiows'] ? variants['liverpc+eiows'].median / variants['raw-socketio+eiows'].median : undefined;
		return {
			figure,
			ws,
			raw,
			live,
			ratio,
			target: target ? `${target[1]} ${target[2].toFixed(2)}` : '',
			met,
			...(Object.keys(variants).length ? { variants } : {}),
			...(eiowsRatio !== undefined ? { eiowsRatio } : {})
		};
	});
}

const fixed = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');

export function printReport(rows, title = '') {
	const shown = VARIANTS.filter(({ impl }) => rows.some((row) => row.variants?.[impl]));
	const eiows = rows.some((row) => row.eiowsRatio !== undefined);
	const header = [
		'figure',
		'raw ws',
		'raw Socket.IO',
		'LiveRPC',
		'LiveRPC / Socket.IO',
		'target',
		'',
		...shown.flatMap(({ label, ofLabel }) => [label, `/ ${ofLabel}`]),
		...(eiows ? ['LiveRPC / Socket.IO, both on eiows'] : [])
	];
	const lines = rows.map((row) => [
		row.figure,
		spread(row.ws),
		spread(row.raw),
		spread(row.live),
		fixed(row.ratio),
		row.target,
		row.met === undefined ? '' : row.met ? 'met' : 'MISSED',
		...shown.flatMap(({ impl }) => [spread(row.variants?.[impl]), fixed(row.variants?.[impl]?.ratio)]),
		...(eiows ? [fixed(row.eiowsRatio)] : [])
	]);
	console.log(`\n${title ? `${title}: ` : ''}median (min–max) of the repeats; ratios are of medians\n`);
	console.log(`| ${header.join(' | ')} |`);
	console.log(`|${header.map(() => ' --- ').join('|')}|`);
	for (const line of lines) console.log(`| ${line.join(' | ')} |`);
}
