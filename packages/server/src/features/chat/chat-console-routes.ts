import type { ApiRoute } from '../../api/http-types.ts';
import { boolQuery, intQuery } from '../../api/request-helpers.ts';
import type { ChatAdmin } from './chat-admin.ts';

/**
 * The chat section of the admin console: channels with members now, any channel's history (newest
 * first by default), and deleting a message.
 */
export function chatConsoleRoutes(admin: ChatAdmin): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v2/console/channel',
      name: 'ConsoleListChannels',
      handler: () => ({ body: { channels: admin.activeChannels() } }),
    },
    {
      method: 'GET',
      path: '/v2/console/channel/:channelId/message',
      name: 'ConsoleListChannelMessages',
      handler: async (req) => ({
        body: await admin.history(req.params.channelId ?? '', {
          limit: intQuery(req, 'limit', 50),
          forward: boolQuery(req, 'forward', false),
          cursor: req.query.get('cursor') || undefined,
        }),
      }),
    },
    {
      method: 'DELETE',
      path: '/v2/console/channel/:channelId/message/:messageId',
      name: 'ConsoleDeleteChannelMessage',
      handler: async (req) => {
        await admin.deleteMessage(req.params.channelId ?? '', req.params.messageId ?? '');
        return { body: {} };
      },
    },
  ];
}
