/**
 * The streaming inlet (DCS): no sandbox header, the inlet URL identifies org and sandbox. The
 * bearer token goes to the inlet only when the inlet requires authentication.
 */
import type { InletApi } from './api';
import { toAepFailure } from './errors';
import { bodyOfText, readHttpError } from './http-errors';
import type { AepHttp } from './http';

export function inletApi({ inletHttp, tokens }: AepHttp): InletApi {
  return {
    async sendToInlet({ inletUrl, flowId, record, authenticated, signal }) {
      const context = { operation: 'inlet.send', resource: flowId, service: 'inlet' as const };
      try {
        const send = (token?: string) =>
          inletHttp.post(inletUrl, {
            json: record,
            ...(signal ? { signal } : {}),
            headers: {
              'x-adobe-flow-id': flowId,
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
          });
        let token = authenticated ? await tokens.getToken(signal) : undefined;
        let response = await send(token);
        // DCS answers 401 (tutorial) or 403 (batch doc) for an expired token: refresh once.
        if ((response.status === 401 || response.status === 403) && token) {
          await response.body?.cancel();
          tokens.invalidate(token);
          token = await tokens.getToken(signal);
          response = await send(token);
        }
        if (!response.ok) throw await readHttpError(response);
        // DCS answers JSON; anything else is still a 2xx the caller may want to see.
        return { status: response.status, body: bodyOfText(await response.text()) };
      } catch (err) {
        throw toAepFailure(err, context);
      }
    },
  };
}
