import {cleanup, fireEvent, render, screen, waitFor, within} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {REVOKE_DELAY_MS} from '../save_file';
import {API, json, mockFetch, pending, readyStatus} from '../test/fetch_mock';
import type {SaveAction} from '../types';

import {TeamsAppPackageSection} from './teams_app_package_section';

const NOT_READY = {
    ready: false,
    problems: [
        {setting: 'Application ID', message: 'Application ID is not set.'},
        {setting: 'Site URL', message: 'The Site URL must use https.'},
    ],
    icons: {color: {custom: false}, outline: {custom: false}},
};

function downloadButton(): HTMLButtonElement {
    return screen.getByRole('button', {name: 'Download Manifest'}) as HTMLButtonElement;
}

async function waitForEnabled() {
    await waitFor(() => expect(downloadButton().disabled).toBe(false));
}

function zipResponse(disposition: string | null): Response {
    const headers: Record<string, string> = {'Content-Type': 'application/zip'};
    if (disposition) {
        headers['Content-Disposition'] = disposition;
    }
    return new Response(new Uint8Array([0x50, 0x4b, 0x03, 0x04]), {status: 200, headers});
}

// Records anchor clicks instead of letting jsdom try to navigate.
function captureAnchorClicks() {
    const clicks: Array<{href: string; download: string; inDocument: boolean}> = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
        clicks.push({href: this.getAttribute('href') ?? '', download: this.download, inDocument: document.body.contains(this)});
    });
    return clicks;
}

function stubObjectUrls() {
    const createObjectURL = vi.fn((_blob: Blob) => 'blob:mock-package');
    const revokeObjectURL = vi.fn();
    URL.createObjectURL = createObjectURL;
    URL.revokeObjectURL = revokeObjectURL;
    return {createObjectURL, revokeObjectURL};
}

