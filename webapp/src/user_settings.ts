import {pluginId} from './manifest';
import type {UserSettingsPage} from './types';

// The preference the server reads (server/attention): same name, same
// values, same default.
export const NOTIFICATIONS_PREFERENCE = 'teams_notifications';
export const DEFAULT_CHOICE = 'away';

export const notificationSettings: UserSettingsPage = {
    id: pluginId,
    uiName: 'Microsoft Teams',
    sections: [{
        title: 'Teams notifications',
        settings: [{
            name: NOTIFICATIONS_PREFERENCE,
            title: 'Tell me in the Teams activity feed',
            helpText: 'About the messages Mattermost would notify you of, once you have not read them for a short while. You can also use /teams notifications.',
            type: 'radio',
            default: DEFAULT_CHOICE,
            options: [
                {value: 'all', text: 'Always', helpText: 'Even while you are active in Mattermost, unless you are looking at that channel.'},
                {value: 'away', text: 'Only when I am away or offline in Mattermost', helpText: 'Working in Mattermost, you are not told twice.'},
                {value: 'off', text: 'Never'},
            ],
        }],
    }],
};
