/**
 * Parses a boolean the way Go's `strconv.ParseBool` does, which is how Nakama (through
 * grpc-gateway and its socket handler) reads boolean query parameters: `1 t T TRUE true True` and
 * `0 f F FALSE false False`. Returns undefined for anything else, so the caller can say which
 * parameter was wrong.
 */
export function parseGoBool(value: string): boolean | undefined {
  switch (value) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
    default:
      return undefined;
  }
}
