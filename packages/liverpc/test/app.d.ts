// The locals the test fixtures' socket hook produces, declared the way an app declares them.
declare global {
	namespace App {
		interface SocketLocals {
			user?: { id: string; name: string; tenantId: string };
			/** Which handshake of this test server produced these locals (1, 2, …). */
			handshake?: number;
		}
		// More fields of error bodies, as an app adds them (#11).
		interface SocketErrorBody {
			code?: string;
		}
	}
}
export {};
