// An OpenTelemetry SDK as an app's instrumentation.server.ts would register it, for the
// `liverpc+otel` implementation (BENCH_OTEL=1): a tracer provider whose BatchSpanProcessor
// exports into a sink that counts and drops, the AsyncLocalStorage context manager, and a
// MeterProvider whose reader collects every second (as a Prometheus scrape would, more often)
// into a sink that counts and drops. Imported by the server process before LiveRPC is.
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

const SUCCESS = { code: 0 };

/** What the sinks received: proof that the SDK recorded what LiveRPC measured. */
export const received = { spans: 0, spanNames: new Set(), metricPoints: 0, metricNames: new Set() };

const spanSink = {
	export(spans, done) {
		received.spans += spans.length;
		for (const span of spans) if (received.spanNames.size < 50) received.spanNames.add(span.name);
		done(SUCCESS);
	},
	shutdown: async () => {},
	forceFlush: async () => {}
};

const metricSink = {
	export(resourceMetrics, done) {
		for (const scope of resourceMetrics.scopeMetrics) {
			for (const metric of scope.metrics) {
				received.metricNames.add(metric.descriptor.name);
				received.metricPoints += metric.dataPoints.length;
			}
		}
		done(SUCCESS);
	},
	selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
	shutdown: async () => {},
	forceFlush: async () => {}
};

// BENCH_OTEL=metrics: a MeterProvider only, as an app that scrapes metrics and keeps no traces.
const withTraces = process.env.BENCH_OTEL !== 'metrics';
const tracerProvider = withTraces ? new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: spanSink })] }) : undefined;
if (tracerProvider) {
	context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
	trace.setGlobalTracerProvider(tracerProvider);
}
const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metricSink, exportIntervalMillis: 1000 })] });
metrics.setGlobalMeterProvider(meterProvider);

/** Exports what is pending, then says what the sinks received. */
export async function flushed() {
	await tracerProvider?.forceFlush();
	await meterProvider.forceFlush();
	return { traces: withTraces, spans: received.spans, spanNames: [...received.spanNames], metricPoints: received.metricPoints, metricNames: [...received.metricNames] };
}
