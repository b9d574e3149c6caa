/** The q-quantile (0..1) of a numeric array, by nearest rank. */
export function quantile(values, q) {
	if (values.length === 0) return NaN;
	const sorted = Float64Array.from(values).sort();
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Median, min and max of repeated measurements of one figure. */
export function summarize(samples) {
	const clean = samples.filter((x) => Number.isFinite(x));
	return { median: quantile(clean, 0.5), min: Math.min(...clean), max: Math.max(...clean), samples: clean };
}
