/** The user's storage objects in every collection; a row opens the object in the storage browser. */
import { useState } from 'preact/hooks';
import { path } from '../api.ts';
import type { AccountPanel } from '../extensions.ts';
import { ErrorNote, useApi, usePoll } from '../ui.tsx';
import { ObjectTable, type StoredObject } from './storage.tsx';

function StorageObjects({ userId }: { userId: string }) {
  const api = useApi();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const page = usePoll(
    () =>
      api.get<{ objects?: StoredObject[]; cursor?: string }>(path('/v2/console/account', userId, 'storage'), {
        cursor,
      }),
    0,
    [userId, cursor],
  );
  return (
    <>
      <ErrorNote error={page.error} />
      <ObjectTable label="Storage objects" objects={page.data?.objects ?? []} />
      {page.data?.cursor ? (
        <button type="button" class="small" onClick={() => setCursor(page.data?.cursor)}>
          More objects
        </button>
      ) : null}
    </>
  );
}

/** The storage objects panel. */
export const storagePanel: AccountPanel = {
  id: 'storage',
  title: 'Storage objects',
  component: StorageObjects,
};
