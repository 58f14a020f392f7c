import { formatTimestamp } from '@tether/protocol';
import type { ApiRoute } from '../../api/http-types.ts';
import type { WalletService } from './wallet-service.ts';

/**
 * The wallets' part of the admin console's account page: a user's wallet ledger, newest first, 100
 * per page (the balances themselves come with the account).
 */
export function walletConsoleRoutes(wallets: WalletService): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v2/console/account/:userId/wallet',
      name: 'ConsoleListWalletLedger',
      handler: async (req) => {
        const page = await wallets.ledger(req.params.userId ?? '', 100, req.query.get('cursor') || null);
        const items = page.items.map((i) => ({
          id: i.id,
          changeset: i.changeset,
          metadata: i.metadata,
          create_time: formatTimestamp(i.createTime),
        }));
        return {
          body: { ...(items.length > 0 ? { items } : {}), ...(page.cursor ? { cursor: page.cursor } : {}) },
        };
      },
    },
  ];
}
