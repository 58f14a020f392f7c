import { DomainError, ErrorKind } from '../../shared/domain-error.ts';
import type { UserRecord } from './store/account-store.ts';

/** Nakama's refusal for an authentication of an account that does not exist (with `create=false`). */
export function notFound(): DomainError {
  return new DomainError(ErrorKind.NOT_FOUND, 'User account not found.');
}

/** Nakama's refusal for a banned account: HTTP 403, gRPC 7. */
export function assertNotBanned(user: UserRecord): void {
  if (user.disableTime !== null) throw new DomainError(ErrorKind.PERMISSION_DENIED, 'User account banned.');
}

/** Nakama's refusal for a chosen username another account holds. */
export function usernameTaken(): DomainError {
  return new DomainError(ErrorKind.ALREADY_EXISTS, 'Username is already in use.');
}
