/** Request validation: pure code, run as local activities (no AEP call). */
import {
  parseDeprovisionRequest,
  parseProvisionRequest,
  type DeprovisionRequest,
  type ProvisionRequest,
} from '../request';
import { invalid } from './failures';

export function validationActivities({ defaultSandbox }: { defaultSandbox: string }) {
  return {
    /** InvalidRequest is non-retryable. */
    async validateProvisionRequest(input: unknown): Promise<ProvisionRequest> {
      try {
        return parseProvisionRequest(input, defaultSandbox);
      } catch (err) {
        return invalid(err);
      }
    },

    async validateDeprovisionRequest(input: unknown): Promise<DeprovisionRequest> {
      try {
        return parseDeprovisionRequest(input, defaultSandbox);
      } catch (err) {
        return invalid(err);
      }
    },
  };
}
