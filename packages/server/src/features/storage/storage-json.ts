import { formatTimestamp } from '@tether/protocol';
import type { StoragePage } from './storage-service.ts';
import type { StorageObjectRecord, StorageWriteResult } from './store/storage-store.ts';

/**
 * Nakama's JSON for storage objects: proto3 JSON as its gateway writes it (snake_case names, zero
 * permissions and empty lists omitted, values as JSON text). Object times are whole seconds; ack
 * times keep their fraction (Nakama's acks carry the write's full timestamp).
 */

/** `api.StorageObject`. */
export function storageObjectJson(o: StorageObjectRecord): Record<string, unknown> {
  const json: Record<string, unknown> = {
    collection: o.collection,
    key: o.key,
    user_id: o.userId,
    value: o.value,
    version: o.version,
  };
  if (o.permissionRead !== 0) json.permission_read = o.permissionRead;
  if (o.permissionWrite !== 0) json.permission_write = o.permissionWrite;
  json.create_time = formatTimestamp(o.createTime);
  json.update_time = formatTimestamp(o.updateTime);
  return json;
}

/** `api.StorageObjects`: `{}` when empty. */
export function storageObjectsJson(objects: readonly StorageObjectRecord[]): Record<string, unknown> {
  return objects.length > 0 ? { objects: objects.map(storageObjectJson) } : {};
}

/** `api.StorageObjectList`: `cursor` only when another page follows. */
export function storageListJson(page: StoragePage): Record<string, unknown> {
  const json = storageObjectsJson(page.objects);
  if (page.cursor) json.cursor = page.cursor;
  return json;
}

/** `api.StorageObjectAcks`, in request order. */
export function storageAcksJson(acks: readonly StorageWriteResult[]): Record<string, unknown> {
  if (acks.length === 0) return {};
  return {
    acks: acks.map((a) => ({
      collection: a.collection,
      key: a.key,
      version: a.version,
      user_id: a.userId,
      create_time: preciseTimestamp(a.createTime),
      update_time: preciseTimestamp(a.updateTime),
    })),
  };
}

/** RFC 3339 with the milliseconds when there are any (`…:05.250Z`), whole seconds otherwise. */
function preciseTimestamp(t: Date): string {
  return t.getTime() % 1000 === 0 ? formatTimestamp(t) : t.toISOString();
}
