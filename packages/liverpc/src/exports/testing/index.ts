// Public entry `liverpc/testing`: room contracts under test in Vitest, with no port and no browser.
export { createTestServer } from '../../runtime/testing/test-server.js';
export type {
	SocketHooksModule,
	TestClient,
	TestConnection,
	TestRoom,
	TestServer,
	TestServerOptions
} from '../../runtime/testing/test-server.js';
