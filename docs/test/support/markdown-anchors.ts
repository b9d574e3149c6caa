// Links between the docs' pages point at headings: the docs tests check that each exists.

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N}\s_-]/gu, '')
		.replace(/\s/g, '-');
}

/** The anchors of a markdown page's headings, outside code blocks. */
export function headingAnchors(markdown: string): Set<string> {
	const anchors = new Set<string>();
	let fenced = false;
	for (const line of markdown.split('\n')) {
		if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
		const heading = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
		if (heading) anchors.add(anchorOf(heading[1]!));
	}
	return anchors;
}
