/**
 * POST /connectors/:name/pause and /resume: an operator's pause of a configured connector (see
 * dispatch/connector-state.ts). Each answers with the connector's flow control as GET /status
 * shows it; the write log names who paused or resumed it.
 */
import type { Engine } from '../engine.js';
import type { ApiApp } from './api-app.js';
import { toFlowResponse } from './status-response.js';
import type { WriteLog } from './write-log.js';

export function registerConnectorRoutes(app: ApiApp, engine: Engine, writeLog: WriteLog): void {
  for (const action of ['pause', 'resume'] as const) {
    app.post<{ Params: { name: string } }>(`/connectors/:name/${action}`, async (request) => {
      const { name } = request.params;
      writeLog.note(request, { connector: name });
      const by = writeLog.whoOf(request);
      const flow = await (action === 'pause' ? engine.pauseConnector(name, by) : engine.resumeConnector(name, by));
      return { connector: name, ...toFlowResponse(flow) };
    });
  }
}
