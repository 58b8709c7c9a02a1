import { AppError } from '../common/errors';

/** Why an upload PUT was refused before any byte was read, with its HTTP status. */
export class UploadRefused extends Error {
  constructor(readonly status: 404 | 409 | 410, readonly code: 'NOT_FOUND' | 'UPLOAD_USED' | 'UPLOAD_EXPIRED' | 'DATASET_FAILED', message: string) {
    super(message);
  }
}

export const quotaExceeded = (field: string, message: string) =>
  new AppError('BAD_USER_INPUT', message, { problems: [{ field: [field], message, code: 'QUOTA_EXCEEDED' }] });