describe('TeamsAppPackageSection', () => {
    const originalCreate = URL.createObjectURL;
    const originalRevoke = URL.revokeObjectURL;

    beforeEach(() => {
        delete window.basename;
    });

    afterEach(() => {
        cleanup();
        URL.createObjectURL = originalCreate;
        URL.revokeObjectURL = originalRevoke;
        delete window.basename;
        document.cookie = 'MMCSRF=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
    });

    it('shows the heading, the instruction and a checking message while the status loads', () => {
        mockFetch({'GET /status': [pending]});
        render(<TeamsAppPackageSection/>);

        const heading = screen.getByRole('heading', {name: 'Teams app package'});
        expect(screen.getByRole('region', {name: 'Teams app package'}).contains(heading)).toBe(true);
        expect(screen.getByText(/Download the Teams app package \(a ZIP file\)/).textContent).toContain(
            'Teams apps > Manage apps > Upload new app',
        );
        expect(screen.getByText('Checking settings…')).toBeTruthy();
        expect(downloadButton().disabled).toBe(true);
    });

    it('enables Download Manifest when the saved settings are ready', async () => {
        const api = mockFetch({'GET /status': [() => json(200, readyStatus())]});
        render(<TeamsAppPackageSection/>);

        await waitForEnabled();
        expect(screen.queryByText('Checking settings…')).toBeNull();
        expect(screen.queryByRole('alert')).toBeNull();
        expect(screen.queryByRole('listitem')).toBeNull();

        const note = document.getElementById(downloadButton().getAttribute('aria-describedby') as string);
        expect(note?.textContent).toBe('The package uses the saved settings.');

        const [call] = api.callsTo('GET', '/status');
        expect(call.url).toBe(`${API}/status`);
        expect(call.headers.get('X-Requested-With')).toBe('XMLHttpRequest');
        expect(call.headers.has('X-CSRF-Token')).toBe(false);
        expect(call.credentials).toBe('same-origin');
    });

    it('disables the button and lists every problem when the settings are not ready', async () => {
        mockFetch({'GET /status': [() => json(200, NOT_READY)]});
        render(<TeamsAppPackageSection/>);

        const first = await screen.findByText('Application ID is not set.');
        expect(screen.getByText('The Site URL must use https.')).toBeTruthy();
        expect(screen.getAllByRole('listitem')).toHaveLength(2);
        expect(downloadButton().disabled).toBe(true);

        // The button points at the problems, so screen readers say why it is off.
        const describedBy = (downloadButton().getAttribute('aria-describedby') ?? '').split(' ');
        const problems = describedBy.map((id) => document.getElementById(id)).find((el) => el?.contains(first));
        expect(problems).toBeTruthy();
    });

    it('shows the error when the status cannot be fetched', async () => {
        mockFetch({'GET /status': [() => json(403, {error: 'Only system admins can do this.'})]});
        render(<TeamsAppPackageSection/>);

        const alert = await screen.findByRole('alert');
        expect(alert.textContent).toContain('Only system admins can do this.');
        expect(downloadButton().disabled).toBe(true);
        expect(screen.queryByText('Checking settings…')).toBeNull();
    });

    it('shows a readable error when the server cannot be reached', async () => {
        mockFetch({'GET /status': [() => Promise.reject(new TypeError('Failed to fetch'))]});
        render(<TeamsAppPackageSection/>);

        const alert = await screen.findByRole('alert');
        expect(alert.textContent).toContain('The server could not be reached');
    });

    it('downloads the ZIP through an object URL named after Content-Disposition', async () => {
        const api = mockFetch({
            'GET /status': [() => json(200, readyStatus())],
            'GET /package': [() => zipResponse('attachment; filename="mattermost-2.0.0.zip"')],
        });
        const {createObjectURL, revokeObjectURL} = stubObjectUrls();
        const clicks = captureAnchorClicks();
        const timeouts = vi.spyOn(window, 'setTimeout');
        const locationBefore = window.location.href;
        render(<TeamsAppPackageSection/>);

        await waitForEnabled();
        fireEvent.click(downloadButton());

        await waitFor(() => expect(clicks).toHaveLength(1));
        expect(clicks[0]).toEqual({href: 'blob:mock-package', download: 'mattermost-2.0.0.zip', inDocument: true});
        expect(createObjectURL).toHaveBeenCalledTimes(1);
        const blob = createObjectURL.mock.calls[0][0];
        expect(blob.size).toBe(4);
        expect(document.querySelector('a[download]')).toBeNull();

        const [call] = api.callsTo('GET', '/package');
        expect(call.headers.get('X-Requested-With')).toBe('XMLHttpRequest');

        // Revoked later, not before the browser had the chance to read it.
        expect(revokeObjectURL).not.toHaveBeenCalled();
        const revoke = timeouts.mock.calls.find(([, delay]) => delay === REVOKE_DELAY_MS);
        expect(revoke).toBeTruthy();
        (revoke![0] as () => void)();
        expect(revokeObjectURL).toHaveBeenCalledWith('blob:mock-package');

        expect(window.location.href).toBe(locationBefore);
        expect(screen.queryByRole('alert')).toBeNull();
    });

    it('names the download after the status when Content-Disposition has no file name', async () => {
        mockFetch({
            'GET /status': [() => json(200, readyStatus({fileName: 'contoso-3.1.0.zip'}))],
            'GET /package': [() => zipResponse(null)],
        });
        stubObjectUrls();
        const clicks = captureAnchorClicks();
        render(<TeamsAppPackageSection/>);

        await waitForEnabled();
        fireEvent.click(downloadButton());

        await waitFor(() => expect(clicks).toHaveLength(1));
        expect(clicks[0].download).toBe('contoso-3.1.0.zip');
    });

    it('shows the error and the problems inline when the package is refused', async () => {
        mockFetch({
            'GET /status': [() => json(200, readyStatus())],
            'GET /package': [() => json(409, {
                error: 'The Teams app package cannot be built until these settings are fixed and saved.',
                problems: [{setting: 'Bot', message: 'The bot account is missing.'}],
            })],
        });
        const {createObjectURL} = stubObjectUrls();
        const clicks = captureAnchorClicks();
        render(<TeamsAppPackageSection/>);

        await waitForEnabled();
        fireEvent.click(downloadButton());

        const alert = await screen.findByRole('alert');
        expect(alert.textContent).toContain('cannot be built until these settings are fixed and saved.');
        expect(within(alert).getByRole('listitem').textContent).toBe('The bot account is missing.');
        expect(createObjectURL).not.toHaveBeenCalled();
        expect(clicks).toHaveLength(0);

        // Still usable, e.g. after fixing the settings.
        expect(downloadButton().disabled).toBe(false);
    });

    it('checks the status again after the System Console saved, and unregisters on unmount', async () => {
        const api = mockFetch({'GET /status': [() => json(200, NOT_READY), () => json(200, readyStatus())]});
        const registerSaveAction = vi.fn<(a: SaveAction) => void>();
        const unRegisterSaveAction = vi.fn<(a: SaveAction) => void>();
        const {unmount} = render(
            <TeamsAppPackageSection
                registerSaveAction={registerSaveAction}
                unRegisterSaveAction={unRegisterSaveAction}
            />,
        );

        await screen.findByText('Application ID is not set.');
        expect(registerSaveAction).toHaveBeenCalledTimes(1);
        const saveAction = registerSaveAction.mock.calls[0][0];

        // A save action must not fail the save or wait for the check.
        await expect(saveAction()).resolves.toEqual({});
        await waitForEnabled();
        expect(api.callsTo('GET', '/status')).toHaveLength(2);
        expect(screen.queryByText('Application ID is not set.')).toBeNull();

        expect(unRegisterSaveAction).not.toHaveBeenCalled();
        unmount();
        expect(unRegisterSaveAction).toHaveBeenCalledTimes(1);
        expect(unRegisterSaveAction.mock.calls[0][0]).toBe(saveAction);
    });

    it('keeps the newest status when an older request answers late', async () => {
        let answerFirst: (r: Response) => void = () => undefined;
        const first = new Promise<Response>((resolve) => {
            answerFirst = resolve;
        });
        mockFetch({'GET /status': [() => first, () => json(200, readyStatus())]});
        const registerSaveAction = vi.fn<(a: SaveAction) => void>();
        render(<TeamsAppPackageSection registerSaveAction={registerSaveAction}/>);

        await registerSaveAction.mock.calls[0][0]();
        await waitForEnabled();

        answerFirst(json(200, NOT_READY));
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(screen.queryByText('Application ID is not set.')).toBeNull();
        expect(downloadButton().disabled).toBe(false);
    });

    it('puts window.basename in front of every URL', async () => {
        window.basename = '/sub';
        const api = mockFetch({
            'GET /status': [() => json(200, readyStatus())],
            'GET /package': [() => zipResponse('attachment; filename=mattermost-1.0.0.zip')],
        }, `/sub${API}`);
        stubObjectUrls();
        const clicks = captureAnchorClicks();
        render(<TeamsAppPackageSection/>);

        await waitForEnabled();
        fireEvent.click(downloadButton());
        await waitFor(() => expect(clicks).toHaveLength(1));

        expect(api.calls.map((c) => c.url)).toEqual([`/sub${API}/status`, `/sub${API}/package`]);
        const preview = screen.getByRole('img', {name: 'Current color icon'});
        expect(preview.getAttribute('src')).toBe(`/sub${API}/icons/color`);
        expect(screen.getByRole('img', {name: 'Current outline icon'}).getAttribute('src')).toBe(`/sub${API}/icons/outline`);
    });
});

