/** The activities' own failures (AEP answers are mapped by src/aep/errors.ts). */
import { ApplicationFailure } from '@temporalio/common';
import { InvalidRequestError } from '../request';
import { FailureType } from '../shared/names';

export function datasetMismatch(message: string): never {
  throw ApplicationFailure.create({
    type: FailureType.DatasetMismatch,
    message,
    nonRetryable: true,
  });
}

/** InvalidRequestError → InvalidRequest (non-retryable, every problem in the details). */
export function invalid(err: unknown): never {
  if (err instanceof InvalidRequestError) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidRequest,
      message: err.message,
      nonRetryable: true,
      details: [{ problems: err.problems }],
    });
  }
  throw err;
}

export function differs(message: string, details: Record<string, unknown>): never {
  throw ApplicationFailure.create({
    type: FailureType.ExistingSourceDiffers,
    message,
    nonRetryable: true,
    details: [details],
  });
}

export function sourceNotFound(message: string): never {
  throw ApplicationFailure.create({
    type: FailureType.SourceNotFound,
    message,
    nonRetryable: true,
  });
}
