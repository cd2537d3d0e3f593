// The agent end-to-end scenarios (agent-e2e-suite.ts) with the agent on the server's gRPC broker port.

import { agentE2eSuite } from "./agent-e2e-suite.ts";

agentE2eSuite("grpc");
