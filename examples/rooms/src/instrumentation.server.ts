// The app's OpenTelemetry SDK. SvelteKit loads this file before any other server code
// (in `node build`, before the server and LiveRPC's sockets), so what it registers is in place
// when SvelteKit and LiveRPC resolve their tracer and meter. LiveRPC records through
// `@opentelemetry/api` only; this file decides where that goes. Without an SDK, neither
// SvelteKit nor LiveRPC measures anything.
//
//   METRICS_PORT=9464               serves every metric for Prometheus to scrape, at
//                                   http://127.0.0.1:9464/metrics (LiveRPC's are named
//                                   `liverpc_…`: liverpc_calls_total, liverpc_connections, …).
//                                   On loopback only: put a proxy in front to scrape it from
//                                   elsewhere.
//   OTEL_TRACES_EXPORTER=console    prints every finished span on stdout (OpenTelemetry's own
//                                   variable; `console` is the only exporter this file knows).
//   OTEL_SERVICE_NAME=chat-eu       the `service.name` of both (`rooms` when unset): Prometheus's
//                                   target_info{service_name=…}, and each span's resource.
//   TRACES_FILE=/path/spans.jsonl   appends every finished span to that file, one JSON object
//                                   a line (name, ids, parent, kind, attributes), for tools and
//                                   tests that read spans back.
//
// Without METRICS_PORT or a trace setting it registers nothing. Either trace setting registers
// a tracer provider with an AsyncLocalStorage context manager, so spans nest across awaits: a
// form action's `emit()` is a `send <route>` span under SvelteKit's `sveltekit.form_action`,
// an endpoint's under `sveltekit.resolve` (SvelteKit 2) or `sveltekit.endpoint` (SvelteKit 3),
// all under the request's `sveltekit.handle.root`; a call's `validate input` and `handler`
// are under its `<route>/<call>` span, and the handler's emits under `handler`.
import { appendFileSync } from 'node:fs';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ConsoleSpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';

/** What the metrics and spans are of: `service.name` is OTEL_SERVICE_NAME, or `rooms`. */
const resource = defaultResource().merge(resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME || 'rooms' }));

const metricsPort = process.env.METRICS_PORT;
if (metricsPort) {
	const port = Number(metricsPort);
	if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`METRICS_PORT must be a port number, not ${JSON.stringify(metricsPort)}`);
	const exporter = new PrometheusExporter({ host: '127.0.0.1', port, endpoint: '/metrics' }, (error) => {
		if (error) console.error(`Prometheus metrics could not be served on 127.0.0.1:${port}:`, error);
	});
	metrics.setGlobalMeterProvider(new MeterProvider({ resource, readers: [exporter] }));
}

/** Writes each finished span to `file` as one line of JSON. */
class JsonLinesSpanExporter implements SpanExporter {
	constructor(private readonly file: string) {}

	export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
		try {
			const lines = spans.map((span) =>
				JSON.stringify({
					name: span.name,
					traceId: span.spanContext().traceId,
					spanId: span.spanContext().spanId,
					parentSpanId: span.parentSpanContext?.spanId,
					kind: span.kind,
					scope: span.instrumentationScope.name,
					attributes: span.attributes,
					status: span.status,
					startTime: span.startTime,
					duration: span.duration
				})
			);
			if (lines.length > 0) appendFileSync(this.file, lines.join('\n') + '\n');
			done({ code: ExportResultCode.SUCCESS });
		} catch (error) {
			done({ code: ExportResultCode.FAILED, error: error as Error });
		}
	}

	async shutdown(): Promise<void> {}
}

const spanProcessors: SpanProcessor[] = [];
const tracesExporter = process.env.OTEL_TRACES_EXPORTER;
if (tracesExporter === 'console') spanProcessors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
else if (tracesExporter && tracesExporter !== 'none') console.warn(`OTEL_TRACES_EXPORTER=${tracesExporter}: this app only knows "console" (see src/instrumentation.server.ts)`);
if (process.env.TRACES_FILE) spanProcessors.push(new SimpleSpanProcessor({ exporter: new JsonLinesSpanExporter(process.env.TRACES_FILE) }));

if (spanProcessors.length > 0) {
	context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
	trace.setGlobalTracerProvider(new TracerProvider({ resource, spanProcessors }));
}
