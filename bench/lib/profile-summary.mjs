#!/usr/bin/env node
// Prints where a V8 CPU profile spent its time: self time by function and by file.
//   node bench/lib/profile-summary.mjs bench/results/profiles/liverpc-….cpuprofile [top]
import { readFileSync } from 'node:fs';

const [file, top = '25'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
	self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map();
const byFile = new Map();
for (const [id, micros] of self) {
	const { functionName, url, lineNumber } = byId.get(id).callFrame;
	const where = url.replace(/^.*node_modules\//, '').replace(/^.*\/packages\//, '') || '(native)';
	const fn = `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`;
	byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
	const pkg = where.split('/').slice(0, where.startsWith('@') ? 2 : 1).join('/');
	byFile.set(pkg, (byFile.get(pkg) ?? 0) + micros);
}
const show = (title, map) => {
	console.log(`\n${title}`);
	for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
		console.log(`${((micros / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
	}
};
show('self time by package', byFile);
show('self time by function', byFunction);
