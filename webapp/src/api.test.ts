import {afterEach, describe, expect, it} from 'vitest';

import {ApiError, apiBase, fetchStatus, fileNameFromDisposition, iconUrl, readCookie} from './api';
import {json, mockFetch} from './test/fetch_mock';

describe('fileNameFromDisposition', () => {
    it.each([
        ['attachment; filename=mattermost-1.0.0.zip', 'mattermost-1.0.0.zip'],
        ['attachment; filename="my app-1.0.0.zip"', 'my app-1.0.0.zip'],
        ['attachment; filename="a\\"b.zip"', 'a"b.zip'],
        ['attachment; filename*=utf-8\'\'%C3%A9quipe-1.0.0.zip', 'équipe-1.0.0.zip'],
        ['attachment; filename="fallback.zip"; filename*=UTF-8\'\'r%C3%A9el.zip', 'réel.zip'],
        ['attachment; filename*=utf-8\'\'%E0%A4%A; filename="plain.zip"', 'plain.zip'],
        ['attachment', null],
        [null, null],
    ])('%s → %s', (header, expected) => {
        expect(fileNameFromDisposition(header)).toBe(expected);
    });
});

describe('readCookie', () => {
    afterEach(() => {
        document.cookie = 'MMCSRF=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
        document.cookie = 'XMMCSRF=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
    });

    it('finds a cookie by its exact name among others', () => {
        document.cookie = 'XMMCSRF=wrong';
        document.cookie = 'MMCSRF=a%20b';
        expect(readCookie('MMCSRF')).toBe('a b');
    });

    it('returns an empty string for a missing cookie', () => {
        expect(readCookie('MMCSRF')).toBe('');
    });
});

describe('api', () => {
    afterEach(() => {
        delete window.basename;
    });

    it('builds URLs below the plugin route, with the basename', () => {
        expect(apiBase()).toBe('/plugins/io.missioncollab.m365/api/v1/teams-app');
        window.basename = '/sub';
        expect(iconUrl('color')).toBe('/sub/plugins/io.missioncollab.m365/api/v1/teams-app/icons/color');
        expect(iconUrl('outline', 7)).toBe('/sub/plugins/io.missioncollab.m365/api/v1/teams-app/icons/outline?v=7');
    });

    it('turns a Mattermost error body, or none, into an ApiError', async () => {
        mockFetch({
            'GET /status': [
                () => json(501, {id: 'app.plugin.disabled.app_error', message: 'Plugins have been disabled.'}),
                () => new Response('<html>Bad gateway</html>', {status: 502}),
            ],
        });

        const first = await fetchStatus().catch((e: unknown) => e);
        expect(first).toBeInstanceOf(ApiError);
        expect((first as ApiError).message).toBe('Plugins have been disabled.');
        expect((first as ApiError).status).toBe(501);

        const second = await fetchStatus().catch((e: unknown) => e);
        expect((second as ApiError).message).toBe('The request failed (HTTP 502).');
        expect((second as ApiError).problems).toEqual([]);
    });
});
