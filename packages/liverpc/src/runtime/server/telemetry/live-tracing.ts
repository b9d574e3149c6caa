import { context, ProxyTracerProvider, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { SCOPE } from './live-metrics.js';

// Spans follow the OpenTelemetry conventions for RPC (calls, joins, handshakes: SERVER spans
// with `rpc.system.name`, `rpc.method`, `rpc.response.status_code`, `error.type`) and for
// messaging (emits: PRODUCER spans with `messaging.operation.type` and the route id as
// `messaging.destination.template`). A room's params' values are never an attribute: they
// are often ids a trace store should not index, and they multiply span names.

const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

let tracer: Tracer | undefined;

/**
 * Whether the app registered a tracer provider (an OpenTelemetry SDK). Read at the start of
 * each traced operation, so an SDK registered after the server started is used from then on;
 * while none is, no span, context or attribute object is made at all.
 */
export function tracing(): boolean {
	const provider = trace.getTracerProvider() as Partial<ProxyTracerProvider>;
	return typeof provider.getDelegate !== 'function' || provider.getDelegate() !== NOOP_TRACER_PROVIDER;
}

function liveTracer(): Tracer {
	return (tracer ??= trace.getTracer(SCOPE));
}

/** A SERVER span for a handshake, a join or a call, a child of whatever span is current. */
export function startServerSpan(name: string, method: string, attributes: Attributes = {}): Span {
	return liveTracer().startSpan(name, { kind: SpanKind.SERVER, attributes: { 'rpc.system.name': 'liverpc', 'rpc.method': method, ...attributes } });
}

/** A step of an operation (the hook, a guard, a validation, a handler, a history read), under `parent`. */
export function startStepSpan(name: string, parent: Span): Span {
	return liveTracer().startSpan(name, { kind: SpanKind.INTERNAL }, trace.setSpan(context.active(), parent));
}

/** A PRODUCER span for an emit to a room, under the current span (a form action's, an endpoint's, a call's). */
export function startEmitSpan(route: string, event: string): Span {
	return liveTracer().startSpan(`send ${route}`, {
		kind: SpanKind.PRODUCER,
		attributes: {
			'messaging.system': 'liverpc',
			'messaging.operation.type': 'send',
			'messaging.operation.name': 'emit',
			'messaging.destination.template': route,
			'liverpc.event': event
		}
	});
}

/** Runs `run` with `span` current. */
export function withSpan<T>(span: Span, run: () => T): T {
	return context.with(trace.setSpan(context.active(), span), run);
}

/**
 * Ends an operation's span with its answer's status: 200 is OK; a 4xx is the client's
 * refusal, recorded but not an error of the server; a 5xx is an error, with `error.type`.
 */
export function endWithStatus(span: Span, status: number, thrown?: unknown): void {
	span.setAttribute('rpc.response.status_code', String(status));
	if (status >= 400) span.setAttribute('error.type', status >= 500 && thrown instanceof Error ? thrown.constructor.name : String(status));
	if (status >= 500) {
		span.setStatus({ code: SpanStatusCode.ERROR });
		if (thrown instanceof Error) span.recordException(thrown);
	}
	span.end();
}

/** Ends a step's span, as an error when the step threw. */
export function endStep(span: Span, thrown?: unknown): void {
	if (thrown !== undefined) {
		span.setStatus({ code: SpanStatusCode.ERROR });
		if (thrown instanceof Error) span.recordException(thrown);
	}
	span.end();
}