describe('TeamsAppPackageSection and the Teams catalog', () => {
    afterEach(() => {
        cleanup();
        vi.unstubAllGlobals();
    });

    it('says when Teams has the package built now, and gives no command', async () => {
        mockFetch({'GET /status': [() => json(200, readyStatus({version: '1.0.3', catalog: {version: '1.0.3', state: 'current', command: 'm365-setup …'}}))]});
        render(<TeamsAppPackageSection/>);
        await screen.findByText(/Teams has version 1.0.3, the package built from the saved settings/);
        expect(document.querySelector('[data-catalog-state="current"]')?.textContent).not.toContain('m365-setup');
    });

    it('says when Teams is behind, and the command that publishes the package', async () => {
        const command = 'MM_ADMIN_TOKEN=<a system admin\'s token> m365-setup -site-url https://chat.example.com -tenant t -client-id c';
        mockFetch({'GET /status': [() => json(200, readyStatus({version: '1.0.3', catalog: {version: '1.0.3', state: 'changed', command}}))]});
        render(<TeamsAppPackageSection/>);
        await screen.findByText(/built from other settings or icons/);
        expect(document.querySelector('[data-catalog-state="changed"] code')?.textContent).toBe(command);
    });

    it('says when the app is not in the catalog, or the catalog cannot be read', async () => {
        mockFetch({'GET /status': [
            () => json(200, readyStatus({catalog: {state: 'missing', command: 'm365-setup'}})),
        ]});
        render(<TeamsAppPackageSection/>);
        await screen.findByText(/not in your tenant's Teams app catalog yet/);
        cleanup();
        mockFetch({'GET /status': [() => json(200, readyStatus({catalog: {error: 'AppCatalog.Read.All lacks admin consent'}}))]});
        render(<TeamsAppPackageSection/>);
        await screen.findByText(/could not be read: AppCatalog.Read.All lacks admin consent/);
    });
});
