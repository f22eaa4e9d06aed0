/**
 * Replays over HTTP: POST /replays (a dry run answers 200 with its counts and changes nothing; a
 * replay answers 202 with its id and runs in the background), GET /replays (newest first),
 * GET /replays/:id (its progress) and DELETE /replays/:id (cancels what it has not created yet).
 * The write log names who started or cancelled one.
 */
import type { Engine } from '../engine.js';
import type { ApiApp } from './api-app.js';
import { parseReplayBody, toDryRunResponse, toReplayResponse } from './replay-requests.js';
import type { WriteLog } from './write-log.js';

export function registerReplayRoutes(app: ApiApp, engine: Engine, writeLog: WriteLog): void {
  app.post('/replays', async (request, reply) => {
    // The body comes through the server's JSON parser as text (server.ts).
    const { request: asked, dryRun } = parseReplayBody((request.body as { text?: string } | undefined)?.text);
    writeLog.note(request, { connector: asked.connector, mode: asked.mode, ...(dryRun && { dryRun: 'true' }) });
    if (dryRun) {
      const counted = await engine.replays.dryRun(asked);
      writeLog.note(request, { matched: counted.matched });
      return toDryRunResponse(counted);
    }
    const started = await engine.replays.start(asked, writeLog.whoOf(request));
    writeLog.note(request, { replay: started.id });
    return reply.status(202).header('location', `/replays/${started.id}`).send({ id: started.id });
  });

  app.get('/replays', async () => ({ replays: (await engine.replays.list()).map(toReplayResponse) }));

  app.get<{ Params: { id: string } }>('/replays/:id', async (request) => toReplayResponse(await engine.replays.get(request.params.id)));

  app.delete<{ Params: { id: string } }>('/replays/:id', async (request) => {
    writeLog.note(request, { replay: request.params.id });
    const cancelled = await engine.replays.cancel(request.params.id, writeLog.whoOf(request));
    writeLog.note(request, { created: cancelled.created });
    return toReplayResponse(cancelled);
  });
}
