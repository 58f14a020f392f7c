/**
 * gRPC status codes, as Nakama puts them in HTTP error bodies (`{"code": <grpc>, "message": "..."}`).
 * A wire fact shared by the server (which writes them) and the client SDK (which reads them).
 *
 * @packageDocumentation
 */

/** Every gRPC status code, by name. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** Union of every value in {@link GrpcCode}. */
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];
